/**
 * Editing a deployment from its tab (issue 14, item 11): a deployment the form made (rendered
 * by the CLI and applied with the form's field manager, as Deploy does) opens in the form,
 * a changed GPU count is reviewed as a diff and applied, and the cluster holds the change; a
 * hand-written deployment (the LWS project's sglang example, applied by the admin) opens
 * with what could be read, says what the form cannot express, and keeps Apply off.
 */
import AxeBuilder from '@axe-core/playwright';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';

import {
  applyManifest,
  getObject,
  kubectl,
  userNamespace
} from './helpers/cluster';
import { EditDeploymentHelper } from './helpers/EditDeploymentHelper';
import { LWS, remove } from './helpers/fixtures';
import { LwsHelper } from './helpers/LwsHelper';

const ROOT = join(__dirname, '..', '..');

/** Deploys `spec` as the form does: the CLI's manifests, applied by the form's field manager. */
function deployAsTheForm(spec: string): void {
  const manifests = execFileSync(
    'node',
    [
      join(ROOT, 'bin', 'jupyterlab-lws.js'),
      'render',
      '-',
      '--namespace',
      userNamespace
    ],
    { input: spec, encoding: 'utf-8', stdio: ['pipe', 'pipe', 'pipe'] }
  );
  kubectl(
    [
      'apply',
      '--server-side',
      '--field-manager=jupyterlab-lws',
      '-n',
      userNamespace,
      '-f',
      '-'
    ],
    manifests
  );
}

/** The LWS project's docs/examples/sglang/lws.yaml, renamed so tests cannot collide. */
function sglangExample(name: string): string {
  return readFileSync(
    join(
      ROOT,
      'src',
      'model',
      '__tests__',
      'fixtures',
      'lws-example-sglang.yaml'
    ),
    'utf-8'
  )
    .replace(/^ {2}name: sglang-leader$/m, `  name: ${name}-leader`)
    .replace(/^ {2}name: sglang$/m, `  name: ${name}`)
    .replace(
      /leaderworkerset\.sigs\.k8s\.io\/name: sglang$/m,
      `leaderworkerset.sigs.k8s.io/name: ${name}`
    );
}

/** axe-core's serious and critical findings in `selector` (WCAG 2.1 AA). */
async function seriousViolations(
  page: IJupyterLabPageFixture,
  selector: string
): Promise<string[]> {
  // JupyterLab's <body> is 0 px high; axe then skips colour contrast (see accessibility.spec).
  await page.evaluate(() => {
    document.body.style.height = '100vh';
  });
  const results = await new AxeBuilder({ page })
    .include(selector)
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return results.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .flatMap(v => v.nodes.map(node => `${v.id} ${node.target.join(' ')}`));
}

function leaderContainer(name: string): any {
  return getObject(LWS, name)?.spec.leaderWorkerTemplate.leaderTemplate.spec
    .containers[0];
}

