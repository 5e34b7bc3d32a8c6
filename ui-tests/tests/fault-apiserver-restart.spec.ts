/**
 * Fault (issue 16): the kube-apiserver stops while the sidebar watches and a log is followed,
 * and comes back. While it is down a deployment is deleted behind its back (straight in etcd,
 * the only way to change anything then) and the log grows. The UI must say it is reconnecting,
 * recover by itself, and end up showing what `kubectl get` shows, with every log line once.
 *
 * Checked on what the user sees, not on the transport, so it holds for any way the browser
 * gets its updates. The API server is stopped and started by scripts/cluster/restart-apiserver.sh.
 */
import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import { appendFileSync } from 'fs';
import { join } from 'path';

import { kubectl, userNamespace } from './helpers/cluster';
import { criLines, deploy, LWS, remove, serveLog } from './helpers/fixtures';
import { LwsHelper } from './helpers/LwsHelper';

const KEEP = 'fault-restart-keep';
const GONE = 'fault-restart-gone';
const LEADER = `${KEEP}-0`;
const SCRIPT = join(
  __dirname,
  '..',
  '..',
  'scripts',
  'cluster',
  'restart-apiserver.sh'
);
/** The local cluster's etcd (kwokctl's port), through its JSON gateway. */
const ETCD = 'http://127.0.0.1:32765';

function apiServer(action: 'stop' | 'start'): void {
  execFileSync('bash', [SCRIPT, action], { stdio: 'pipe', timeout: 120_000 });
}

/** Deletes a LeaderWorkerSet in etcd itself, as nothing else works while the API server is down. */
async function deleteInEtcd(name: string): Promise<number> {
  const key = `/registry/leaderworkerset.x-k8s.io/leaderworkersets/${userNamespace}/${name}`;
  const response = await fetch(`${ETCD}/v3/kv/deleterange`, {
    method: 'POST',
    body: JSON.stringify({ key: Buffer.from(key).toString('base64') })
  });
  return Number((await response.json()).deleted ?? 0);
}

/** The deployments of the namespace as the admin sees them. */
function lwsNames(): string[] {
  return kubectl(['get', LWS, '-n', userNamespace, '-o', 'name'])
    .split('\n')
    .filter(line => line)
    .map(line => line.split('/')[1])
    .sort();
}

test.describe('the API server restarts under an open JupyterLab', () => {
  test.beforeAll(() => {
    apiServer('start'); // in case an earlier run stopped in the middle
    remove(KEEP, GONE);
  });
  test.afterAll(() => {
    apiServer('start');
    remove(KEEP, GONE);
  });

  test('the UI says it is reconnecting, recovers by itself and matches kubectl', async ({
    page
  }) => {
    test.setTimeout(300_000);
    const before = ['INFO before the restart 1', 'INFO before the restart 2'];
    const file = serveLog(LEADER, 'vllm-leader', before);
    deploy({ name: KEEP });
    deploy({ name: GONE });
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    await lws.openSidebar();
    for (const name of [KEEP, GONE]) {
      await expect(deployments.row(name)).toHaveAttribute(
        'data-state',
        'Ready',
        { timeout: 60_000 }
      );
    }
    await deployments.open(KEEP);
    await deployments.action('logs').click();
    await expect(deployments.logStatus()).toContainText('Following live');
    await expect(deployments.logLines()).toHaveText(before);
    const banner = page.getByTestId('lws-watch-error');

    const during = 'INFO written while the API server was down';
    try {
      await test.step('the API server stops: the UI says it is reconnecting', async () => {
        apiServer('stop');
        await expect(banner.first()).toBeVisible({ timeout: 60_000 });
        await expect(banner.first()).toContainText('reconnecting');
      });

      await test.step('meanwhile a deployment goes and the log grows', async () => {
        expect(await deleteInEtcd(GONE)).toBe(1);
        appendFileSync(file, criLines([during]));
      });
    } finally {
      apiServer('start');
    }

    await test.step('it recovers by itself and shows what kubectl shows', async () => {
      await expect(banner).toHaveCount(0, { timeout: 90_000 });
      await expect(deployments.row(GONE)).toHaveCount(0, { timeout: 60_000 });
      await expect(deployments.row(KEEP)).toHaveAttribute(
        'data-state',
        'Ready'
      );
      const rows = deployments.sidebar.locator('li.jp-lws-DeploymentRow');
      await expect
        .poll(
          async () =>
            (
              await rows.evaluateAll(elements =>
                elements.map(element =>
                  (element.getAttribute('data-testid') ?? '').replace(
                    'lws-deployment-',
                    ''
                  )
                )
              )
            )
              .filter(name => name !== '')
              .sort()
              .join(' '),
          { timeout: 30_000 }
        )
        .toBe(lwsNames().join(' '));
    });

    await test.step('the log follows again, each line once', async () => {
      const after = 'INFO written after the restart';
      appendFileSync(file, criLines([after]));
      await expect(deployments.logLines().last()).toHaveText(after, {
        timeout: 60_000
      });
      const shown = await deployments.logLines().allTextContents();
      for (const line of [...before, during, after]) {
        expect(shown.filter(text => text === line)).toHaveLength(1);
      }
      await expect(deployments.logStatus()).toContainText('Following live');
    });
  });
});
