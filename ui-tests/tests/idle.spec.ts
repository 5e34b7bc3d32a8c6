/**
 * The idle nudge in a Ready deployment's detail: a recorded vLLM /metrics page whose counters
 * never move, served on this machine behind a real leader Service of the local cluster, with
 * idleMinutes set to 3 seconds. Scale to 0 and Scale back patch the real LeaderWorkerSet.
 */
import { expect, galata, test } from '@jupyterlab/galata';

import { kubectl, userNamespace } from './helpers/cluster';
import type { IMetricsFixture } from './helpers/metricsFixture';
import {
  LWS,
  RECORDED_VLLM_PAGE,
  serveMetricsFixture
} from './helpers/metricsFixture';
import { LwsHelper } from './helpers/LwsHelper';

const NAME = 'ui-idle';
/** A field of the LeaderWorkerSet as the API server has it. */
function lwsField(jsonpath: string): string {
  return kubectl([
    'get',
    LWS,
    NAME,
    '-n',
    userNamespace,
    '-o',
    `jsonpath={${jsonpath}}`
  ]);
}

const ANNOTATION =
  '.metadata.annotations.jupyterlab-lws\\.io/replicas-before-idle';

test.use({
  mockSettings: {
    ...galata.DEFAULT_SETTINGS,
    'jupyterlab-lws:plugin': { idleMinutes: 0.05 }
  }
});

test.describe('idle nudge', () => {
  let fixture: IMetricsFixture;

  test.beforeAll(async () => {
    // The recorded page as is: nothing running or waiting, counters frozen.
    fixture = await serveMetricsFixture(NAME, () => RECORDED_VLLM_PAGE);
  });

  test.afterAll(async () => {
    await fixture.close();
  });

  test('suggests Scale to 0 once idle, and Scale back restores the groups after a reload', async ({
    page
  }) => {
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    await lws.openSidebar();
    await expect(deployments.row(NAME)).toHaveAttribute('data-state', 'Ready', {
      timeout: 60_000
    });
    await deployments.open(NAME);
    const nudge = page.getByTestId('lws-idle-nudge');
    await expect(nudge.getByTestId('lws-idle-text')).toHaveText(
      /^Idle for \d+ s, holding 1 GPU$/,
      { timeout: 30_000 }
    );

    await nudge.getByTestId('lws-scale-to-zero').click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Scale back to 1');
    await dialog.getByRole('button', { name: 'Scale to 0' }).click();
    await expect.poll(() => lwsField('.spec.replicas')).toBe('0');
    expect(lwsField(ANNOTATION)).toBe('1');

    // The annotation, not the page's memory, offers the way back.
    await lws.reload();
    // The layout restorer may already have the sidebar open; its tab would close it.
    if (!(await page.locator('#jp-lws-sidebar').isVisible())) {
      await lws.openSidebar();
    }
    await deployments.open(NAME);
    const back = page.getByTestId('lws-scale-back');
    await expect(back).toHaveText('Scale back to 1', { timeout: 30_000 });
    await back.click();
    await expect.poll(() => lwsField('.spec.replicas')).toBe('1');
    expect(lwsField(ANNOTATION)).toBe('');
    await expect(back).toHaveCount(0);
  });
});
