/**
 * An open log tab outlives its pod: LWS deletes and recreates pods under the same name (here
 * the admin deletes the leader and the LWS controller recreates it; then the deployment is
 * scaled to 0). kwok's Logs object serves the same file to every pod of that name.
 */
import { expect, test } from '@jupyterlab/galata';
import { appendFileSync } from 'fs';

import { getObject, kubectl, userNamespace } from './helpers/cluster';
import { criLines, deploy, remove, serveLog } from './helpers/fixtures';
import { LwsHelper } from './helpers/LwsHelper';

const NAME = 'ui-logtab';
const LEADER = `${NAME}-0`;
const LWS = 'leaderworkersets.leaderworkerset.x-k8s.io';

test.describe('a log tab and its pod', () => {
  test.beforeEach(() => remove(NAME));
  test.afterEach(() => remove(NAME));

  test('keeps its lines when the pod goes and follows the recreated pod below a separator', async ({
    page
  }) => {
    const file = serveLog(LEADER, 'vllm-leader', [
      'INFO first life line 1',
      'INFO first life line 2'
    ]);
    deploy({ name: NAME });
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    await lws.openSidebar();
    await expect(deployments.row(NAME)).toHaveAttribute('data-state', 'Ready', {
      timeout: 30_000
    });
    await deployments.open(NAME);
    await deployments.action('logs').click();
    await expect(deployments.logStatus()).toContainText('Following live');
    await expect(deployments.logLines()).toHaveText([
      'INFO first life line 1',
      'INFO first life line 2'
    ]);
    const firstUid = getObject('pod', LEADER)?.metadata?.uid;

    await test.step('the admin deletes the leader: LWS recreates it, the tab follows it', async () => {
      kubectl(['delete', 'pod', LEADER, '-n', userNamespace, '--wait=true']);
      // What the new container writes (kwok serves the file again, from its start).
      appendFileSync(file, criLines(['INFO second life line']));
      await expect
        .poll(() => getObject('pod', LEADER)?.metadata?.uid, {
          timeout: 30_000
        })
        .not.toBe(firstUid);
      // The controller may recreate the group more than once (the leader's StatefulSet
      // recreates it, then LWS restarts the whole group): each new life follows a separator.
      const separators = deployments.logs().locator('[data-separator="true"]');
      await expect(separators.first()).toContainText(
        'the pod was recreated; the log of the new pod follows',
        { timeout: 30_000 }
      );
      await expect
        .poll(
          async () => {
            const lines = await deployments.logLines().allTextContents();
            return {
              firstLife: lines.slice(0, 2),
              separatorAfterIt: /recreated/.test(lines[2] ?? ''),
              newestLife: lines.slice(-3)
            };
          },
          { timeout: 30_000 }
        )
        .toEqual({
          firstLife: ['INFO first life line 1', 'INFO first life line 2'],
          separatorAfterIt: true,
          newestLife: [
            'INFO first life line 1',
            'INFO first life line 2',
            'INFO second life line'
          ]
        });
      await expect(deployments.logStatus()).toContainText('Following live');
      await deployments.logs().screenshot({
        path: test.info().outputPath('log-tab-recreated.png')
      });
    });

    await test.step('scaled to 0, the pod is gone: the tab says so and keeps the lines', async () => {
      const shown = await deployments.logScroller().getAttribute('data-count');
      kubectl([
        'patch',
        LWS,
        NAME,
        '-n',
        userNamespace,
        '--type=merge',
        '-p',
        '{"spec":{"replicas":0}}'
      ]);
      await expect(deployments.logs()).toHaveAttribute(
        'data-pod-phase',
        'gone',
        { timeout: 30_000 }
      );
      await expect(deployments.logStatus()).toContainText(
        `The pod ${LEADER} is gone: its last lines stay here`
      );
      await expect(deployments.logScroller()).toHaveAttribute(
        'data-count',
        shown!
      );
      await expect(deployments.logLines().last()).toHaveText(
        'INFO second life line'
      );
      await deployments.logs().screenshot({
        path: test.info().outputPath('log-tab-gone.png')
      });
    });
  });
});
