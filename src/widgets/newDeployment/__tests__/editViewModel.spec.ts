/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */

import type { KubernetesObject, V1Service } from '@kubernetes/client-node';

import type { IApplyTarget, IObjectRef } from '../../../api/apply';
import type { IApplyOptions, IApplyResult } from '../../../api/kube';
import type { IClusterContext } from '../../../api/context';
import { adviseSpec } from '../../../model/advice';
import type { ILeaderWorkerSet } from '../../../model/lws';
import { manifestsOf } from '../../../model/manifests';
import { PCAI_GEN1 } from '../../../model/profiles';
import { resolveSettings } from '../../../model/profileSettings';
import type { IEditCluster, IEditReview } from '../editViewModel';
import { EditDeploymentViewModel } from '../editViewModel';

const context: IClusterContext = {
  namespace: 'project-user-alice',
  serverVersion: null,
  lwsInstalled: true,
  lwsVersions: ['v1'],
  permissions: {},
  missing: [],
  adminCommands: [],
  user: 'system:serviceaccount:project-user-alice:default-editor'
};

// The LWS project's docs/examples/sglang/lws.yaml as the local API server returned it
// (see src/model/__tests__/editDeployment.spec.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const EXAMPLE =
  require('../../../model/__tests__/fixtures/lws-example-sglang.dry-run.json') as {
    items: KubernetesObject[];
  };

/** A namespace in memory: objects with a resourceVersion; a dry run returns the result. */
class MemoryTarget implements IApplyTarget {
  readonly objects = new Map<string, KubernetesObject>();
  readonly applied: KubernetesObject[] = [];
  version = 10;

  seed(object: KubernetesObject): void {
    const copy = JSON.parse(JSON.stringify(object));
    copy.metadata.resourceVersion = String(this.version++);
    this.objects.set(`${object.kind}/${object.metadata?.name}`, copy);
  }

  async apply(
    object: KubernetesObject,
    options: IApplyOptions
  ): Promise<IApplyResult> {
    const key = `${object.kind}/${object.metadata?.name}`;
    const existing = this.objects.get(key);
    const pinned = object.metadata?.resourceVersion;
    if (existing && pinned && pinned !== existing.metadata?.resourceVersion) {
      throw new Error('409 the object has been modified');
    }
    if (!options.dryRun) {
      this.applied.push(object);
      this.seed(object);
    }
    return { object, created: !existing };
  }

  async get(ref: IObjectRef): Promise<KubernetesObject | null> {
    return this.objects.get(`${ref.kind}/${ref.name}`) ?? null;
  }

  async delete(ref: IObjectRef): Promise<void> {
    this.objects.delete(`${ref.kind}/${ref.name}`);
  }
}

function setup(name: string, objects: KubernetesObject[]) {
  const target = new MemoryTarget();
  objects.forEach(object => target.seed(object));
  const cluster: IEditCluster = {
    context: async () => context,
    target: () => target,
    readDeployment: async (_namespace, lwsName) => {
      const lws = target.objects.get(`LeaderWorkerSet/${lwsName}`);
      return lws
        ? {
            lws: lws as ILeaderWorkerSet & KubernetesObject,
            services: [...target.objects.values()].filter(
              object => object.kind === 'Service'
            ) as V1Service[]
          }
        : null;
    }
  };
  const model = new EditDeploymentViewModel(name, {
    settings: resolveSettings({}),
    cluster,
    previewDelay: 0
  });
  return { model, target };
}

/** A deployment as the form applied it: its objects, owned by the form's field manager. */
function formMade(): KubernetesObject[] {
  const spec = adviseSpec(
    {
      name: 'llama',
      engine: 'vllm',
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      nodes: 2,
      gpusPerNode: 4
    },
    PCAI_GEN1
  ).resolved!;
  const manifests = manifestsOf(spec, { namespace: context.namespace });
  return [manifests.leaderWorkerSet, manifests.service].map(object => ({
    ...object,
    metadata: {
      ...object.metadata,
      managedFields: [
        {
          manager: 'jupyterlab-lws',
          operation: 'Apply',
          fieldsV1: { 'f:spec': {} }
        }
      ]
    }
  }));
}

