/**
 * Accessibility of the extension's own DOM, checked with axe-core (@axe-core/playwright) in
 * JupyterLab's light and dark themes: the sidebar list, a deployment's detail (a Ready one and
 * one with a diagnosis) and the new-deployment form. Serious and critical violations fail the
 * test; the others are printed. JupyterLab's own DOM around ours is not checked.
 */
import AxeBuilder from '@axe-core/playwright';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { expect, test } from '@jupyterlab/galata';
import { copyFileSync, mkdirSync } from 'fs';
import { join } from 'path';

import { deploy, remove, SIM_STATE } from './helpers/fixtures';
import { LwsHelper } from './helpers/LwsHelper';

const READY = 'a11y-ready';
const PULLING = 'a11y-pull';

type Theme = 'light' | 'dark';

/** One axe violation, as printed and asserted. */
interface IFinding {
  rule: string;
  impact: string;
  target: string;
  detail: string;
}

/**
 * Runs axe on the elements matched by `selector` (WCAG 2.x A and AA rules) and returns the
 * violations, one per offending node; colour-contrast ones carry axe's measured ratio.
 */
async function audit(
  page: IJupyterLabPageFixture,
  selector: string
): Promise<IFinding[]> {
  // JupyterLab's <body> is 0 px high (overflow: hidden, the shell positioned absolutely):
  // axe then takes every statically placed element for clipped and skips colour contrast
  // altogether (dequelabs/axe-core#4539). Giving the body the viewport's height changes
  // nothing on screen and lets axe measure.
  await page.evaluate(() => {
    document.body.style.height = '100vh';
  });
  const results = await new AxeBuilder({ page })
    .include(selector)
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  const unsure = results.incomplete.filter(
    result => result.id === 'color-contrast'
  );
  // Without a measured text, a contrast check that passes proves nothing.
  const measured = [...results.passes, ...results.violations, ...unsure]
    .filter(result => result.id === 'color-contrast')
    .reduce((sum, result) => sum + result.nodes.length, 0);
  expect(
    measured,
    `texts whose contrast axe measured in ${selector}`
  ).toBeGreaterThan(5);
  return [...results.violations, ...unsure].flatMap(violation =>
    violation.nodes.map(node => {
      const data = node.any.find(check => check.id === 'color-contrast')
        ?.data as
        | {
            contrastRatio: number;
            expectedContrastRatio: string;
            fgColor: string;
            bgColor: string;
            messageKey?: string;
          }
        | undefined;
      return {
        rule: unsure.includes(violation)
          ? `${violation.id}(incomplete:${data?.messageKey ?? ''})`
          : violation.id,
        impact: unsure.includes(violation)
          ? 'incomplete'
          : (violation.impact ?? 'unknown'),
        target: node.target.join(' '),
        detail: data
          ? `${data.contrastRatio}:1 (needs ${data.expectedContrastRatio}) ${data.fgColor} on ${data.bgColor}`
          : (node.failureSummary?.split('\n').slice(1).join(' ').trim() ?? '')
      };
    })
  );
}

/**
 * Findings in JupyterLab's own DOM inside our views, which this extension cannot change:
 * printed, not asserted.
 */
const JUPYTERLAB_OWN: { rule: RegExp; target: RegExp; why: string }[] = [
  {
    rule: /^aria-allowed-attr$/,
    target: /\.jp-ToolbarButtonComponent/,
    why: 'JupyterLab’s ToolbarButton writes aria-pressed on every button'
  },
  {
    rule: /^color-contrast/,
    target: /\.cm-(line|gutter)/,
    why: 'the editor’s syntax and gutter colours are JupyterLab’s (--jp-mirror-editor-*)'
  }
];

/** Prints every finding and expects none of impact serious or critical in our own DOM. */
function expectNoSerious(view: string, findings: IFinding[]): void {
  const ours = findings.filter(finding => {
    const own = JUPYTERLAB_OWN.find(
      known =>
        known.rule.test(finding.rule) && known.target.test(finding.target)
    );
    console.log(
      `[axe ${view}] ${own ? `JupyterLab's (${own.why}): ` : ''}${finding.impact} ${finding.rule} ${finding.target}: ${finding.detail}`
    );
    return !own;
  });
  const serious = ours.filter(finding =>
    ['serious', 'critical'].includes(finding.impact)
  );
  // Soft: every view is checked and reported, the test fails at its end.
  expect
    .soft(
      serious.map(
        finding => `${finding.rule} ${finding.target}: ${finding.detail}`
      ),
      `serious or critical axe violations in ${view}`
    )
    .toEqual([]);
}

