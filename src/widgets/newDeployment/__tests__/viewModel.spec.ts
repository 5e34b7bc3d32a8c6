/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// `yaml` resolves to its CommonJS build under Node's export conditions.

import { StateDB } from '@jupyterlab/statedb';
import type { KubernetesObject } from '@kubernetes/client-node';

import type { IApplyTarget, IObjectRef } from '../../../api/apply';
import type { IApplyOptions, IApplyResult } from '../../../api/kube';
import type { IClusterContext } from '../../../api/context';
import { LwsApiError } from '../../../api/request';
import { buildManifests } from '../../../model/manifests';
import { resolveSettings } from '../../../model/profileSettings';
import { parseSpec } from '../../../model/specYaml';
import type { IDeploymentCluster } from '../viewModel';
import { DRAFT_KEY, NewDeploymentViewModel } from '../viewModel';

const TOKEN = 'hf_typedTokenValue42';

const editorContext: IClusterContext = {
  namespace: 'project-user-alice',
  serverVersion: null,
  lwsInstalled: true,
  lwsVersions: ['v1'],
  permissions: {},
  missing: [],
  adminCommands: [],
  user: 'system:serviceaccount:project-user-alice:default-editor'
};

/** A namespace in memory: applies like the API server (201 new, 200 existing). */
class MemoryTarget implements IApplyTarget {
  readonly objects = new Map<string, KubernetesObject>();
  readonly calls: string[] = [];
  refuse: LwsApiError | null = null;

  async apply(
    object: KubernetesObject,
    options: IApplyOptions
  ): Promise<IApplyResult> {
    const key = `${object.kind}/${object.metadata?.name}`;
    this.calls.push(`${options.dryRun ? 'dry-run' : 'apply'} ${key}`);
    if (this.refuse) {
      throw this.refuse;
    }
    const created = !this.objects.has(key);
    if (!options.dryRun) {
      this.objects.set(key, JSON.parse(JSON.stringify(object)));
    }
    return { object, created };
  }

  async get(ref: IObjectRef): Promise<KubernetesObject | null> {
    return this.objects.get(`${ref.kind}/${ref.name}`) ?? null;
  }

  async delete(ref: IObjectRef): Promise<void> {
    this.objects.delete(`${ref.kind}/${ref.name}`);
  }
}

function setup(options: { context?: IClusterContext; state?: StateDB } = {}): {
  model: NewDeploymentViewModel;
  target: MemoryTarget;
  contexts: IClusterContext[];
  state: StateDB;
  cluster: IDeploymentCluster;
} {
  const target = new MemoryTarget();
  const contexts = [options.context ?? editorContext];
  const cluster: IDeploymentCluster = {
    context: async () => contexts[contexts.length - 1],
    target: () => target
  };
  const state = options.state ?? new StateDB();
  const model = new NewDeploymentViewModel({
    settings: resolveSettings({}),
    cluster,
    state,
    previewDelay: 0,
    draftDelay: 0
  });
  return { model, target, contexts, state, cluster };
}

/** The guide's 70B example, filled in as the UI test fills it. */
function fillGuide70b(model: NewDeploymentViewModel): void {
  model.setValues({ engine: 'sglang' });
  model.setValues({ model: 'meta-llama/Llama-3.3-70B-Instruct' });
  model.setValues({ name: 'llama-70b' });
  model.setValues({ nodes: '2', gpusPerNode: '4' });
}

const tick = () => new Promise(resolve => setTimeout(resolve, 5));

