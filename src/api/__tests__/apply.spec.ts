import type { KubernetesObject } from '@kubernetes/client-node';

import type { IApplyProgress, IApplyTarget, IObjectRef } from '../apply';
import type { IApplyOptions, IApplyResult } from '../kube';
import {
  applyDeployment,
  classifyApiError,
  redact,
  restorable
} from '../apply';
import { LwsApiError } from '../request';

/** A deep copy (jsdom has no structuredClone). */
function clone<T>(value: T): T {
  return value === null ? value : JSON.parse(JSON.stringify(value));
}

const TOKEN = 'hf_secretTokenValue123';

const secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'llama-hf-token' },
  stringData: { token: TOKEN }
};
const lws = {
  apiVersion: 'leaderworkerset.x-k8s.io/v1',
  kind: 'LeaderWorkerSet',
  metadata: {
    name: 'llama',
    labels: {
      'app.kubernetes.io/managed-by': 'jupyterlab-lws',
      'app.kubernetes.io/instance': 'llama'
    }
  },
  spec: { replicas: 1 }
};
const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'llama-leader' },
  spec: { ports: [{ port: 8080 }] }
};
const objects: KubernetesObject[] = [secret, lws, service];

function status(
  code: number,
  reason: string,
  message: string,
  causes?: { field?: string; message: string }[]
): LwsApiError {
  return new LwsApiError(code, message, reason, {
    kind: 'Status',
    status: 'Failure',
    reason,
    message,
    code,
    details: causes ? { causes } : {}
  });
}

/**
 * An in-memory namespace that applies like the API server: 201 for a new object, 200 for an
 * existing one, dry runs change nothing; `failures` makes chosen calls fail.
 */
class FakeCluster implements IApplyTarget {
  readonly store = new Map<string, KubernetesObject>();
  readonly calls: string[] = [];
  failures: {
    when: (
      call: 'apply' | 'dry-run' | 'get' | 'delete',
      ref: IObjectRef
    ) => boolean;
    error: unknown;
  }[] = [];

  key(ref: { kind?: string; name?: string }): string {
    return `${ref.kind}/${ref.name}`;
  }

  seed(object: KubernetesObject): void {
    this.store.set(
      this.key({ kind: object.kind, name: object.metadata?.name }),
      clone(object)
    );
  }

  private fail(call: 'apply' | 'dry-run' | 'get' | 'delete', ref: IObjectRef) {
    const failure = this.failures.find(f => f.when(call, ref));
    if (failure) {
      throw failure.error;
    }
  }

  async apply(
    object: KubernetesObject,
    options: IApplyOptions
  ): Promise<IApplyResult> {
    const ref = {
      apiVersion: object.apiVersion ?? '',
      kind: object.kind ?? '',
      name: object.metadata?.name ?? ''
    };
    const call = options.dryRun ? 'dry-run' : 'apply';
    this.calls.push(
      `${call}${options.force ? '(force)' : ''} ${this.key(ref)}`
    );
    this.fail(call, ref);
    const exists = this.store.has(this.key(ref));
    if (!options.dryRun) {
      this.store.set(this.key(ref), clone(object));
    }
    return { object, created: !exists };
  }

  async get(ref: IObjectRef): Promise<KubernetesObject | null> {
    this.calls.push(`get ${this.key(ref)}`);
    this.fail('get', ref);
    return clone(this.store.get(this.key(ref)) ?? null);
  }

  async delete(ref: IObjectRef): Promise<void> {
    this.calls.push(`delete ${this.key(ref)}`);
    this.fail('delete', ref);
    this.store.delete(this.key(ref));
  }
}

