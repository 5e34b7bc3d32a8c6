/**
 * Engine metrics in a Ready deployment's detail: a recorded vLLM /metrics page
 * (src/model/__tests__/fixtures/metrics/vllm-0.7.metrics.txt) served on this machine with its
 * counters advanced on every read, reached through the Jupyter server's endpoint proxy and a
 * real leader Service of the local cluster whose port is the server's.
 */
import { expect, galata, test } from '@jupyterlab/galata';
import { mkdirSync } from 'fs';
import { join } from 'path';

import type { IMetricsFixture } from './helpers/metricsFixture';
import {
  RECORDED_VLLM_PAGE,
  serveMetricsFixture
} from './helpers/metricsFixture';
import { LwsHelper } from './helpers/LwsHelper';

const NAME = 'ui-metrics';
/** The recorded page after `reads` reads: 300 generation and 100 prompt tokens per read. */
function pageAfter(reads: number): string {
  return RECORDED_VLLM_PAGE.replace(
    /^(vllm:generation_tokens_total\{[^}]*\}) \S+$/m,
    `$1 ${955 + 300 * reads}.0`
  )
    .replace(
      /^(vllm:prompt_tokens_total\{[^}]*\}) \S+$/m,
      `$1 ${148 + 100 * reads}.0`
    )
    .replace(/^(vllm:num_requests_running\{[^}]*\}) \S+$/m, '$1 2.0')
    .replace(/^(vllm:gpu_cache_usage_perc\{[^}]*\}) \S+$/m, '$1 0.25');
}

test.use({
  mockSettings: {
    ...galata.DEFAULT_SETTINGS,
    'jupyterlab-lws:plugin': {
      notebookEndpointUrlTemplate: 'http://127.0.0.1:{port}'
    }
  }
});

test.describe('engine metrics of a Ready deployment', () => {
  let fixture: IMetricsFixture;
  let reads = 0;

  test.beforeAll(async () => {
    fixture = await serveMetricsFixture(NAME, () => {
      reads += 1;
      return pageAfter(reads);
    });
  });

  test.afterAll(async () => {
    await fixture.close();
  });

  test('shows running, KV cache and tokens/s with sparklines, and reads only while shown', async ({
    page
  }) => {
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    await lws.openSidebar();
    await expect(deployments.row(NAME)).toHaveAttribute('data-state', 'Ready', {
      timeout: 60_000
    });
    // The list's total is the GPUs each row holds, added up (this deployment holds 1).
    await expect(deployments.row(NAME).getByTestId('lws-gpus')).toHaveText(
      '1/1 GPUs'
    );
    const held = (await page.getByTestId('lws-gpus').allTextContents()).map(
      text => Number(text.split('/')[0])
    );
    const total = held.reduce((a, b) => a + b, 0);
    await expect(page.getByTestId('lws-gpus-total')).toHaveText(
      total === 1 ? '1 GPU held in all' : `${total} GPUs held in all`
    );

    await deployments.open(NAME);
    const metrics = page.getByTestId('lws-metrics');
    await expect(metrics.getByTestId('lws-metric-running')).toHaveText(
      '2 / 0',
      {
        timeout: 20_000
      }
    );
    await expect(metrics.getByTestId('lws-metric-kv-cache')).toContainText(
      '25 %'
    );
    await expect(metrics.getByTestId('lws-metric-requests')).toHaveText(
      '4 / 0'
    );
    // Rates need two reads; the sparklines need two rates (three reads).
    await expect(metrics.getByTestId('lws-sparkline-generation')).toBeVisible({
      timeout: 20_000
    });
    const generation = Number(
      await metrics
        .locator(
          '[data-testid="lws-metric-generation"] .jp-lws-EngineMetrics-value'
        )
        .textContent()
    );
    const prompt = Number(
      await metrics
        .locator(
          '[data-testid="lws-metric-prompt"] .jp-lws-EngineMetrics-value'
        )
        .textContent()
    );
    // 300 and 100 tokens per read, reads about 3 s apart.
    expect(generation).toBeGreaterThan(0);
    expect(prompt * 3).toBeCloseTo(generation, 0);

    if (process.env.LWS_UPDATE_SCREENSHOTS) {
      const images = join(__dirname, '..', '..', 'docs', 'images');
      mkdirSync(images, { recursive: true });
      await page.mouse.move(0, 0);
      await deployments
        .detail()
        .screenshot({ path: join(images, 'metrics.png') });
    }

    // Back to the list: the detail is gone, and so are the reads. No condition can show
    // that nothing happens, so this waits past two read intervals (3 s each).
    await deployments.back();
    await expect(metrics).toHaveCount(0);
    // A read already on its way when the view went may still land: one, never more.
    const closed = reads;
    await page.waitForTimeout(7_000);
    expect(reads).toBeLessThanOrEqual(closed + 1);

    // The detail open again, then another tab in front of it: the detail stays, hidden, unread.
    await deployments.open(NAME);
    await expect.poll(() => reads, { timeout: 20_000 }).toBeGreaterThan(closed);
    await page.evaluate(async () => {
      await (window as any).jupyterapp.commands.execute('launcher:create');
    });
    await expect(metrics).toBeHidden();
    const hidden = reads;
    await page.waitForTimeout(7_000);
    expect(reads).toBeLessThanOrEqual(hidden + 1);
  });
});