describe('NewDeploymentViewModel', () => {
  it('starts from the profile and cannot deploy without a model and a context', async () => {
    const { model, target } = setup();
    expect(model.values.gpusPerNode).toBe('8');
    expect(model.deployBlocker).toBe('no-context');
    await model.loadContext();
    // A fresh form shows no errors for fields not filled in yet...
    expect(model.issues).toEqual([]);
    expect(model.deployBlocker).toBeNull();
    // ...until Deploy is tried: then they show, and nothing is sent.
    await model.deploy(async () => true);
    expect(model.issues.map(issue => issue.id)).toContain('empty-model');
    expect(model.deployBlocker).toBe('errors');
    expect(target.calls).toEqual([]);
  });

  it('shows a field’s errors once the user has been to it', async () => {
    const { model } = setup();
    model.touch('model');
    expect(model.issues.map(issue => issue.id)).toEqual(['empty-model']);
  });

  it('advises on the guide’s 70B example and renders its preview', async () => {
    const { model } = setup();
    await model.loadContext();
    fillGuide70b(model);
    await tick();
    expect(model.advice.gpus?.perGroup).toBe(8);
    expect(model.deployBlocker).toBeNull();
    expect(model.specYaml).toContain(
      'model: meta-llama/Llama-3.3-70B-Instruct'
    );
    expect(model.manifestsYaml).toContain('kind: LeaderWorkerSet');
    expect(model.manifestsYaml).toContain('name: llama-70b-leader');
  });

  it('applies a good YAML edit to the form', async () => {
    const { model } = setup();
    await model.loadContext();
    fillGuide70b(model);
    await tick();
    model.editYaml(model.specYaml.replace('nodes: 2', 'nodes: 4'));
    expect(model.yamlEdit).toBeNull();
    expect(model.editedInYaml).toBe(true);
    expect(model.values.nodes).toBe('4');
  });

  it('keeps a broken YAML edit out of the form and blocks Deploy', async () => {
    const { model } = setup();
    await model.loadContext();
    fillGuide70b(model);
    await tick();
    model.editYaml('name: [llama\nnodes: 2');
    expect(model.yamlEdit?.issues[0].id).toBe('yaml-syntax');
    expect(model.yamlEdit?.issues[0].message).toMatch(/line \d+, column \d+/);
    expect(model.values.name).toBe('llama-70b');
    expect(model.deployBlocker).toBe('yaml-edit');
    model.revertYaml();
    expect(model.yamlEdit).toBeNull();
    expect(model.deployBlocker).toBeNull();
  });

  it('keeps out an edit that adds a validation error or an unknown field', async () => {
    const { model } = setup();
    await model.loadContext();
    fillGuide70b(model);
    await tick();
    model.editYaml(
      model.specYaml.replace('name: llama-70b', 'name: Llama_70B')
    );
    // The derived Service name is the same mistake: said once, on the name.
    expect(model.yamlEdit?.issues.map(issue => issue.id)).toEqual([
      'invalid-name'
    ]);
    expect(model.values.name).toBe('llama-70b');
    model.editYaml(`${model.specYaml}tensor_parallel: 4\n`);
    expect(model.yamlEdit?.issues.map(issue => issue.id)).toEqual([
      'unknown-field'
    ]);
  });

  it('reports every problem of an edit at once, each placed on its line', async () => {
    const { model } = setup();
    await model.loadContext();
    fillGuide70b(model);
    await tick();
    // A typo beside a new validation error: both, not the first only.
    const edit = model.specYaml
      .replace('gpusPerNode: 4', 'gpuPerNode: 4')
      .replace('name: llama-70b', 'name: Llama_70B');
    model.editYaml(edit);
    const marks = model.yamlEdit?.marks ?? [];
    expect(marks.map(mark => mark.id).sort()).toEqual([
      'invalid-name',
      'unknown-field'
    ]);
    const lines = edit.split('\n');
    const typo = marks.find(mark => mark.id === 'unknown-field');
    expect(lines[typo!.line - 1]).toMatch(/^gpuPerNode: /);
    expect(typo?.message).toMatch(/^gpuPerNode: did you mean gpusPerNode\?/);
    const name = marks.find(mark => mark.id === 'invalid-name');
    expect(lines[name!.line - 1]).toMatch(/^name: /);
    // A syntax error beside the typo: both too.
    model.editYaml(`${edit}engineArgs: [--x\n`);
    expect(new Set(model.yamlEdit?.marks.map(mark => mark.id))).toEqual(
      new Set(['yaml-syntax', 'unknown-field'])
    );
  });

  it('accepts an edit while the form still has its own errors', async () => {
    const { model } = setup();
    await model.loadContext();
    // No model yet: the form has the empty-model error; the edit does not add one.
    model.editYaml(model.specYaml.replace('nodes: 1', 'nodes: 2'));
    expect(model.yamlEdit).toBeNull();
    expect(model.values.nodes).toBe('2');
  });

  it('never puts the token in the spec, the preview or the draft', async () => {
    const { model, state } = setup();
    await model.loadContext();
    fillGuide70b(model);
    model.setToken(TOKEN);
    await tick();
    expect(model.hasToken).toBe(true);
    expect(model.spec.hfTokenSecret).toBe('llama-70b-hf-token');
    expect(model.specYaml).toContain('hfTokenSecret: llama-70b-hf-token');
    expect(model.manifestsYaml).toContain('secretKeyRef');
    for (const text of [
      model.specYaml,
      model.manifestsYaml,
      model.renderSpecYaml,
      JSON.stringify(await state.fetch(DRAFT_KEY))
    ]) {
      expect(text).not.toContain(TOKEN);
    }
  });

  it('copies a spec that renders the same manifests outside JupyterLab', async () => {
    const { model } = setup();
    fillGuide70b(model);
    const { spec, issues } = parseSpec(model.renderSpecYaml);
    expect(issues).toEqual([]);
    expect(model.renderSpecYaml).toMatch(
      /^# Render the manifests with: npx jupyterlab-lws render llama-70b\.yaml$/m
    );
    // The CLI's default profile is Gen1, as is the form's here.
    expect(buildManifests(spec!)).toEqual(
      buildManifests(model.spec, { profile: model.profile })
    );
  });

  it('saves a draft and restores it in a new panel', async () => {
    const { model, state } = setup();
    fillGuide70b(model);
    await tick();
    model.dispose();
    const second = setup({ state }).model;
    await second.restoreDraft();
    expect(second.values.model).toBe('meta-llama/Llama-3.3-70B-Instruct');
    expect(second.values.nodes).toBe('2');
    expect(second.values.name).toBe('llama-70b');
    expect(second.hasToken).toBe(false);
  });

  it('deploys Secret, LWS and Service and forgets the draft', async () => {
    const { model, target, state } = setup();
    await model.loadContext();
    fillGuide70b(model);
    model.setToken(TOKEN);
    await tick();
    await model.deploy(async () => false);
    const applyState = model.applyState;
    expect(applyState.phase).toBe('done');
    if (applyState.phase !== 'done') {
      return;
    }
    expect(applyState.outcome.status).toBe('applied');
    expect(applyState.namespace).toBe('project-user-alice');
    expect(applyState.serviceName).toBe('llama-70b-leader');
    expect(applyState.port).toBe(31000);
    expect([...target.objects.keys()]).toEqual([
      'Secret/llama-70b-hf-token',
      'LeaderWorkerSet/llama-70b',
      'Service/llama-70b-leader'
    ]);
    const secret = target.objects.get('Secret/llama-70b-hf-token') as any;
    expect(secret.stringData).toEqual({ token: TOKEN });
    expect(secret.metadata.namespace).toBe('project-user-alice');
    expect(await state.fetch(DRAFT_KEY)).toBeUndefined();
  });

  it('asks before replacing, and changes nothing when the user declines', async () => {
    const { model, target } = setup();
    await model.loadContext();
    fillGuide70b(model);
    await tick();
    await model.deploy(async () => true);
    target.calls.length = 0;
    let asked = 0;
    await model.deploy(async existing => {
      asked++;
      expect(existing.map(object => object.ref.kind)).toEqual([
        'LeaderWorkerSet',
        'Service'
      ]);
      return false;
    });
    expect(asked).toBe(1);
    expect(model.applyState.phase).toBe('cancelled');
    expect(target.calls.every(call => call.startsWith('dry-run'))).toBe(true);
  });

  it('shows the missing rights and admin commands after an RBAC refusal', async () => {
    const { model, target, contexts } = setup();
    await model.loadContext();
    fillGuide70b(model);
    await tick();
    target.refuse = new LwsApiError(
      403,
      'leaderworkersets.leaderworkerset.x-k8s.io "llama-70b" is forbidden: User "u" cannot patch resource "leaderworkersets" in API group "leaderworkerset.x-k8s.io" in the namespace "project-user-alice"',
      'Forbidden',
      { kind: 'Status', reason: 'Forbidden' }
    );
    contexts.push({
      ...editorContext,
      missing: [{ resource: 'leaderworkersets', verb: 'patch' }],
      adminCommands: ['kubectl create role lws-manager ...']
    });
    await model.deploy(async () => true);
    const applyState = model.applyState;
    expect(applyState.phase).toBe('done');
    if (applyState.phase !== 'done') {
      return;
    }
    expect(applyState.outcome.status).toBe('refused');
    expect(applyState.context?.adminCommands).toEqual([
      'kubectl create role lws-manager ...'
    ]);
    expect(target.objects.size).toBe(0);
  });

  it('applies a suggested fix from the advice', async () => {
    const { model } = setup();
    fillGuide70b(model);
    const plan = model.advice.plan;
    expect(plan?.followed).toBe(false);
    model.applyFix(plan!.fix);
    expect(model.values.nodes).toBe('1');
    expect(model.advice.plan?.followed).toBe(true);
  });
});

