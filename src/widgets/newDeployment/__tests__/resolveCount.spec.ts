/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// `yaml` resolves to its CommonJS build under Node's export conditions.

import type { IClusterContext } from '../../../api/context';
import { resolveSettings } from '../../../model/profileSettings';
import * as resolveModule from '../../../model/resolve';
import { NewDeploymentViewModel } from '../viewModel';

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

const tick = () => new Promise(resolve => setTimeout(resolve, 5));

describe('the form resolves a spec once per edit', () => {
  afterEach(() => jest.restoreAllMocks());

  it('counts resolveSpec calls through an edit, its preview and the quota check', async () => {
    const model = new NewDeploymentViewModel({
      settings: resolveSettings({}),
      cluster: {
        context: async () => context,
        target: () => {
          throw new Error('not deploying');
        },
        quotas: async () => []
      },
      previewDelay: 0,
      draftDelay: 0
    });
    await model.loadContext();
    model.setValues({ engine: 'sglang' });
    model.setValues({ model: 'meta-llama/Llama-3.3-70B-Instruct' });
    model.setValues({ name: 'llama-70b' });
    await tick();

    const resolve = jest.spyOn(resolveModule, 'resolveSpec');
    // One keystroke, then what the views read after it: advice, issues, preview, quota.
    model.setValues({ nodes: '2' });
    await tick();
    expect(model.advice.gpus?.perGroup).toBe(16);
    expect(model.issues.length).toBeGreaterThan(0);
    expect(model.manifestsYaml).toContain('size: 2');
    expect(model.quotaCheck).not.toBeNull();
    expect(resolve).toHaveBeenCalledTimes(1);

    // An edit in the YAML editor: checked and taken over with the same single resolve.
    resolve.mockClear();
    model.editYaml(model.specYaml.replace('nodes: 2', 'nodes: 1'));
    await tick();
    expect(model.yamlEdit).toBeNull();
    expect(model.advice.gpus?.perGroup).toBe(8);
    expect(model.manifestsYaml).toContain('size: 1');
    expect(model.quotaCheck).not.toBeNull();
    expect(resolve).toHaveBeenCalledTimes(1);
    model.dispose();
  });
});
