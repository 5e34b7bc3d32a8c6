/**
 * The merged log of a group: every pod's lines (leader and worker) in one view, in the order
 * of their timestamps, each labelled with its pod's role. kwok serves each pod's log from a
 * CRI log file whose timestamps are set here, so the interleaving is known.
 */
import { expect, test } from '@jupyterlab/galata';
import { appendFileSync, writeFileSync } from 'fs';

import { deploy, remove, serveLog } from './helpers/fixtures';
import { LwsHelper } from './helpers/LwsHelper';

const NAME = 'ui-grouplog';
const LEADER = `${NAME}-0`;
const WORKER = `${NAME}-0-1`;

/** CRI log lines (what kwok reads), each at its own time. */
function timedCri(lines: { at: Date; text: string }[]): string {
  return lines
    .map(
      ({ at, text }) =>
        `${at.toISOString().replace('Z', '000000Z')} stdout F ${text}\n`
    )
    .join('');
}

/** `start` plus `seconds`. */
const after = (start: Date, seconds: number) =>
  new Date(start.getTime() + seconds * 1000);

test.describe('the merged log of a group', () => {
  test.beforeEach(() => remove(NAME));
  test.afterEach(() => remove(NAME));

  for (const theme of ['light', 'dark'] as const) {
    test(`interleaves the leader's and the worker's lines by time (${theme} theme)`, async ({
      page
    }) => {
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      } else {
        await page.theme.setLightTheme();
      }
      const start = new Date(Date.now() - 60_000);
      const leaderFile = serveLog(LEADER, 'vllm-leader', []);
      const workerFile = serveLog(WORKER, 'vllm-worker', []);
      writeFileSync(
        leaderFile,
        timedCri([
          { at: after(start, 0), text: 'INFO leader: starting Ray head' },
          { at: after(start, 2), text: 'INFO leader: waiting for 2 GPUs' },
          {
            at: after(start, 4),
            text: 'ERROR leader: NCCL timeout waiting for rank 1'
          }
        ])
      );
      writeFileSync(
        workerFile,
        timedCri([
          { at: after(start, 1), text: 'INFO worker: joining the Ray head' },
          {
            at: after(start, 3),
            text: 'NCCL WARN worker: NET/Socket connect failed <b>not bold</b>'
          }
        ])
      );
      deploy({ name: NAME });
      const deployments = new LwsHelper(page).deployments();
      await new LwsHelper(page).openSidebar();
      await expect(deployments.row(NAME)).toHaveAttribute(
        'data-state',
        'Ready',
        { timeout: 30_000 }
      );
      await deployments.open(NAME);
      await deployments.groupLogButton(0).click();
      await expect(deployments.groupLog()).toBeVisible();

      const time = (seconds: number) =>
        after(start, seconds).toISOString().slice(11, 23);
      await expect(deployments.groupLogLines()).toHaveText([
        `${time(0)} leader   │ INFO leader: starting Ray head`,
        `${time(1)} worker 1 │ INFO worker: joining the Ray head`,
        `${time(2)} leader   │ INFO leader: waiting for 2 GPUs`,
        `${time(3)} worker 1 │ NCCL WARN worker: NET/Socket connect failed <b>not bold</b>`,
        `${time(4)} leader   │ ERROR leader: NCCL timeout waiting for rank 1`
      ]);
      // Text from the pods stays text.
      await expect(deployments.groupLog().locator('b')).toHaveCount(0);
      await expect(deployments.groupLogPods()).toHaveCount(2);
      for (const pod of await deployments.groupLogPods().all()) {
        await expect(pod).toHaveAttribute('data-state', 'streaming');
      }

      await test.step('a line the worker writes now comes last, and is followed live', async () => {
        appendFileSync(
          workerFile,
          timedCri([{ at: new Date(), text: 'INFO worker: still here' }])
        );
        await expect(deployments.groupLogLines().last()).toHaveText(
          /worker 1 │ INFO worker: still here$/
        );
        await expect(deployments.groupLogLines()).toHaveCount(6);
      });
      await deployments.groupLog().screenshot({
        path: test.info().outputPath(`group-log-${theme}.png`)
      });
    });
  }
});