describe('NewDeploymentViewModel name taken', () => {
  it('says while typing that a deployment of that name exists, once the typing pauses', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const asked: string[] = [];
      const model = new NewDeploymentViewModel({
        settings: resolveSettings({}),
        cluster: {
          context: async () => editorContext,
          target: () => new MemoryTarget(),
          nameTaken: async (_namespace, name) => {
            asked.push(name);
            return name === 'llama-70b';
          }
        },
        previewDelay: 0,
        draftDelay: 0
      });
      await model.loadContext();
      for (const name of ['l', 'll', 'llama-70', 'llama-70b']) {
        model.setValues({ name });
      }
      jest.advanceTimersByTime(1000);
      await Promise.resolve();
      await Promise.resolve();
      // One question for what was typed last, not one per keystroke.
      expect(asked).toEqual(['llama-70b']);
      const taken = model.issues.find(issue => issue.id === 'name-taken');
      expect(taken?.field).toBe('name');
      expect(taken?.message).toContain(
        `"llama-70b" already exists in ${editorContext.namespace}`
      );

      model.setValues({ name: 'llama-70b-2' });
      expect(model.issues.map(issue => issue.id)).not.toContain('name-taken');
      jest.advanceTimersByTime(1000);
      await Promise.resolve();
      await Promise.resolve();
      expect(asked).toEqual(['llama-70b', 'llama-70b-2']);
      expect(model.issues.map(issue => issue.id)).not.toContain('name-taken');
      model.dispose();
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('NewDeploymentViewModel quota', () => {
  function quotaSetup(used: string, fail = false) {
    const { model, target, cluster } = setup();
    const reads: string[] = [];
    const usage = { used };
    cluster.quotas = async namespace => {
      reads.push(namespace);
      if (fail) {
        throw new Error('resourcequotas is forbidden');
      }
      const hard = { 'requests.nvidia.com/gpu': '16', pods: '10' };
      return [
        {
          metadata: { name: 'gpu-quota' },
          spec: { hard },
          status: { hard, used: { 'requests.nvidia.com/gpu': usage.used } }
        }
      ];
    };
    return { model, target, reads, usage };
  }

  it('reads the quotas with the context and checks the spec against them', async () => {
    const { model, reads } = quotaSetup('8');
    await model.loadContext();
    fillGuide70b(model);
    expect(reads).toEqual(['project-user-alice']);
    expect(model.quotaCheck?.gpu).toMatchObject({ need: 8, hard: 16, used: 8 });
    expect(model.quotaCheck?.exceeded).toEqual([]);
    model.setValues({ nodes: '3' });
    expect(model.quotaCheck?.gpu).toMatchObject({ need: 12, exceeds: true });
  });

  it('asks before applying over quota, with usage read again; cancel sends nothing', async () => {
    const { model, target, reads, usage } = quotaSetup('0');
    await model.loadContext();
    fillGuide70b(model);
    expect(model.quotaCheck?.exceeded).toEqual([]);
    usage.used = '12'; // someone else deployed meanwhile
    const asked: number[] = [];
    await model.deploy(
      async () => true,
      async check => {
        asked.push(check.gpu!.used);
        return false;
      }
    );
    expect(reads).toHaveLength(2);
    expect(asked).toEqual([12]);
    expect(target.calls).toEqual([]);
    await model.deploy(
      async () => true,
      async () => true
    );
    expect(target.calls).toContain('apply LeaderWorkerSet/llama-70b');
  });

  it('does not ask when the deployment fits', async () => {
    const { model, target } = quotaSetup('8');
    await model.loadContext();
    fillGuide70b(model);
    const asked: unknown[] = [];
    await model.deploy(
      async () => true,
      async check => {
        asked.push(check);
        return false;
      }
    );
    expect(asked).toEqual([]);
    expect(target.calls).toContain('apply LeaderWorkerSet/llama-70b');
  });

  it('says why the quotas could not be read, and still deploys', async () => {
    const { model, target } = quotaSetup('0', true);
    await model.loadContext();
    fillGuide70b(model);
    expect(model.quotaCheck).toBeNull();
    expect(model.quotaError).toContain('forbidden');
    await model.deploy(
      async () => true,
      async () => false
    );
    expect(target.calls).toContain('apply LeaderWorkerSet/llama-70b');
  });
});