describe('EditDeploymentViewModel', () => {
  it('fills the form from a deployment it made, keeps the name, and applies a reviewed change', async () => {
    const { model, target } = setup('llama', formMade());
    expect(model.deployBlocker).toBe('no-context');
    await model.loadSession();
    expect(model.session?.source).toBe('annotation');
    expect(model.session?.unexpressed).toEqual([]);
    expect(model.values).toMatchObject({
      name: 'llama',
      gpusPerNode: '4',
      model: 'meta-llama/Llama-3.1-8B-Instruct'
    });
    expect(model.deployBlocker).toBeNull();

    model.setValues({ name: 'renamed', gpusPerNode: '8' });
    expect(model.values.name).toBe('llama');
    expect(model.isFixed('name')).toBe(true);

    // Nor through the YAML (whose other changes are taken).
    await new Promise(resolve => setTimeout(resolve, 5));
    expect(model.specYaml).toContain('gpusPerNode: 8');
    model.editYaml(
      model.specYaml
        .replace('name: llama', 'name: other')
        .replace('gpusPerNode: 8', 'gpusPerNode: 2')
    );
    expect(model.values.name).toBe('llama');
    expect(model.values.gpusPerNode).toBe('2');
    model.setValues({ gpusPerNode: '8' });

    const reviews: IEditReview[] = [];
    await model.applyChanges(async review => {
      reviews.push(review);
      return true;
    });
    expect(reviews).toHaveLength(1);
    expect(reviews[0].diff.changed).toEqual(['LeaderWorkerSet/llama']);
    expect(reviews[0].diff.text).toMatch(/^\+\s+nvidia\.com\/gpu: "?8"?$/m);
    expect(reviews[0].effect?.kind).toBe('rolling-update');
    expect(reviews[0].specChanges).toEqual([
      { field: 'gpusPerNode', before: '4', after: '8' },
      { field: 'tensorParallel', before: '4', after: '8' }
    ]);
    const state = model.applyState;
    expect(state.phase === 'done' && state.outcome.status).toBe('applied');
    // Applied onto the versions that were reviewed.
    expect(target.applied.map(o => o.metadata?.resourceVersion)).toEqual([
      '10',
      '11'
    ]);
    const lws = target.objects.get('LeaderWorkerSet/llama') as ILeaderWorkerSet;
    expect(
      lws.spec.leaderWorkerTemplate.leaderTemplate?.spec?.containers[0]
        .resources?.limits?.['nvidia.com/gpu']
    ).toBe('8');
  });

  it('applies over status written during the review, never over a changed spec', async () => {
    const { model, target } = setup('llama', formMade());
    await model.loadSession();
    model.setValues({ gpusPerNode: '8' });
    const touch = (change: (lws: any) => void) => async () => {
      const lws = JSON.parse(
        JSON.stringify(target.objects.get('LeaderWorkerSet/llama'))
      );
      change(lws);
      target.seed(lws);
      return true;
    };
    await model.applyChanges(touch(lws => (lws.status = { readyReplicas: 1 })));
    const applied = model.applyState;
    expect(applied.phase === 'done' && applied.outcome.status).toBe('applied');
    expect(target.applied).toHaveLength(2);

    model.setValues({ gpusPerNode: '4' });
    await model.applyChanges(touch(lws => (lws.spec.replicas = 3)));
    expect(model.applyState).toEqual({
      phase: 'error',
      message: 'changed-since-review:LeaderWorkerSet/llama'
    });
    expect(target.applied).toHaveLength(2);
  });

  it('changes nothing when the review is closed', async () => {
    const { model, target } = setup('llama', formMade());
    await model.loadSession();
    model.setValues({ replicas: '2' });
    await model.applyChanges(async review => {
      expect(review.effect?.kind).toBe('scale');
      return false;
    });
    expect(model.applyState).toEqual({
      phase: 'cancelled',
      reason: 'edit-review'
    });
    expect(target.applied).toEqual([]);
  });

  it('reads a hand-written deployment back, says what the form cannot express and keeps Apply off', async () => {
    const { model, target } = setup('sglang', EXAMPLE.items);
    await model.loadSession();
    expect(model.session?.source).toBe('read-back');
    expect(model.values).toMatchObject({
      engine: 'sglang',
      model: 'meta-llama/Meta-Llama-3.1-8B-Instruct',
      nodes: '2',
      gpusPerNode: '1'
    });
    expect(model.session?.unexpressed).toEqual(
      expect.arrayContaining([
        'LeaderWorkerSet sglang: spec.leaderWorkerTemplate.leaderTemplate.metadata.labels.role',
        'Service sglang-leader: spec.selector'
      ])
    );
    expect(model.deployBlocker).toBe('not-expressible');
    await model.applyChanges(async () => true);
    expect(target.applied).toEqual([]);
    expect(model.liveYaml).toContain('name: sglang-leader');
    expect(model.liveYaml).not.toContain('managedFields');
    expect(model.liveYaml).not.toContain('clusterIP');
  });

  it('says when the deployment is gone', async () => {
    const { model } = setup('missing', []);
    await model.loadSession();
    expect(model.sessionError).toBe('gone');
    expect(model.deployBlocker).toBe('not-editable');
  });
});
