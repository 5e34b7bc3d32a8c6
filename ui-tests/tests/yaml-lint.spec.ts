/**
 * The YAML editor of the new-deployment form marks every problem of an edit in the editor
 * (CodeMirror lint markers: the range, the gutter, the message on hover), on its line and
 * naming the field, and the advice never says "No problems" while the edit is rejected.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';

import { LwsHelper } from './helpers/LwsHelper';
import type { NewDeploymentHelper } from './helpers/NewDeploymentHelper';

const SPEC = [
  'name: lint-demo',
  'engine: vllm',
  'model: meta-llama/Llama-3.1-8B-Instruct',
  'nodes: 2'
];

/** The marked ranges with their lines and texts, in order. */
async function markers(
  form: NewDeploymentHelper
): Promise<{ line: number; text: string }[]> {
  const found: { line: number; text: string }[] = [];
  for (const range of await form.lintRanges().all()) {
    found.push({
      line: await form.lineOf(range),
      text: (await range.textContent()) ?? ''
    });
  }
  return found;
}

/** Hovers the marked range holding `text` and returns the lint tooltip. */
async function hoverMarker(
  page: IJupyterLabPageFixture,
  form: NewDeploymentHelper,
  text: string
) {
  await page.mouse.move(0, 0);
  await expect(form.lintTooltip()).toHaveCount(0);
  await form.lintRanges().filter({ hasText: text }).first().hover();
  await expect(form.lintTooltip()).toBeVisible();
  return form.lintTooltip();
}

test.describe('lint markers in the YAML editor', () => {
  for (const theme of ['light', 'dark'] as const) {
    test(`marks each problem on its line, naming the field (${theme} theme)`, async ({
      page
    }) => {
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      } else {
        await page.theme.setLightTheme();
      }
      const form = new LwsHelper(page).newDeployment();
      await form.openFromLauncher();

      await test.step('a typo and a syntax error: both marked, each on its line', async () => {
        await form.replaceSpecYaml(
          [...SPEC, 'gpuPerNode: 4', 'nodes: 3', 'replicas: 1', ''].join('\n')
        );
        await expect(form.lintGutterMarkers()).toHaveCount(2);
        expect(await markers(form)).toEqual([
          { line: 5, text: 'gpuPerNode' },
          { line: 6, text: 'nodes' }
        ]);
        await expect(form.previewProblems()).toHaveText([
          /^Line 5: gpuPerNode: did you mean gpusPerNode\?/,
          /^Line 6, column 1: YAML syntax: Map keys must be unique/
        ]);
        const tooltip = await hoverMarker(page, form, 'gpuPerNode');
        await expect(tooltip).toContainText(
          'gpuPerNode: did you mean gpusPerNode?'
        );
        await form.previewEditor('spec').screenshot({
          path: test.info().outputPath(`yaml-lint-${theme}.png`)
        });
        await page.screenshot({
          path: test.info().outputPath(`yaml-lint-page-${theme}.png`)
        });
        // The advice is about the form as it was: it never says "No problems" now.
        await expect(form.adviceEditRejected()).toContainText(
          'Your YAML edit is not applied: 2 problems'
        );
        await expect(form.adviceOk()).toHaveCount(0);
      });

      await test.step('the syntax fixed, a field of the wrong type is marked beside the typo', async () => {
        await form.replaceSpecYaml(
          [...SPEC, 'gpuPerNode: 4', 'replicas: "2"', ''].join('\n')
        );
        await expect
          .poll(() => markers(form))
          .toEqual([
            { line: 5, text: 'gpuPerNode' },
            { line: 6, text: 'replicas: "2"' }
          ]);
        const tooltip = await hoverMarker(page, form, 'replicas');
        await expect(tooltip).toContainText(
          'replicas must be a number, written without quotes'
        );
        await expect(form.adviceOk()).toHaveCount(0);
      });

      await test.step('a good edit is applied: no marker is left', async () => {
        await form.replaceSpecYaml(
          [...SPEC, 'gpusPerNode: 4', 'replicas: 1', ''].join('\n')
        );
        await expect(form.previewErrors()).toHaveCount(0);
        await expect(form.lintRanges()).toHaveCount(0);
        await expect(form.lintGutterMarkers()).toHaveCount(0);
        await expect(form.value('gpusPerNode')).toHaveValue('4');
      });
    });
  }
});