describe('applyDeployment', () => {
  it('dry-runs everything, then applies Secret, LWS and Service in order', async () => {
    const cluster = new FakeCluster();
    const progress: IApplyProgress[] = [];
    const outcome = await applyDeployment(cluster, objects, {
      onProgress: step => progress.push(step)
    });
    expect(outcome).toEqual({
      status: 'applied',
      objects: [
        expect.objectContaining({ state: 'created', existedBefore: false }),
        expect.objectContaining({ state: 'created' }),
        expect.objectContaining({ state: 'created' })
      ]
    });
    expect(cluster.calls).toEqual([
      'dry-run Secret/llama-hf-token',
      'dry-run LeaderWorkerSet/llama',
      'dry-run Service/llama-leader',
      'apply Secret/llama-hf-token',
      'apply LeaderWorkerSet/llama',
      'apply Service/llama-leader'
    ]);
    expect([...cluster.store.keys()]).toEqual([
      'Secret/llama-hf-token',
      'LeaderWorkerSet/llama',
      'Service/llama-leader'
    ]);
    expect(progress[0]).toEqual({
      phase: 'dry-run',
      object: { apiVersion: 'v1', kind: 'Secret', name: 'llama-hf-token' },
      state: 'started'
    });
    expect(progress.filter(step => step.state === 'done')).toHaveLength(6);
  });

  it('changes nothing when the dry run is refused, and reports every refusal', async () => {
    const cluster = new FakeCluster();
    const forbidden = (resource: string) =>
      status(
        403,
        'Forbidden',
        `${resource} "x" is forbidden: User "system:serviceaccount:bob:default-editor" cannot patch resource "${resource}" in API group "" in the namespace "bob"`
      );
    cluster.failures = [
      {
        when: (call, ref) => call === 'dry-run' && ref.kind === 'Secret',
        error: forbidden('secrets')
      },
      {
        when: (call, ref) => call === 'dry-run' && ref.kind === 'Service',
        error: forbidden('services')
      }
    ];
    const outcome = await applyDeployment(cluster, objects);
    expect(outcome.status).toBe('refused');
    if (outcome.status !== 'refused') {
      return;
    }
    expect(outcome.refusals.map(r => [r.ref.kind, r.refusal.kind])).toEqual([
      ['Secret', 'forbidden'],
      ['Service', 'forbidden']
    ]);
    expect(outcome.refusals[0].refusal.verb).toBe('patch');
    expect(outcome.refusals[0].refusal.resource).toBe('secrets');
    expect(cluster.calls.every(call => call.startsWith('dry-run'))).toBe(true);
    expect(cluster.store.size).toBe(0);
  });

  it('asks before replacing an existing LWS or Service, changing nothing', async () => {
    const cluster = new FakeCluster();
    cluster.seed({
      ...lws,
      metadata: {
        ...lws.metadata,
        managedFields: [{ manager: 'jupyterlab-lws', operation: 'Apply' }]
      }
    } as KubernetesObject);
    cluster.seed(secret);
    const outcome = await applyDeployment(cluster, objects);
    expect(outcome).toEqual({
      status: 'confirm-replace',
      existing: [
        {
          ref: {
            apiVersion: 'leaderworkerset.x-k8s.io/v1',
            kind: 'LeaderWorkerSet',
            name: 'llama'
          },
          ours: true,
          managers: ['jupyterlab-lws']
        }
      ]
    });
    expect(cluster.calls.filter(call => call.startsWith('apply'))).toEqual([]);
  });

  it('treats a field-manager conflict as an object to replace', async () => {
    const cluster = new FakeCluster();
    cluster.seed({
      ...service,
      metadata: {
        name: 'llama-leader',
        managedFields: [{ manager: 'kubectl-client-side-apply' }]
      }
    } as KubernetesObject);
    cluster.failures = [
      {
        when: (call, ref) =>
          call === 'dry-run' && ref.kind === 'Service' && true,
        error: status(
          409,
          'Conflict',
          'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .spec.ports'
        )
      }
    ];
    const outcome = await applyDeployment(cluster, objects);
    expect(outcome.status).toBe('confirm-replace');
    if (outcome.status === 'confirm-replace') {
      expect(outcome.existing).toEqual([
        {
          ref: expect.objectContaining({ kind: 'Service' }),
          ours: false,
          managers: ['kubectl-client-side-apply']
        }
      ]);
    }
  });

  it('replaces with force once the user agreed', async () => {
    const cluster = new FakeCluster();
    cluster.seed({ ...lws, spec: { replicas: 3 } } as KubernetesObject);
    const outcome = await applyDeployment(cluster, objects, { replace: true });
    expect(outcome.status).toBe('applied');
    if (outcome.status === 'applied') {
      expect(outcome.objects.map(o => [o.ref.kind, o.state])).toEqual([
        ['Secret', 'created'],
        ['LeaderWorkerSet', 'updated'],
        ['Service', 'created']
      ]);
    }
    expect(cluster.calls).toContain('apply(force) LeaderWorkerSet/llama');
    expect((cluster.store.get('LeaderWorkerSet/llama') as any).spec).toEqual({
      replicas: 1
    });
  });

  it('rolls back what it created when a later object fails', async () => {
    const cluster = new FakeCluster();
    cluster.failures = [
      {
        when: (call, ref) => call === 'apply' && ref.kind === 'Service',
        error: status(500, 'InternalError', 'etcdserver: request timed out')
      }
    ];
    const outcome = await applyDeployment(cluster, objects);
    expect(outcome.status).toBe('failed');
    if (outcome.status !== 'failed') {
      return;
    }
    expect(outcome.objects.map(o => [o.ref.kind, o.state])).toEqual([
      ['Secret', 'removed'],
      ['LeaderWorkerSet', 'removed'],
      ['Service', 'not-applied']
    ]);
    expect(outcome.objects[2].refusal?.message).toBe(
      'etcdserver: request timed out'
    );
    // Undone in reverse order; nothing is left.
    expect(cluster.calls.slice(-2)).toEqual([
      'delete LeaderWorkerSet/llama',
      'delete Secret/llama-hf-token'
    ]);
    expect(cluster.store.size).toBe(0);
  });

  it('restores a replaced LWS from the copy read before, keeps an updated Secret', async () => {
    const cluster = new FakeCluster();
    const before = {
      ...lws,
      metadata: {
        ...lws.metadata,
        uid: 'abc',
        resourceVersion: '42',
        managedFields: [{ manager: 'kubectl' }]
      },
      spec: { replicas: 3 },
      status: { readyReplicas: 3 }
    };
    cluster.seed(before as KubernetesObject);
    cluster.seed(secret);
    cluster.failures = [
      {
        when: (call, ref) => call === 'apply' && ref.kind === 'Service',
        error: status(422, 'Invalid', 'Service "llama-leader" is invalid', [
          {
            field: 'spec.ports[0].port',
            message: 'must be between 1 and 65535'
          }
        ])
      }
    ];
    const outcome = await applyDeployment(cluster, objects, { replace: true });
    expect(outcome.status).toBe('failed');
    if (outcome.status !== 'failed') {
      return;
    }
    expect(
      outcome.objects.map(o => [o.ref.kind, o.existedBefore, o.state])
    ).toEqual([
      ['Secret', true, 'kept-updated'],
      ['LeaderWorkerSet', true, 'restored'],
      ['Service', false, 'not-applied']
    ]);
    expect(outcome.objects[2].refusal).toEqual(
      expect.objectContaining({
        kind: 'invalid',
        causes: [
          {
            field: 'spec.ports[0].port',
            message: 'must be between 1 and 65535'
          }
        ]
      })
    );
    const restored = cluster.store.get('LeaderWorkerSet/llama') as any;
    expect(restored.spec).toEqual({ replicas: 3 });
    expect(restored.metadata.uid).toBeUndefined();
    expect(restored.status).toBeUndefined();
    expect(cluster.calls).toContain('apply(force) LeaderWorkerSet/llama');
  });

  it('applies a reviewed edit without the replace question or force, and puts the previous objects back when a later one fails', async () => {
    const cluster = new FakeCluster();
    const before = {
      ...lws,
      metadata: { ...lws.metadata, resourceVersion: '42' },
      spec: { replicas: 1, leaderWorkerTemplate: { size: 2, gpus: 4 } }
    };
    cluster.seed(before as KubernetesObject);
    cluster.seed(service);
    const edited = {
      ...lws,
      metadata: { ...lws.metadata, resourceVersion: '42' },
      spec: { replicas: 1, leaderWorkerTemplate: { size: 2, gpus: 8 } }
    };
    const editedService = { ...service, spec: { ports: [{ port: 9000 }] } };
    cluster.failures = [
      {
        when: (call, ref) => call === 'apply' && ref.kind === 'Service',
        error: status(409, 'Conflict', 'the object has been modified')
      }
    ];
    const outcome = await applyDeployment(cluster, [edited, editedService], {
      update: true
    });
    expect(outcome.status).toBe('failed');
    if (outcome.status !== 'failed') {
      return;
    }
    expect(outcome.objects.map(o => [o.ref.kind, o.state])).toEqual([
      ['LeaderWorkerSet', 'restored'],
      ['Service', 'not-applied']
    ]);
    // The edit itself is never forced; only the restore takes the fields back.
    expect(cluster.calls.filter(call => call.startsWith('apply'))).toEqual([
      'apply LeaderWorkerSet/llama',
      'apply Service/llama-leader',
      'apply(force) LeaderWorkerSet/llama'
    ]);
    const restored = cluster.store.get('LeaderWorkerSet/llama') as any;
    expect(restored.spec.leaderWorkerTemplate.gpus).toBe(4);
    expect(restored.metadata.resourceVersion).toBeUndefined();
    expect(cluster.store.get('Service/llama-leader')).toEqual(service);
  });

  it('refuses an edit that conflicts with another field manager instead of forcing it', async () => {
    const cluster = new FakeCluster();
    cluster.seed(lws);
    cluster.failures = [
      {
        when: call => call === 'dry-run',
        error: status(
          409,
          'Conflict',
          'Apply failed with 1 conflict: conflict with "kubectl-edit": .spec.replicas'
        )
      }
    ];
    const outcome = await applyDeployment(cluster, [lws], { update: true });
    expect(outcome.status).toBe('refused');
    if (outcome.status === 'refused') {
      expect(outcome.refusals[0].refusal).toMatchObject({
        kind: 'conflict',
        managers: ['kubectl-edit']
      });
    }
    expect(cluster.calls).toEqual(['dry-run LeaderWorkerSet/llama']);
  });

  it('says exactly what is left when the rollback itself fails', async () => {
    const cluster = new FakeCluster();
    cluster.failures = [
      {
        when: (call, ref) => call === 'apply' && ref.kind === 'Service',
        error: status(500, 'InternalError', 'boom')
      },
      {
        when: (call, ref) =>
          call === 'delete' && ref.kind === 'LeaderWorkerSet',
        error: new TypeError('Failed to fetch')
      }
    ];
    const outcome = await applyDeployment(cluster, objects);
    expect(outcome.status).toBe('failed');
    if (outcome.status !== 'failed') {
      return;
    }
    expect(outcome.objects.map(o => [o.ref.kind, o.state])).toEqual([
      ['Secret', 'removed'],
      ['LeaderWorkerSet', 'rollback-failed'],
      ['Service', 'not-applied']
    ]);
    expect(outcome.objects[1].refusal?.kind).toBe('unreachable');
    expect(cluster.store.has('LeaderWorkerSet/llama')).toBe(true);
    expect(cluster.store.has('Secret/llama-hf-token')).toBe(false);
  });

  it('never lets the token into a refusal message', async () => {
    const cluster = new FakeCluster();
    const encoded = Buffer.from(TOKEN).toString('base64');
    cluster.failures = [
      {
        when: (call, ref) => call === 'dry-run' && ref.kind === 'Secret',
        error: status(
          422,
          'Invalid',
          `Secret is invalid: data[token]: ${TOKEN} / ${encoded}`,
          [{ field: 'data[token]', message: `bad value ${TOKEN}` }]
        )
      }
    ];
    const outcome = await applyDeployment(cluster, objects);
    expect(JSON.stringify(outcome)).not.toContain(TOKEN);
    expect(JSON.stringify(outcome)).not.toContain(encoded);
    expect(JSON.stringify(outcome)).toContain('••••••');
  });
});

