// The checks before a download is created, against a fake transport (the cluster side is
// covered by ui-tests/tests/downloads.spec.ts): nothing is created when one fails.

import { Signal } from '@lumino/signaling';

import type { NamespaceModel } from '../../../api/namespaceModel';
import { LwsApiError } from '../../../api/request';
import { DownloadsViewModel } from '../DownloadsViewModel';

interface ICall {
  method: string;
  args: unknown[];
}

function fakeNamespace(options: { pvcPhase?: string | null; jobs?: any[] }): {
  namespace: NamespaceModel;
  calls: ICall[];
} {
  const calls: ICall[] = [];
  const record =
    (method: string, result: (...args: any[]) => unknown) =>
    async (...args: unknown[]) => {
      calls.push({ method, args });
      return result(...args);
    };
  const client = {
    get: record('get', () => {
      if (options.pvcPhase === null) {
        throw new LwsApiError(404, 'not found');
      }
      return { status: { phase: options.pvcPhase ?? 'Bound' } };
    }),
    list: record('list', () => ({ items: options.jobs ?? [] })),
    delete: record('delete', () => undefined),
    apply: record('apply', (job: unknown) => ({ object: job, created: true }))
  };
  const owner = {};
  const namespace = {
    changed: new Signal(owner),
    collection: () => null,
    logs: null,
    client,
    events: [],
    leaderWorkerSets: []
  } as unknown as NamespaceModel;
  return { namespace, calls };
}

function job(name: string, finished: boolean): any {
  return {
    metadata: { name },
    status: finished
      ? { conditions: [{ type: 'Complete', status: 'True' }] }
      : { active: 1 }
  };
}

describe('DownloadsViewModel.start', () => {
  it('creates nothing for a malformed request', async () => {
    const { namespace, calls } = fakeNamespace({});
    const model = new DownloadsViewModel(namespace);
    const outcome = await model.start({ repo: 'org/a b' });
    expect(outcome.ok).toBe(false);
    expect(calls).toEqual([]);
  });

  it('creates nothing when the model volume does not exist', async () => {
    const { namespace, calls } = fakeNamespace({ pvcPhase: null });
    const model = new DownloadsViewModel(namespace);
    const outcome = await model.start({ repo: 'org/m' });
    expect(outcome).toEqual({
      ok: false,
      issues: [expect.objectContaining({ id: 'pvc-not-found' })]
    });
    expect(calls.map(call => call.method)).toEqual(['get']);
  });

  it('refuses a second download of the same model', async () => {
    const { namespace, calls } = fakeNamespace({
      jobs: [job('download-m-1', false)]
    });
    const model = new DownloadsViewModel(namespace);
    const outcome = await model.start({ repo: 'org/m' });
    expect(outcome).toEqual({
      ok: false,
      issues: [expect.objectContaining({ id: 'download-running' })]
    });
    expect(calls.map(call => call.method)).toEqual(['get', 'list']);
    expect(calls[1].args[1]).toEqual({
      labelSelector:
        'app.kubernetes.io/component=model-download,app.kubernetes.io/managed-by=jupyterlab-lws,jupyterlab-lws/model=org--m'
    });
  });

  it('replaces a finished download of the model, then creates the Job', async () => {
    const { namespace, calls } = fakeNamespace({
      jobs: [job('download-m-1', true)]
    });
    const model = new DownloadsViewModel(namespace);
    const outcome = await model.start({ repo: 'org/m', include: ['*.json'] });
    expect(outcome.ok).toBe(true);
    expect(calls.map(call => call.method)).toEqual([
      'get',
      'list',
      'delete',
      'apply'
    ]);
    const created = calls[3].args[0] as any;
    expect(created.kind).toBe('Job');
    expect(created.metadata.annotations['jupyterlab-lws/include']).toBe(
      '["*.json"]'
    );
  });

  it('saves a typed token in the Secret first; the Job only names it', async () => {
    const { namespace, calls } = fakeNamespace({});
    const model = new DownloadsViewModel(namespace);
    const outcome = await model.start(
      { repo: 'org/gated' },
      'test-token-value'
    );
    expect(outcome.ok).toBe(true);
    const [secret, job] = calls
      .filter(call => call.method === 'apply')
      .map(call => call.args[0] as any);
    expect(secret).toMatchObject({
      kind: 'Secret',
      metadata: { name: 'hf-token' },
      type: 'Opaque',
      stringData: { token: 'test-token-value' }
    });
    expect(JSON.stringify(job)).not.toContain('test-token-value');
    expect(job.spec.template.spec.containers[0].env).toContainEqual({
      name: 'HF_TOKEN',
      valueFrom: { secretKeyRef: { name: 'hf-token', key: 'token' } }
    });
  });

  it('refuses to delete a cached model that a deployment uses', async () => {
    const { namespace, calls } = fakeNamespace({});
    (namespace as any).leaderWorkerSets = [
      {
        metadata: {
          name: 'llama',
          annotations: { 'jupyterlab-lws/spec': '{"model": "org/m"}' }
        }
      }
    ];
    const model = new DownloadsViewModel(namespace);
    expect(await model.deleteCached('org/m')).toBe(false);
    expect(model.cache.error).toBe(
      'org/m is used by llama: delete those deployments first.'
    );
    expect(calls).toEqual([]);
  });
});
