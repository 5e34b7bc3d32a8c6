import { ServerConnection } from '@jupyterlab/services';
import type { KubernetesObject } from '@kubernetes/client-node';

import { KubeClient } from '../kube';
import { Resources } from '../resources';

/** A client whose requests are recorded and answered with `status` and `body`. */
function recordingClient(
  status: number,
  body: string
): { client: KubeClient; sent: Request[] } {
  const sent: Request[] = [];
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://lab/',
    fetch: async (request: RequestInfo) => {
      sent.push(request as Request);
      return new Response(body, { status });
    }
  });
  return { client: new KubeClient('project-user-alice', settings), sent };
}

describe('KubeClient.jsonPatch', () => {
  it('sends the operations as application/json-patch+json to the object', async () => {
    const { client, sent } = recordingClient(
      200,
      '{"kind": "LeaderWorkerSet"}'
    );
    const operations = [
      { op: 'test' as const, path: '/spec/replicas', value: 1 },
      { op: 'replace' as const, path: '/spec/replicas', value: 2 }
    ];
    await client.jsonPatch(Resources.leaderWorkerSets, 'llama', operations);
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

describe('KubeClient.apply', () => {
  const secret: KubernetesObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'hf-token' }
  };

  it('server-side applies with the field manager and reports 201 as created', async () => {
    const { client, sent } = recordingClient(
      201,
      '{"kind": "Secret", "metadata": {"name": "hf-token", "uid": "u1"}}'
    );
    const result = await client.apply(secret, { dryRun: true, force: true });
    expect(result.created).toBe(true);
    expect(result.object.metadata?.uid).toBe('u1');
    const url = new URL(sent[0].url);
    expect(url.pathname).toBe(
      '/lws/api/k8s/api/v1/namespaces/project-user-alice/secrets/hf-token'
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({
      fieldManager: 'jupyterlab-lws',
      fieldValidation: 'Strict',
      force: 'true',
      dryRun: 'All'
    });
    expect(sent[0].headers.get('Content-Type')).toBe(
      'application/apply-patch+yaml'
    );
  });

  it('reports 200 (an existing object updated) as not created', async () => {
    const { client, sent } = recordingClient(200, '{"kind": "Secret"}');
    const result = await client.apply(secret);
    expect(result.created).toBe(false);
    expect(new URL(sent[0].url).searchParams.has('force')).toBe(false);
  });
});
