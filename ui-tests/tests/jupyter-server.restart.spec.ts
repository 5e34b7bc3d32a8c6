/**
 * Fault (issue 16): the Jupyter server restarts under an open JupyterLab. The test runs its own
 * JupyterLab (playwright.restart.config.js, port 8890), stops it while the sidebar watches and a
 * chat is open, and starts it again: the sidebar and the chat must recover without a reload of
 * the page, the chat keeping its conversation and answering again through the new server.
 */
import { expect, test } from '@jupyterlab/galata';
import type { ChildProcess } from 'child_process';
import { spawn } from 'child_process';
import { mkdirSync, openSync } from 'fs';
import { join } from 'path';

import { ChatHelper } from './helpers/ChatHelper';
import { applyManifest, kubectl, userNamespace } from './helpers/cluster';
import { SCAN_DIR } from './helpers/browserState';
import { deploy, LWS, NAME_LABEL, remove } from './helpers/fixtures';
import { LwsHelper } from './helpers/LwsHelper';

const PORT = 8890;
const ENGINE_PORT = Number(process.env.LWS_ENGINE_PORT ?? 18080);
const NAME = 'fault-jupyter-restart';

let server: ChildProcess | null = null;

/** Starts JupyterLab on PORT (its log kept for scripts/secrets_scan.py) and waits for it. */
async function startServer(): Promise<void> {
  mkdirSync(SCAN_DIR, { recursive: true });
  const log = openSync(join(SCAN_DIR, 'jupyter-server-restart.log'), 'a');
  server = spawn(
    'jupyter',
    [
      'lab',
      '--config',
      'jupyter_server_test_config.py',
      `--ServerApp.port=${PORT}`
    ],
    {
      cwd: join(__dirname, '..'),
      detached: true,
      stdio: ['ignore', log, log]
    }
  );
  await expect
    .poll(
      () =>
        fetch(`http://localhost:${PORT}/lab`)
          .then(response => response.status)
          .catch(() => 0),
      { timeout: 120_000 }
    )
    .toBe(200);
}

/** Stops the JupyterLab started by {@link startServer} and waits until it is gone. */
async function stopServer(): Promise<void> {
  const running = server;
  server = null;
  if (!running || running.exitCode !== null) {
    return;
  }
  const exited = new Promise(resolve => running.once('exit', resolve));
  process.kill(-running.pid!, 'SIGTERM');
  await exited;
}

test.describe('the Jupyter server restarts under an open JupyterLab', () => {
  test.beforeAll(async () => {
    remove(NAME);
    deploy({ name: NAME, managed: true });
    // The leader Service's port is the local engine's (endpoint_url_template maps it).
    applyManifest({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: `${NAME}-leader`,
        labels: {
          'app.kubernetes.io/name': 'vllm',
          'app.kubernetes.io/instance': NAME,
          'app.kubernetes.io/managed-by': 'jupyterlab-lws'
        }
      },
      spec: {
        selector: {
          [NAME_LABEL]: NAME,
          'leaderworkerset.sigs.k8s.io/worker-index': '0'
        },
        ports: [{ name: 'http', port: ENGINE_PORT, targetPort: 8080 }]
      }
    });
    kubectl([
      'wait',
      '--for=condition=Available',
      `${LWS}/${NAME}`,
      '-n',
      userNamespace,
      '--timeout=60s'
    ]);
    await startServer();
  });

  test.afterAll(async () => {
    await stopServer();
    remove(NAME);
  });

  test('the sidebar and an open chat recover without a reload', async ({
    page
  }) => {
    test.setTimeout(300_000);
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    const chat = new ChatHelper(page);
    await lws.openSidebar();
    await expect(deployments.row(NAME)).toHaveAttribute('data-state', 'Ready', {
      timeout: 60_000
    });
    await deployments.open(NAME);
    await chat.sidebarChat().click();
    await expect(chat.readiness()).toHaveAttribute('data-ready', 'true', {
      timeout: 30_000
    });
    if (await chat.clear().isEnabled()) {
      await chat.clear().click();
    }
    await chat.setMaxTokens(16);
    await chat.closeSettings();
    await chat.send('Say hello');
    await expect(chat.lastAnswer()).toBeVisible({ timeout: 60_000 });
    // Marks this page: a reload would forget it.
    await page.evaluate(() => {
      (window as any).__lwsSamePage = true;
    });

    await test.step('the server stops: the sidebar says it is reconnecting', async () => {
      await stopServer();
      await expect(page.getByTestId('lws-watch-error').first()).toContainText(
        'reconnecting',
        { timeout: 60_000 }
      );
    });

    await test.step('the server is back: both recover, without a reload', async () => {
      await startServer();
      // JupyterLab's own "connection lost" dialog, if it showed, is not the extension's.
      const lost = page.locator('.jp-Dialog', { hasText: /connection/i });
      if (await lost.isVisible()) {
        await lost.getByRole('button').first().click();
      }
      await expect(page.getByTestId('lws-watch-error')).toHaveCount(0, {
        timeout: 90_000
      });
      await expect(deployments.row(NAME)).toHaveAttribute(
        'data-state',
        'Ready'
      );
      expect(await page.evaluate(() => (window as any).__lwsSamePage)).toBe(
        true
      );
      await expect(chat.turns()).toHaveCount(2);
      await chat.send('Say goodbye');
      await expect(chat.turns()).toHaveCount(4, { timeout: 60_000 });
      await expect(chat.panel.getByTestId('lws-chat-error')).toHaveCount(0);
    });
  });
});
