import type { KubernetesObject } from '@kubernetes/client-node';

import { adviseSpec } from '../advice';
import {
  changedSinceReview,
  comparable,
  editableSpec,
  lwsUpdateEffect,
  manifestsDiff,
  pinnedToReviewed,
  specChanges,
  unexpressedSettings,
  withoutDerived
} from '../editDeployment';
import type { ILeaderWorkerSet } from '../lws';
import { manifestsOf } from '../manifests';
import { PCAI_GEN1 } from '../profiles';
import type { IDeploymentSpec, IResolvedSpec } from '../spec';

// The LWS project's docs/examples/sglang/lws.yaml (v0.7.0) as the API server answered
// `kubectl apply --server-side --dry-run=server -o json --show-managed-fields` on the local
// cluster: the objects as a hand-written deployment has them, with kubectl's managedFields.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const EXAMPLE = require('./fixtures/lws-example-sglang.dry-run.json') as {
  items: KubernetesObject[];
};
const exampleLws = EXAMPLE.items[0] as ILeaderWorkerSet & KubernetesObject;
const exampleService = EXAMPLE.items[1];

const SPEC: IDeploymentSpec = {
  name: 'llama',
  engine: 'vllm',
  model: 'meta-llama/Llama-3.1-8B-Instruct',
  nodes: 2,
  gpusPerNode: 4
};

function resolved(spec: IDeploymentSpec): IResolvedSpec {
  const advice = adviseSpec(spec, PCAI_GEN1);
  if (!advice.resolved) {
    throw new Error(JSON.stringify(advice.issues));
  }
  return advice.resolved;
}

/** The manifests as the form applies them, with the managedFields our apply leaves. */
function formMade(spec: IDeploymentSpec) {
  const manifests = manifestsOf(resolved(spec));
  const lws = JSON.parse(JSON.stringify(manifests.leaderWorkerSet));
  lws.metadata.managedFields = [
    {
      manager: 'jupyterlab-lws',
      operation: 'Apply',
      fieldsV1: { 'f:spec': { 'f:replicas': {}, 'f:leaderWorkerTemplate': {} } }
    },
    {
      manager: 'lws',
      operation: 'Update',
      subresource: 'status',
      fieldsV1: { 'f:status': { 'f:replicas': {} } }
    }
  ];
  return { manifests, lws: lws as ILeaderWorkerSet & KubernetesObject };
}

describe('editableSpec', () => {
  it('starts from the spec the form deployed', () => {
    const { lws } = formMade(SPEC);
    const editable = editableSpec(lws, null);
    expect(editable?.source).toBe('annotation');
    expect(editable?.spec).toMatchObject({
      name: 'llama',
      engine: 'vllm',
      gpusPerNode: 4,
      nodes: 2
    });
  });

  it('reads a hand-written deployment (the LWS sglang example) back', () => {
    const editable = editableSpec(exampleLws, exampleService);
    expect(editable).toEqual({
      source: 'read-back',
      spec: expect.objectContaining({
        name: 'sglang',
        engine: 'sglang',
        model: 'meta-llama/Meta-Llama-3.1-8B-Instruct',
        image: 'lmsysorg/sglang:latest',
        nodes: 2,
        replicas: 2,
        gpusPerNode: 1,
        port: 40000,
        serviceName: 'sglang-leader'
      })
    });
  });

  it('has nothing to start from when the engine cannot be read', () => {
    const lws = JSON.parse(JSON.stringify(exampleLws));
    for (const role of ['leaderTemplate', 'workerTemplate']) {
      const container = lws.spec.leaderWorkerTemplate[role].spec.containers[0];
      container.image = 'busybox';
      container.command = ['sleep', 'infinity'];
    }
    expect(editableSpec(lws, null)).toBeNull();
  });
});