test.describe('edit a deployment', () => {
  test('a deployment the form made: change GPUs per node, review the diff, apply', async ({
    page
  }) => {
    const name = 'ui-edit-form';
    remove(name);
    deployAsTheForm(
      [
        `name: ${name}`,
        'engine: vllm',
        'model: meta-llama/Llama-3.3-70B-Instruct',
        'nodes: 2',
        'gpusPerNode: 4'
      ].join('\n')
    );
    const before = getObject(LWS, name);
    expect(leaderContainer(name).resources.limits['nvidia.com/gpu']).toBe('4');
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    const edit = new EditDeploymentHelper(page, name);
    try {
      await lws.openSidebar();
      await deployments.open(name);
      await edit.editButton().click();

      await expect(edit.title()).toHaveText(`Edit ${name}`);
      await expect(edit.source()).toContainText('Filled from the spec');
      await expect(edit.input('name')).toHaveValue(name);
      await expect(edit.input('name')).toHaveAttribute('readonly', '');
      await expect(edit.input('gpusPerNode')).toHaveValue('4');
      await expect(edit.applyButton()).toHaveText('Apply changes');
      await expect(edit.applyButton()).toBeEnabled();

      await edit.input('gpusPerNode').fill('8');
      await edit.applyButton().click();
      await expect(edit.diff()).toContainText(
        `--- LeaderWorkerSet/${name} (live)`
      );
      const diff = (await edit.diff().textContent()) ?? '';
      expect(diff).toMatch(/^-\s+nvidia\.com\/gpu: "4"$/m);
      expect(diff).toMatch(/^\+\s+nvidia\.com\/gpu: "8"$/m);
      // The Service does not change: it is not in the diff.
      expect(diff).not.toContain('Service/');
      await expect(edit.effect()).toContainText('rolling update');
      await expect(edit.specChanges()).toHaveText([
        'gpusPerNode: 4 → 8',
        'tensorParallel: 4 → 8'
      ]);
      // Nothing is applied before the review is accepted (the controller's status writes
      // move the resourceVersion; the generation counts changes of the spec).
      expect(getObject(LWS, name).metadata.generation).toBe(
        before.metadata.generation
      );

      // The review reads well in both themes (the diff's tints under the normal text).
      for (const theme of ['dark', 'light']) {
        await (theme === 'dark'
          ? page.theme.setDarkTheme()
          : page.theme.setLightTheme());
        expect(await seriousViolations(page, '.jp-Dialog-content')).toEqual([]);
      }
      if (process.env.LWS_UPDATE_SCREENSHOTS) {
        // The README's pictures of the review (docs/images/edit-diff*.png), light and dark.
        const images = join(ROOT, 'docs', 'images');
        const dialog = page.locator('.jp-Dialog-content');
        await page.mouse.move(0, 0);
        await dialog.screenshot({ path: join(images, 'edit-diff.png') });
        await page.theme.setDarkTheme();
        await dialog.screenshot({ path: join(images, 'edit-diff-dark.png') });
        await page.theme.setLightTheme();
      }
      await edit.confirm();
      await expect(edit.applyStatus()).toHaveAttribute(
        'data-status',
        'applied'
      );
      await expect(edit.applyStatus()).toContainText('rolling update');
      const container = leaderContainer(name);
      expect(container.resources.limits['nvidia.com/gpu']).toBe('8');
      // The engine's tensor parallel size followed the GPUs (it was derived, not chosen).
      expect(JSON.stringify(container.command ?? container.args)).toMatch(
        /--tensor-parallel-size[ ",]+8/
      );
      const spec = JSON.parse(
        getObject(LWS, name).metadata.annotations['jupyterlab-lws/spec']
      );
      expect(spec.gpusPerNode).toBe(8);
    } finally {
      remove(name);
    }
  });

  test('a hand-written deployment (the LWS sglang example) says what the form cannot express', async ({
    page
  }) => {
    const name = 'ui-edit-example';
    remove(name);
    applyManifest(sglangExample(name));
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    const edit = new EditDeploymentHelper(page, name);
    const generation = getObject(LWS, name).metadata.generation;
    try {
      await lws.openSidebar();
      await deployments.open(name);
      await edit.editButton().click();

      await expect(edit.title()).toHaveText(`Edit ${name}`);
      await expect(edit.source()).toContainText('was not made by this form');
      // What could be read is filled in.
      await expect(edit.input('engine')).toHaveValue('sglang');
      await expect(edit.input('model')).toHaveValue(
        'meta-llama/Meta-Llama-3.1-8B-Instruct'
      );
      await expect(edit.input('nodes')).toHaveValue('2');
      await expect(edit.input('gpusPerNode')).toHaveValue('1');
      // What cannot be expressed is said, by object and path, with the YAML route.
      const unexpressed = edit.unexpressed();
      await expect(unexpressed).toContainText('cannot express');
      await expect(unexpressed).toContainText(
        `LeaderWorkerSet ${name}: spec.leaderWorkerTemplate.leaderTemplate.metadata.labels.role`
      );
      await expect(unexpressed).toContainText(
        `Service ${name}-leader: spec.selector`
      );
      await expect(unexpressed.getByTestId('lws-edit-live-yaml')).toBeVisible();
      await expect(edit.applyButton()).toBeDisabled();
      if (process.env.LWS_UPDATE_SCREENSHOTS) {
        // The README's picture of a hand-written deployment in the form.
        await page.setViewportSize({ width: 1400, height: 900 });
        await page.mouse.move(0, 0);
        await edit.panel.screenshot({
          path: join(ROOT, 'docs', 'images', 'edit-hand-written.png')
        });
        await page.setViewportSize({ width: 1024, height: 768 });
      }
      await expect(edit.blocker()).toContainText('edit its YAML instead');
      expect(getObject(LWS, name).metadata.generation).toBe(generation);
    } finally {
      remove(name);
    }
  });
});
