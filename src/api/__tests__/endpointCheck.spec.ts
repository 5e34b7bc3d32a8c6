import { ServerConnection } from '@jupyterlab/services';

import type { EndpointRequest } from '../endpointCheck';
import { checkEndpoint } from '../endpointCheck';
import { LwsApiError } from '../request';

const settings = ServerConnection.makeSettings({ baseUrl: 'http://lab/' });

describe('checkEndpoint', () => {
  it('asks GET /health of the Service through the endpoint proxy', async () => {
    const asked: string[] = [];
    const request: EndpointRequest = async (endPoint, init) => {
      asked.push(`${init.method} ${endPoint}`);
      return new Response('', { status: 200 });
    };
    const answer = await checkEndpoint(settings, 'llama-leader', 8080, {
      request,
      now: () => 42
    });
    expect(asked).toEqual(['GET endpoints/llama-leader/8080/health']);
    expect(answer).toEqual({
      answers: true,
      healthy: true,
      detail: 'HTTP 200',
      checkedAt: 42
    });
  });

  it('tells an engine that answers with an error from one that does not answer', async () => {
    const loading: EndpointRequest = async () => {
      throw new LwsApiError(503, 'Service Unavailable');
    };
    expect(
      await checkEndpoint(settings, 'svc', 80, { request: loading })
    ).toMatchObject({ answers: true, healthy: false, detail: 'HTTP 503' });

    const unreachable: EndpointRequest = async () => {
      throw new LwsApiError(
        502,
        'could not reach svc:80: connection refused',
        'UpstreamUnreachable'
      );
    };
    expect(
      await checkEndpoint(settings, 'svc', 80, { request: unreachable })
    ).toMatchObject({
      answers: false,
      healthy: false,
      detail: 'could not reach svc:80: connection refused'
    });
  });

  it('counts an engine without a /health route (404) as answering', async () => {
    const noHealthRoute: EndpointRequest = async () => {
      throw new LwsApiError(404, 'File Not Found');
    };
    expect(
      await checkEndpoint(settings, 'svc', 80, { request: noHealthRoute })
    ).toMatchObject({
      answers: true,
      healthy: true,
      detail: 'HTTP 404: no /health route'
    });
  });

  it('gives up after the timeout', async () => {
    const hangs: EndpointRequest = (_endPoint, init) =>
      new Promise((_resolve, reject) =>
        init.signal?.addEventListener('abort', () =>
          reject(new Error('aborted'))
        )
      );
    const answer = await checkEndpoint(settings, 'svc', 80, {
      request: hangs,
      timeoutMs: 20
    });
    expect(answer).toMatchObject({
      answers: false,
      detail: 'no answer within 20 ms'
    });
  });
});
