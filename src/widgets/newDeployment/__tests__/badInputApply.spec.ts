/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// `yaml` resolves to its CommonJS build under Node's export conditions.
// No partial apply from bad input (issue 16): every spec of the bad-input corpus pasted into
// the form's YAML, and hostile text typed into its inputs, reaches no cluster call at all,
// not even a dry run; a good spec is dry-run whole before anything is applied.

import { StateDB } from '@jupyterlab/statedb';
import type { KubernetesObject } from '@kubernetes/client-node';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';

import type { IApplyTarget, IObjectRef } from '../../../api/apply';
import type { IApplyOptions, IApplyResult } from '../../../api/kube';
import type { IClusterContext } from '../../../api/context';
import type { IFormValues } from '../../../model/formState';
import { resolveSettings } from '../../../model/profileSettings';
import { NewDeploymentViewModel } from '../viewModel';

const CORPUS = join(
  __dirname,
  '..',
  '..',
  '..',
  'model',
  '__tests__',
  'badInput'
);

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

/** Records every call the apply path makes; accepts them all like an empty namespace. */
class RecordingTarget implements IApplyTarget {
  readonly calls: string[] = [];

  async apply(
    object: KubernetesObject,
    options: IApplyOptions
  ): Promise<IApplyResult> {
    this.calls.push(
      `${options.dryRun ? 'dry-run' : 'apply'} ${object.kind}/${object.metadata?.name}`
    );
    return { object, created: true };
  }

  async get(ref: IObjectRef): Promise<KubernetesObject | null> {
    this.calls.push(`get ${ref.kind}/${ref.name}`);
    return null;
  }

  async delete(ref: IObjectRef): Promise<void> {
    this.calls.push(`delete ${ref.kind}/${ref.name}`);
  }
}

/** A form with a deployable spec filled in, its context loaded. */
async function filledForm(): Promise<{
  form: NewDeploymentViewModel;
  target: RecordingTarget;
}> {
  const target = new RecordingTarget();
  const form = new NewDeploymentViewModel({
    settings: resolveSettings({}),
    cluster: { context: async () => context, target: () => target },
    state: new StateDB(),
    previewDelay: 0,
    draftDelay: 0
  });
  await form.loadContext();
  form.setValues({ engine: 'vllm' });
  form.setValues({ model: 'meta-llama/Llama-3.1-8B-Instruct' });
  form.setValues({ name: 'llama-8b', nodes: '1', gpusPerNode: '8' });
  expect(form.deployBlocker).toBeNull();
  return { form, target };
}

const corpus = readdirSync(CORPUS)
  .filter(file => file.endsWith('.yaml'))
  .sort();

describe('bad input never reaches the cluster', () => {
  it('holds the corpus', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(100);
  });

  it.each(corpus)(
    'a YAML edit of %s is kept out and deploys nothing',
    async file => {
      const { form, target } = await filledForm();
      form.editYaml(readFileSync(join(CORPUS, file), 'utf-8'));
      expect(form.yamlEdit?.issues.length).toBeGreaterThan(0);
      expect(form.deployBlocker).toBe('yaml-edit');
      await form.deploy(async () => true);
      expect(target.calls).toEqual([]);
    }
  );

  it.each<[keyof IFormValues, string]>([
    ['name', 'llаma-8b'],
    ['name', 'a'.repeat(64)],
    ['name', '<img src=x onerror=alert(1)>'],
    ['model', '../../etc/passwd'],
    ['model', '--trust-remote-code'],
    ['model', 'x'.repeat(10_000_000)],
    ['nodes', '２'],
    ['nodes', '0'],
    ['nodes', '1.5'],
    ['nodes', '1e309'],
    ['replicas', '-1'],
    ['port', '99999'],
    ['image', 'vllm/vllm-openai:latest; rm -rf /'],
    ['hfTokenSecret', '../token'],
    ['storageMountPath', '/dev/shm'],
    ['env', 'HF_TOKEN=hf_abcdefghijNOTREAL00001'],
    ['env', 'no equals sign'],
    ['engineArgs', "--served-model-name 'unclosed"],
    ['rdmaResources', 'rdma/$(id): many']
  ])('typing %s = %j deploys nothing', async (field, value) => {
    const { form, target } = await filledForm();
    form.setValues({ [field]: value } as Partial<IFormValues>);
    expect(form.deployBlocker).toBe('errors');
    await form.deploy(async () => true);
    expect(target.calls).toEqual([]);
    for (const issue of form.issues) {
      expect(issue.message.length).toBeLessThan(1500);
      expect(issue.message).not.toContain('hf_abcdefghijNOTREAL00001');
    }
  });

  it('a good spec is dry-run whole before any object is applied', async () => {
    const { form, target } = await filledForm();
    await form.deploy(async () => true);
    const dryRuns = target.calls.filter(call => call.startsWith('dry-run'));
    const applies = target.calls.filter(call => call.startsWith('apply'));
    expect(dryRuns.length).toBeGreaterThanOrEqual(2);
    expect(applies.map(call => call.replace('apply', 'dry-run'))).toEqual(
      dryRuns
    );
    const lastDryRun = target.calls.lastIndexOf(dryRuns[dryRuns.length - 1]);
    expect(lastDryRun).toBeLessThan(target.calls.indexOf(applies[0]));
  });
});