describe('classifyApiError', () => {
  it('tells RBAC from the proxy’s allow-list', () => {
    const rbac = classifyApiError(
      status(
        403,
        'Forbidden',
        'leaderworkersets.leaderworkerset.x-k8s.io "x" is forbidden: User "u" cannot patch resource "leaderworkersets" in API group "leaderworkerset.x-k8s.io" in the namespace "bob"'
      )
    );
    expect(rbac).toEqual(
      expect.objectContaining({
        kind: 'forbidden',
        verb: 'patch',
        resource: 'leaderworkersets'
      })
    );
    const proxy = classifyApiError(
      new LwsApiError(
        403,
        'jupyterlab-lws does not forward GET secrets: secret values are never read back',
        'secret values are never read back',
        { message: 'x', reason: 'y' }
      )
    );
    expect(proxy.kind).toBe('proxy');
  });

  it('recognises webhook denials, quotas, conflicts, a missing CRD and a network failure', () => {
    expect(
      classifyApiError(
        status(
          422,
          'Invalid',
          'admission webhook "vleaderworkerset.kb.io" denied the request: spec.leaderWorkerTemplate.size: Invalid value'
        )
      ).kind
    ).toBe('webhook');
    // The API server's words for a ValidatingAdmissionPolicy denial (seen on v1.34, 422).
    const policy = classifyApiError(
      status(
        422,
        'Invalid',
        `services "x-leader" is forbidden: ValidatingAdmissionPolicy 'no-lb' with binding 'no-lb' denied request: no load balancers`
      )
    );
    expect([policy.kind, policy.policy]).toEqual(['policy', 'no-lb']);
    expect(
      classifyApiError(
        status(403, 'Forbidden', 'pods "x" is forbidden: exceeded quota: gpu')
      ).kind
    ).toBe('quota');
    const conflict = classifyApiError(
      status(
        409,
        'Conflict',
        'Apply failed with 2 conflicts: conflicts with "kubectl" using v1:\n- .spec.replicas\nconflicts with "helm" using v1: .spec.x'
      )
    );
    expect(conflict.kind).toBe('conflict');
    expect(conflict.managers).toEqual(['kubectl', 'helm']);
    expect(
      classifyApiError(status(404, 'NotFound', 'the server could not find'))
        .kind
    ).toBe('not-installed');
    expect(classifyApiError(new TypeError('Failed to fetch'))).toEqual({
      kind: 'unreachable',
      status: 0,
      message: 'Failed to fetch',
      causes: []
    });
  });
});

describe('restorable', () => {
  it('keeps content and drops what the server owns', () => {
    expect(
      restorable({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 's',
          labels: { a: 'b' },
          uid: 'u',
          resourceVersion: '1',
          creationTimestamp: new Date(0),
          managedFields: []
        },
        spec: { clusterIP: '10.0.0.1' },
        status: {}
      } as KubernetesObject)
    ).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's', labels: { a: 'b' } },
      spec: { clusterIP: '10.0.0.1' }
    });
  });
});

describe('redact', () => {
  it('masks every occurrence', () => {
    expect(redact('a SECRET b SECRET', ['SECRET'])).toBe('a •••••• b ••••••');
    expect(redact('nothing', [''])).toBe('nothing');
  });
});