describe('unexpressedSettings', () => {
  it('finds nothing the form cannot say in a deployment it made', () => {
    const { manifests, lws } = formMade(SPEC);
    expect(
      unexpressedSettings(lws, manifests.leaderWorkerSet, 'jupyterlab-lws')
    ).toEqual([]);
  });

  it('names what a hand-written deployment holds beyond the spec, once per missing part', () => {
    const spec = editableSpec(exampleLws, exampleService)!.spec;
    const rebuilt = manifestsOf(resolved(spec));
    const lost = unexpressedSettings(
      exampleLws,
      rebuilt.leaderWorkerSet,
      'jupyterlab-lws'
    );
    // What the form would change or drop, each said once at the part that differs; the
    // volumes (/dev/shm), image, GPU limits and size are what the form writes too.
    expect(lost).toEqual([
      'spec.leaderWorkerTemplate.leaderTemplate.metadata.labels.role',
      'spec.leaderWorkerTemplate.leaderTemplate.spec.containers[sglang-leader].command',
      'spec.leaderWorkerTemplate.leaderTemplate.spec.containers[sglang-leader].env[HUGGING_FACE_HUB_TOKEN]',
      'spec.leaderWorkerTemplate.leaderTemplate.spec.containers[sglang-leader].ports[40000,TCP]',
      'spec.leaderWorkerTemplate.leaderTemplate.spec.containers[sglang-leader].readinessProbe.initialDelaySeconds',
      'spec.leaderWorkerTemplate.leaderTemplate.spec.containers[sglang-leader].readinessProbe.tcpSocket',
      'spec.leaderWorkerTemplate.workerTemplate.spec.containers[sglang-worker].command',
      'spec.leaderWorkerTemplate.workerTemplate.spec.containers[sglang-worker].env[HUGGING_FACE_HUB_TOKEN]'
    ]);
    expect(
      unexpressedSettings(exampleService, rebuilt.service, 'jupyterlab-lws')
    ).toContain('spec.selector');
  });

  it('flags a value another tool changed (kubectl edit) that the form would overwrite', () => {
    const { manifests, lws } = formMade(SPEC);
    const edited = JSON.parse(JSON.stringify(lws));
    edited.spec.leaderWorkerTemplate.leaderTemplate.metadata.annotations[
      'example.com/owner'
    ] = 'team-a';
    edited.metadata.managedFields.push({
      manager: 'kubectl-edit',
      operation: 'Update',
      fieldsV1: {
        'f:spec': {
          'f:leaderWorkerTemplate': {
            'f:leaderTemplate': {
              'f:metadata': {
                'f:annotations': { 'f:example.com/owner': {} }
              }
            }
          }
        }
      }
    });
    expect(
      unexpressedSettings(edited, manifests.leaderWorkerSet, 'jupyterlab-lws')
    ).toEqual([
      'spec.leaderWorkerTemplate.leaderTemplate.metadata.annotations.example.com/owner'
    ]);
  });

  it('counts "1" and 1 as the same quantity', () => {
    const live = {
      metadata: {
        managedFields: [
          { manager: 'kubectl', fieldsV1: { 'f:spec': { 'f:port': {} } } }
        ]
      },
      spec: { port: '8080' }
    } as unknown as KubernetesObject;
    const rebuilt = { spec: { port: 8080 } } as unknown as KubernetesObject;
    expect(unexpressedSettings(live, rebuilt, 'jupyterlab-lws')).toEqual([]);
  });
});

describe('manifestsDiff', () => {
  it('shows a changed GPU count as a unified diff of the LWS, not of unchanged objects', () => {
    const before = formMade(SPEC).manifests;
    const after = manifestsOf(resolved({ ...SPEC, gpusPerNode: 8 }));
    const diff = manifestsDiff([
      {
        kind: 'LeaderWorkerSet',
        name: 'llama',
        live: before.leaderWorkerSet,
        after: after.leaderWorkerSet
      },
      {
        kind: 'Service',
        name: 'llama-leader',
        live: before.service,
        after: after.service
      }
    ]);
    expect(diff.changed).toEqual(['LeaderWorkerSet/llama']);
    expect(diff.text).toContain('--- LeaderWorkerSet/llama (live)');
    expect(diff.text).toContain('+++ LeaderWorkerSet/llama (after apply)');
    expect(diff.text).toMatch(/^-\s+nvidia\.com\/gpu: "?4"?$/m);
    expect(diff.text).toMatch(/^\+\s+nvidia\.com\/gpu: "?8"?$/m);
  });

  it('never shows a Secret, and nothing when nothing changes', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'hf' },
      stringData: { token: 'hf_secretvalue' }
    };
    const { manifests } = formMade(SPEC);
    const diff = manifestsDiff([
      { kind: 'Secret', name: 'hf', live: null, after: secret },
      {
        kind: 'Service',
        name: 'llama-leader',
        live: manifests.service,
        after: manifests.service
      }
    ]);
    expect(diff).toEqual({ text: '', changed: [] });
  });

  it('leaves out status and the server metadata', () => {
    const object = {
      kind: 'Service',
      metadata: {
        name: 'a',
        resourceVersion: '7',
        uid: 'u',
        managedFields: []
      },
      status: { loadBalancer: {} }
    };
    expect(comparable(object)).toEqual({
      kind: 'Service',
      metadata: { name: 'a' }
    });
  });
});

