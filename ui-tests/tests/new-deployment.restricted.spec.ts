/**
 * The new-deployment panel as the low-rights account (the `view` role in its namespace),
 * in its own JupyterLab: npx playwright test -c playwright.restricted.config.js
 */
import { expect, test } from '@jupyterlab/galata';

import { cluster, getObject } from './helpers/cluster';
import { LwsHelper } from './helpers/LwsHelper';

const NAMESPACE = cluster.accounts.restricted.namespace;
const NAME = 'denied-8b';

test.describe('new deployment as the read-only account', () => {
  test('a broken YAML edit is not applied, and a refused apply says what is missing', async ({
    page
  }) => {
    const form = new LwsHelper(page).newDeployment();

    await test.step('open the form from the command palette', async () => {
      await form.openFromPalette();
      await expect(form.namespace()).toContainText(NAMESPACE);
      // The context already shows the account cannot deploy here.
      await expect(form.missingRightsNotice()).toContainText(
        'leaderworkersets'
      );
    });

    await test.step('fill a small deployment', async () => {
      await form.fill('model', 'meta-llama/Llama-3.1-8B-Instruct');
      await form.fill('name', NAME);
      await form.fill('gpusPerNode', '1');
      await expect(form.gpuSummary()).toContainText('1 node x 1 GPU = 1 L40S');
      await expect(form.previewEditor('spec')).toContainText(`name: ${NAME}`);
    });

    await test.step('a YAML edit that breaks the syntax is shown, not applied', async () => {
      await form.replaceSpecYaml(`name: [${NAME}\nengine: vllm\n`);
      await expect(form.previewErrors()).toContainText('YAML syntax');
      await expect(form.previewErrors()).toContainText(
        /Line \d+, column \d+: YAML syntax: Flow sequence .* must .* end with a \]/
      );
      await expect(form.deployButton()).toBeDisabled();
      await expect(form.deployBlocker()).toContainText('not applied');
      await expect(form.value('name')).toHaveValue(NAME);
      // The advice is about the form's spec: it never says "No problems" beside a rejected edit.
      await expect(page.getByTestId('lws-advice-edit-rejected')).toContainText(
        'Your YAML edit is not applied'
      );
      await expect(page.getByTestId('lws-advice-ok')).toHaveCount(0);
    });

    await test.step('a YAML edit that breaks validation is shown, not applied', async () => {
      const spec = `name: ${NAME}\nengine: vllm\nmodel: meta-llama/Llama-3.1-8B-Instruct\nnodes: 1\ngpusPerNode: 1\nserviceName: ${NAME}\n`;
      await form.replaceSpecYaml(spec);
      await expect(form.previewErrors()).toContainText("is the LWS's own name");
      await expect(form.deployButton()).toBeDisabled();
      await expect(form.value('serviceName')).toHaveValue('');
      await form.revertButton().click();
      await expect(form.previewErrors()).toHaveCount(0);
      await expect(form.previewEditor('spec')).toContainText('rdma: true');
    });

    await test.step('a good YAML edit changes the form', async () => {
      const text = await form.previewText('spec');
      await form.replaceSpecYaml(
        text.replace('gpusPerNode: 1', 'gpusPerNode: 2')
      );
      await expect(form.value('gpusPerNode')).toHaveValue('2');
      await expect(form.gpuSummary()).toContainText('1 node x 2 GPUs = 2 L40S');
      await expect(form.deployButton()).toBeEnabled();
    });

    await test.step('Deploy is refused in the dry run, in plain words', async () => {
      await form.deployButton().click();
      await expect(form.applyStatus()).toHaveAttribute(
        'data-status',
        'refused',
        {
          timeout: 30000
        }
      );
      await expect(form.applyStatus()).toContainText('Nothing was changed');
      await expect(form.applyStatus()).toContainText(
        `Your notebook’s service account may not patch leaderworkersets in namespace ${NAMESPACE}.`
      );
      await expect(form.applyStatus()).toContainText(
        `may not patch services in namespace ${NAMESPACE}`
      );
      await expect(form.adminCommands()).toContainText('kubectl create role');
      await expect(form.adminCommands()).toContainText(NAMESPACE);
      await expect(form.adminCommands()).toContainText('leaderworkersets');
    });

    await test.step('nothing exists in the cluster', async () => {
      expect(
        getObject('leaderworkersets.leaderworkerset.x-k8s.io', NAME, NAMESPACE)
      ).toBeNull();
      expect(getObject('services', `${NAME}-leader`, NAMESPACE)).toBeNull();
    });
  });
});