/** The README's pictures of the themes (docs/images), refreshed with LWS_UPDATE_SCREENSHOTS. */
const README_SHOTS = [
  'detail-light.png',
  'detail-diagnosis-dark.png',
  'new-deployment-dark.png'
];

/**
 * Saves a screenshot of the view's top (at most 760 px: the events below add nothing) with
 * the test's output, and the README's ones into docs/images when asked.
 */
async function screenshot(
  page: IJupyterLabPageFixture,
  locator: ReturnType<IJupyterLabPageFixture['locator']>,
  name: string
): Promise<void> {
  const shot = test.info().outputPath(name);
  const box = await locator.boundingBox();
  expect(box).not.toBeNull();
  await page.screenshot({
    path: shot,
    clip: { ...box!, height: Math.min(box!.height, 760) }
  });
  if (process.env.LWS_UPDATE_SCREENSHOTS && README_SHOTS.includes(name)) {
    const docs = join(__dirname, '..', '..', 'docs', 'images');
    mkdirSync(docs, { recursive: true });
    copyFileSync(shot, join(docs, name));
  }
}

test.describe('accessibility (axe-core) of the sidebar, the detail and the form', () => {
  test.beforeAll(() => {
    remove(READY, PULLING);
    deploy({ name: READY, managed: true });
    deploy({
      name: PULLING,
      model: 'Qwen/Qwen2.5-7B-Instruct',
      podAnnotations: { [SIM_STATE]: 'image-pull' }
    });
  });
  test.afterAll(() => remove(READY, PULLING));

  for (const theme of ['light', 'dark'] as Theme[]) {
    test(`no serious violations in the ${theme} theme`, async ({ page }) => {
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      } else {
        await page.theme.setLightTheme();
      }
      expect(await page.theme.getTheme()).toBe(
        theme === 'dark' ? 'JupyterLab Dark' : 'JupyterLab Light'
      );
      // Tall enough for the whole detail: axe measures contrast on screen only.
      await page.setViewportSize({ width: 1280, height: 1400 });
      const lws = new LwsHelper(page);
      const deployments = lws.deployments();
      await lws.openSidebar();
      await page.sidebar.setWidth(360);
      await expect(deployments.row(READY)).toHaveAttribute(
        'data-state',
        'Ready',
        { timeout: 30_000 }
      );
      await expect(deployments.row(PULLING)).toBeVisible();
      // Nothing hovered: a hover colour is not what a reader sees at rest.
      await page.mouse.move(0, 0);

      await test.step('the sidebar list', async () => {
        expectNoSerious(
          `${theme} sidebar`,
          await audit(page, '#jp-lws-sidebar')
        );
      });

      await test.step('the detail of a Ready deployment', async () => {
        await deployments.open(READY);
        await expect(deployments.reason()).toHaveText('The model is served.');
        await page.mouse.move(0, 0);
        expectNoSerious(
          `${theme} detail (Ready)`,
          await audit(page, '[data-testid="lws-detail"]')
        );
        await screenshot(page, deployments.detail(), `detail-${theme}.png`);
        await deployments.back();
      });

      await test.step('the detail of a deployment with a diagnosis', async () => {
        await deployments.open(PULLING);
        await expect(
          deployments.detail().locator('[data-diagnosis-id]').first()
        ).toBeVisible({ timeout: 30_000 });
        await page.mouse.move(0, 0);
        expectNoSerious(
          `${theme} detail (diagnosis)`,
          await audit(page, '[data-testid="lws-detail"]')
        );
        await screenshot(
          page,
          deployments.detail(),
          `detail-diagnosis-${theme}.png`
        );
        await deployments.back();
      });

      await test.step('the new-deployment form', async () => {
        const form = lws.newDeployment();
        await form.openFromPalette();
        await form.fill('model', 'meta-llama/Llama-3.3-70B-Instruct');
        await form.fill('nodes', '2');
        await expect(form.gpuSummary()).toContainText('2 nodes');
        await page.mouse.move(0, 0);
        expectNoSerious(
          `${theme} form`,
          await audit(page, '#jp-lws-new-deployment')
        );
        await screenshot(page, form.panel, `new-deployment-${theme}.png`);
      });
    });
  }
});
