import { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from '../request';

describe('requestAPI', () => {
  it('sends no cache-busting query parameter the proxy would refuse', async () => {
    const urls: string[] = [];
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://lab/',
      fetch: async (request: RequestInfo) => {
        urls.push((request as Request).url);
        return new Response('{"items": []}', { status: 200 });
      }
    });
    await requestAPI(
      'k8s/api/v1/namespaces/ns/pods?labelSelector=x',
      { method: 'GET' },
      settings
    );
    await requestAPI('context', { method: 'GET' }, settings);
    expect(urls).toEqual([
      'http://lab/lws/api/k8s/api/v1/namespaces/ns/pods?labelSelector=x',
      'http://lab/lws/api/context'
    ]);
  });
});
