import type { JupyterLabPage } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';
import { mkdirSync } from 'fs';
import { join } from 'path';

import {
  deleteObjects,
  getObject,
  kubectl,
  userNamespace
} from './helpers/cluster';
import { saveBrowserState } from './helpers/browserState';
import { LwsHelper } from './helpers/LwsHelper';

/** The guide's 70B example under a name of its own, so reruns start clean. */
const NAME = 'llama-70b-ui';
const SERVICE = `${NAME}-leader`;
const SECRET = `${NAME}-hf-token`;
const MODEL = 'meta-llama/Llama-3.3-70B-Instruct';
/** A made-up token: it must reach the Secret and nowhere else. */
const TOKEN = 'hf_uiTestTokenNeverShown0123';
const EXPORTED = `${NAME}.yaml`;

function cleanUp(): void {
  deleteObjects('leaderworkersets.leaderworkerset.x-k8s.io', [NAME]);
  deleteObjects('services', [SERVICE]);
  deleteObjects('secrets', [SECRET]);
}

test.describe('new deployment against the local cluster', () => {
  test.beforeAll(cleanUp);
  test.afterAll(cleanUp);

  test('the “+” in the sidebar opens the form', async ({ page }) => {
    const form = new LwsHelper(page).newDeployment();
    await form.openFromSidebar();
    await expect(form.namespace()).toContainText(userNamespace);
    await expect(form.input('model')).toBeFocused();

    // The engine select's caret is drawn inside the select: JupyterLab before 4.6 needs the
    // position that style/base.css gives it.
    const select = await form.input('engine').boundingBox();
    const caret = await form.panel
      .locator('.jp-HTMLSelect:has(#jp-lws-new-engine) > span svg')
      .boundingBox();
    expect(select && caret).toBeTruthy();
    expect(caret!.x).toBeGreaterThanOrEqual(select!.x);
    expect(caret!.x + caret!.width).toBeLessThanOrEqual(
      select!.x + select!.width
    );
    expect(caret!.y).toBeGreaterThanOrEqual(select!.y);
    expect(caret!.y + caret!.height).toBeLessThanOrEqual(
      select!.y + select!.height
    );
  });

  test('deploys the guide’s 70B example from the launcher tile', async ({
    page
  }) => {
    const form = new LwsHelper(page).newDeployment();

    await test.step('open the form from the launcher', async () => {
      await form.openFromLauncher();
      await expect(form.namespace()).toContainText(userNamespace);
    });

    await test.step('fill the minimum fields of the guide’s example', async () => {
      await form.select('engine', 'sglang');
      await form.fill('model', MODEL);
      // The name follows the model until one is typed.
      await expect(form.value('name')).toHaveValue('llama-3-3-70b-instruct');
      await form.fill('name', NAME);
      await form.fill('nodes', '2');
      await form.fill('gpusPerNode', '4');
      await form.fillToken(TOKEN);
    });

    await test.step('see the advice: GPUs, the plan, the guide’s warnings', async () => {
      await expect(form.gpuSummary()).toContainText(
        '2 nodes x 4 GPUs = 8 L40S'
      );
      await expect(form.gpuSummary()).toContainText(
        'Tensor parallel 4 x pipeline parallel 2'
      );
      await expect(form.plan()).toContainText(
        'Recommended: 1 node x 4 L40S, tensor parallel 4 x pipeline parallel 1'
      );
      await expect(form.issue('partial-node')).toContainText(
        'NCCL initialisation can hang'
      );
      await expect(form.issue('fits-single-node')).toContainText(
        'must not span nodes'
      );
      await expect(form.deployButton()).toBeEnabled();
    });

    await test.step('see the preview follow the form, without the token', async () => {
      await expect(form.previewEditor('spec')).toContainText('engine: sglang');
      await expect(form.previewEditor('spec')).toContainText(
        `hfTokenSecret: ${SECRET}`
      );
      await form.previewTab('manifests').click();
      await expect(form.previewEditor('manifests')).toContainText(
        'kind: LeaderWorkerSet'
      );
      const manifests = await form.previewText('manifests');
      expect(manifests).toContain('rdma/rdma_shared_device_a');
      expect(manifests).toContain(`name: ${SERVICE}`);
      expect(manifests).toContain('secretKeyRef');
      expect(manifests).not.toContain(TOKEN);
      await form.previewTab('spec').click();
      expect(await form.previewText('spec')).not.toContain(TOKEN);
    });

    if (process.env.LWS_UPDATE_SCREENSHOTS) {
      // The README's picture of the form (docs/images/new-deployment.png).
      const images = join(__dirname, '..', '..', 'docs', 'images');
      mkdirSync(images, { recursive: true });
      await page.setViewportSize({ width: 1400, height: 900 });
      await page.mouse.move(0, 0);
      await form.panel.screenshot({
        path: join(images, 'new-deployment.png')
      });
      await page.setViewportSize({ width: 1024, height: 768 });
    }

    await test.step('export the spec to a file in the workspace', async () => {
      await form.toolbarButton('Export spec').click();
      const dialog = page.locator('.jp-Dialog');
      await expect(dialog.locator('input')).toHaveValue(EXPORTED);
      await dialog.getByRole('button', { name: /save|replace/i }).click();
      const replace = page.locator('.jp-Dialog', { hasText: 'Replace' });
      if (await replace.isVisible().catch(() => false)) {
        await replace.getByRole('button', { name: 'Replace' }).click();
      }
      await expect
        .poll(() => page.contents.fileExists(EXPORTED), { timeout: 10000 })
        .toBe(true);
      const response = await page.request.get(
        `/api/contents/${EXPORTED}?content=1&type=file&format=text`
      );
      const file = (await response.json()).content as string;
      expect(file).toContain('npx jupyterlab-lws render');
      // Self-contained: the profile's defaults are written out for the CLI.
      expect(file).toContain('gpuType: L40S');
      expect(file).toContain(
        'nvidia-network-operator/nv-ipam-macvlannetwork-a'
      );
      expect(file).not.toContain(TOKEN);
    });

    await test.step('the draft survives a reload, without the token', async () => {
      // The state database saves the workspace after a short debounce.
      await page.waitForTimeout(1500);
      // The restored layout holds the panel instead of a launcher, which galata waits for.
      await (page as unknown as JupyterLabPage).reload({
        waitForIsReady: false
      });
      await form.waitForPanel();
      await expect(form.value('model')).toHaveValue(MODEL);
      await expect(form.value('name')).toHaveValue(NAME);
      await expect(form.value('nodes')).toHaveValue('2');
      await expect(form.tokenInput()).toHaveValue('');
      await form.fillToken(TOKEN);
    });

    await test.step('deploy: dry run, then apply', async () => {
      await form.deployButton().click();
      await expect(form.applyStatus()).toHaveAttribute(
        'data-status',
        'applied',
        { timeout: 30000 }
      );
      await expect(form.applyStatus()).toContainText(
        `Deployed ${NAME} to namespace ${userNamespace}`
      );
      await expect(form.appliedObjects()).toHaveText([
        `Secret ${SECRET} created`,
        `LeaderWorkerSet ${NAME} created`,
        `Service ${SERVICE} created`
      ]);
      expect(await page.content()).not.toContain(TOKEN);
      // For scripts/secrets_scan.py: the token must be nowhere in what the browser kept.
      await saveBrowserState(page, 'new-deployment-token');
    });

    await test.step('the cluster has the three objects as the guide wants them', async () => {
      const lws = getObject('leaderworkersets.leaderworkerset.x-k8s.io', NAME);
      expect(lws).not.toBeNull();
      const template = lws.spec.leaderWorkerTemplate;
      expect(template.size).toBe(2);
      expect(template.restartPolicy).toBe('RecreateGroupOnPodRestart');
      const leader = template.leaderTemplate.spec.containers[0];
      expect(leader.image).toBe('lmsysorg/sglang:v0.5.6.post2');
      expect(leader.command).toEqual(
        expect.arrayContaining([
          'sglang.launch_server',
          MODEL,
          '--tp-size',
          '4',
          '--pipeline-parallel-size',
          '2'
        ])
      );
      expect(leader.resources.limits).toEqual({
        'nvidia.com/gpu': '4',
        'rdma/rdma_shared_device_a': '1',
        'rdma/rdma_shared_device_b': '1'
      });
      expect(leader.securityContext.capabilities.add).toEqual(['IPC_LOCK']);
      expect(leader.env).toEqual(
        expect.arrayContaining([
          {
            name: 'HF_TOKEN',
            valueFrom: { secretKeyRef: { name: SECRET, key: 'token' } }
          },
          { name: 'NCCL_IB_ADDR_FAMILY', value: 'AF_INET6' },
          { name: 'NCCL_DEBUG', value: 'INFO' }
        ])
      );
      expect(
        template.leaderTemplate.metadata.annotations['sidecar.istio.io/inject']
      ).toBe('false');
      // Server-side apply with the extension's field manager (kubectl hides managedFields).
      const managers = kubectl([
        'get',
        'leaderworkersets.leaderworkerset.x-k8s.io',
        NAME,
        '-n',
        userNamespace,
        '--show-managed-fields',
        '-o',
        'jsonpath={range .metadata.managedFields[*]}{.manager}:{.operation} {end}'
      ]);
      expect(managers.split(' ')).toContain('jupyterlab-lws:Apply');
      expect(JSON.stringify(lws)).not.toContain(TOKEN);

      const service = getObject('services', SERVICE);
      expect(service.spec.selector).toEqual({
        'leaderworkerset.sigs.k8s.io/name': NAME,
        'leaderworkerset.sigs.k8s.io/worker-index': '0'
      });
      expect(service.spec.ports[0].port).toBe(31000);

      const secret = getObject('secrets', SECRET);
      expect(Buffer.from(secret.data.token, 'base64').toString()).toBe(TOKEN);
    });

    await test.step('deploying the name again asks before replacing', async () => {
      // The plan the advice recommends: one node.
      await page.getByTestId('lws-advice-use-plan').click();
      await expect(form.value('nodes')).toHaveValue('1');
      await form.deployButton().click();
      const dialog = page.locator('.jp-Dialog');
      await expect(dialog).toContainText(
        `LeaderWorkerSet ${NAME} (made by this form before)`
      );
      await expect(dialog).toContainText(`Service ${SERVICE}`);
      // Enter would cancel: the safe answer has the focus.
      await expect(
        dialog.getByRole('button', { name: 'Cancel' })
      ).toBeFocused();
      await dialog.getByRole('button', { name: 'Replace' }).click();
      await expect(form.applyStatus()).toHaveAttribute(
        'data-status',
        'applied',
        { timeout: 30000 }
      );
      await expect(form.appliedObjects()).toHaveText([
        `Secret ${SECRET} updated`,
        `LeaderWorkerSet ${NAME} updated`,
        `Service ${SERVICE} updated`
      ]);
      const lws = getObject('leaderworkersets.leaderworkerset.x-k8s.io', NAME);
      expect(lws.spec.leaderWorkerTemplate.size).toBe(1);
      expect(
        lws.spec.leaderWorkerTemplate.leaderTemplate.spec.containers[0].command
      ).not.toContain('--pipeline-parallel-size');
    });
  });
});