describe('lwsUpdateEffect', () => {
  const lws = formMade(SPEC).lws;
  it('calls a changed pod template a rolling update', () => {
    const after = manifestsOf(resolved({ ...SPEC, gpusPerNode: 8 }));
    expect(lwsUpdateEffect(lws, after.leaderWorkerSet)).toMatchObject({
      kind: 'rolling-update',
      maxUnavailable: '1'
    });
  });

  it('calls a changed replica count a scale', () => {
    const after = manifestsOf(resolved({ ...SPEC, replicas: 3 }));
    expect(lwsUpdateEffect(lws, after.leaderWorkerSet)).toEqual({
      kind: 'scale',
      replicasBefore: 1,
      replicasAfter: 3,
      maxUnavailable: '1'
    });
  });

  it('says nothing happens to the pods when the template is the same', () => {
    expect(lwsUpdateEffect(lws, lws).kind).toBe('none');
  });
});

describe('pinnedToReviewed', () => {
  it('carries the reviewed resourceVersion, never onto a Secret', () => {
    const objects = [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'new' } }
    ];
    const live = new Map<string, KubernetesObject | null>([
      ['Secret/s', { metadata: { resourceVersion: '1' } }],
      ['Service/svc', { metadata: { resourceVersion: '42' } }],
      ['Service/new', null]
    ]);
    const pinned = pinnedToReviewed(objects, live);
    expect(pinned.map(o => o.metadata?.resourceVersion)).toEqual([
      undefined,
      '42',
      undefined
    ]);
    expect(objects[1].metadata).toEqual({ name: 'svc' });
  });
});

describe('withoutDerived', () => {
  it('drops what the resolver derives, keeps what the user chose', () => {
    const stored = resolved({ ...SPEC, replicas: 2 });
    expect(stored.tensorParallel).toBe(4);
    const minimal = withoutDerived(stored, spec => resolved(spec));
    expect(minimal.tensorParallel).toBeUndefined();
    expect(minimal.pipelineParallel).toBeUndefined();
    expect(minimal.serviceName).toBeUndefined();
    expect(minimal).toMatchObject({ ...SPEC, replicas: 2 });
    // PP 4 over 2 nodes is a choice: kept, and TP follows from it (8 GPUs / 4 = 2).
    const chosen = withoutDerived(
      { ...stored, tensorParallel: 2, pipelineParallel: 4 },
      spec => adviseSpec(spec, PCAI_GEN1).resolved ?? null
    );
    expect(chosen.pipelineParallel).toBe(4);
    expect(adviseSpec(chosen, PCAI_GEN1).resolved).toMatchObject({
      tensorParallel: 2,
      pipelineParallel: 4
    });
  });
});

describe('changedSinceReview', () => {
  const lws = {
    kind: 'LeaderWorkerSet',
    metadata: { name: 'a', resourceVersion: '1', generation: 1 },
    spec: { replicas: 1 },
    status: { readyReplicas: 0 }
  };
  it('ignores the status and versions the controller moves', () => {
    const now = {
      ...lws,
      metadata: { ...lws.metadata, resourceVersion: '9' },
      status: { readyReplicas: 1 }
    };
    expect(
      changedSinceReview(
        new Map([['LeaderWorkerSet/a', lws]]),
        new Map([['LeaderWorkerSet/a', now]])
      )
    ).toEqual([]);
  });

  it('names an object whose content changed, appeared or went', () => {
    const scaled = { ...lws, spec: { replicas: 2 } };
    expect(
      changedSinceReview(
        new Map<string, KubernetesObject | null>([
          ['LeaderWorkerSet/a', lws],
          ['Service/a-leader', null],
          ['Service/b', { kind: 'Service', metadata: { name: 'b' } }]
        ]),
        new Map<string, KubernetesObject | null>([
          ['LeaderWorkerSet/a', scaled],
          [
            'Service/a-leader',
            { kind: 'Service', metadata: { name: 'a-leader' } }
          ],
          ['Service/b', null]
        ])
      )
    ).toEqual(['LeaderWorkerSet/a', 'Service/a-leader', 'Service/b']);
  });
});

describe('specChanges', () => {
  it('lists the fields that differ, as text', () => {
    const before = resolved(SPEC);
    const after = resolved({ ...SPEC, gpusPerNode: 8, engineArgs: ['--x'] });
    expect(specChanges(before, after)).toEqual([
      { field: 'gpusPerNode', before: '4', after: '8' },
      { field: 'tensorParallel', before: '4', after: '8' },
      { field: 'engineArgs', before: '[]', after: '["--x"]' }
    ]);
    expect(specChanges(before, before)).toEqual([]);
  });
});
