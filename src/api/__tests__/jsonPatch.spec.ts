import { ServerConnection } from '@jupyterlab/services';

import { jsonPatch } from '../jsonPatch';
import { KubeClient } from '../kube';
import { Resources } from '../resources';

describe('jsonPatch', () => {
  it('sends the operations as application/json-patch+json to the object', async () => {
    const sent: Request[] = [];
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://lab/',
      fetch: async (request: RequestInfo) => {
        sent.push(request as Request);
        return new Response('{"kind": "LeaderWorkerSet"}', { status: 200 });
      }
    });
    const client = new KubeClient('project-user-alice', settings);
    const operations = [
      { op: 'test' as const, path: '/spec/replicas', value: 1 },
      { op: 'replace' as const, path: '/spec/replicas', value: 2 }
    ];
    await jsonPatch(client, Resources.leaderWorkerSets, 'llama', operations);
    expect(sent[0].method).toBe('PATCH');
    expect(sent[0].url).toBe(
      'http://lab/lws/api/k8s/apis/leaderworkerset.x-k8s.io/v1/namespaces/project-user-alice/leaderworkersets/llama'
    );
    expect(sent[0].headers.get('Content-Type')).toBe(
      'application/json-patch+json'
    );
    expect(JSON.parse(await sent[0].text())).toEqual(operations);
  });
});
