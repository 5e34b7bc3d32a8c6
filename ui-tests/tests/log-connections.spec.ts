/**
 * Issue 15: with the sidebar open, a deployment's tab open and two logs followed, the page
 * holds ONE live connection to the extension, the WebSocket `lws/api/live`, and no long-lived
 * HTTP request (a browser keeps six per host, and JupyterLab needs them to open and save).
 * An API change and new log lines reach the DOM over it.
 */
import { expect, test } from '@jupyterlab/galata';
import type { WebSocketRoute } from '@playwright/test';
import { appendFileSync } from 'fs';

import { kubectl, userNamespace } from './helpers/cluster';
import { criLines, deploy, LWS, remove, serveLog } from './helpers/fixtures';
import { LwsHelper } from './helpers/LwsHelper';
import { PendingRequests } from './helpers/pendingRequests';

const NAMES = ['ui-conn-a', 'ui-conn-b'];
const LINES = 20;
/** An HTTP request of the extension open this long would be a stream, not a call. */
const LONG_LIVED_MS = 5_000;

test.describe('the live channel', () => {
  test.setTimeout(180_000);

  test('one WebSocket carries the sidebar, a deployment tab and two followed logs; an API change reaches the DOM over it', async ({
    page,
    tmpPath
  }) => {
    remove(...NAMES);
    const connections = new PendingRequests(page);
    const files = NAMES.map(name => {
      deploy({ name });
      return serveLog(
        `${name}-0`,
        'vllm-leader',
        Array.from({ length: LINES }, (_, i) => `${name} line ${i}`)
      );
    });
    const pods = NAMES.map(name => `${name}-0`);
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    try {
      await lws.openSidebar();
      for (const name of NAMES) {
        await expect(deployments.rowReady(name)).toHaveText('1/1 ready', {
          timeout: 60_000
        });
      }
      expect(connections.liveSockets).toBe(1);

      // Each deployment's tab, then its leader's log; the last deployment tab stays open.
      for (const [index, name] of NAMES.entries()) {
        await deployments.open(name);
        await deployments.action('logs').click();
        await expect(deployments.logView(pods[index])).toBeVisible();
      }
      await expect(deployments.tab(NAMES[1])).toHaveCount(1);
      await deployments.logsSideBySide();
      const followedSince = Date.now();
      for (const pod of pods) {
        await expect(deployments.logView(pod)).toHaveAttribute(
          'data-state',
          'streaming'
        );
        await expect(
          deployments.logView(pod).getByTestId('lws-log-lines')
        ).toHaveAttribute('data-count', String(LINES));
      }

      // New lines of both logs arrive over the channel.
      for (const file of files) {
        appendFileSync(file, criLines(['written while followed']));
      }
      for (const pod of pods) {
        await expect(
          deployments.logView(pod).getByTestId('lws-log-line').last()
        ).toHaveText('written while followed');
      }

      // An admin's change of the API reaches the sidebar over the channel.
      kubectl([
        'patch',
        LWS,
        NAMES[0],
        '-n',
        userNamespace,
        '--type=merge',
        '-p',
        '{"spec":{"replicas":2}}'
      ]);
      await expect(deployments.rowReady(NAMES[0])).toHaveText(/\/2 ready$/);

      // JupyterLab's own requests go through at once: a burst of contents requests.
      const contents = await page.evaluate(async path => {
        const base = (window as any).jupyterapp.serviceManager.serverSettings
          .baseUrl;
        return Promise.all(
          Array.from({ length: 6 }, () =>
            fetch(`${base}api/contents/${path}`, {
              signal: AbortSignal.timeout(10_000)
            }).then(response => response.status)
          )
        );
      }, tmpPath);
      expect(contents).toEqual([200, 200, 200, 200, 200, 200]);

      // Long enough with everything open that a held request would show as one.
      await expect
        .poll(() => Date.now() - followedSince, { timeout: 10_000 })
        .toBeGreaterThanOrEqual(LONG_LIVED_MS);
      for (const pod of pods) {
        await expect(deployments.logView(pod)).toHaveAttribute(
          'data-state',
          'streaming'
        );
      }
      expect(connections.liveSockets).toBe(1);
      expect(connections.openLiveSockets).toBe(1);
      expect(connections.longLived(LONG_LIVED_MS)).toEqual([]);
      const streamed = connections
        .allPaths()
        .filter(
          path =>
            path.startsWith('watches') ||
            /\/log(\?|$)/.test(path) ||
            /[?&]watch=/.test(path)
        );
      expect(streamed).toEqual([]);
      console.log(
        `live connections: ${connections.openLiveSockets} WebSocket to lws/api/live, ` +
          `${connections.longLived(LONG_LIVED_MS).length} long-lived HTTP requests ` +
          `(${connections.allPaths().length} short ones)`
      );

      // Closing the logs keeps the one socket (the sidebar still lives on it).
      for (const pod of pods) {
        await deployments.closeLogTab(pod);
      }
      await deployments.back();
      expect(connections.openLiveSockets).toBe(1);
      expect(connections.liveSockets).toBe(1);
    } finally {
      remove(...NAMES);
    }
  });

  test('a lost socket shows the banner, reconnects by itself, and the fresh snapshot brings what changed meanwhile', async ({
    page
  }) => {
    const name = 'ui-conn-reconnect';
    remove(name);
    deploy({ name });
    // The live socket passes through the test, which can cut it and refuse new ones.
    const routes: WebSocketRoute[] = [];
    let refusing = false;
    await page.routeWebSocket(/\/lws\/api\/live/, socket => {
      if (refusing) {
        void socket.close({ code: 4000, reason: 'test: server away' });
        return;
      }
      socket.connectToServer();
      routes.push(socket);
    });
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    const banner = page.getByTestId('lws-watch-error');
    try {
      await lws.openSidebar();
      await expect(deployments.rowReady(name)).toHaveText('1/1 ready', {
        timeout: 60_000
      });
      await deployments.open(name);
      expect(routes).toHaveLength(1);

      refusing = true;
      await routes[0].close({ code: 4000, reason: 'test: connection lost' });
      // One banner in the sidebar and one in the deployment's tab.
      await expect(banner).toHaveCount(2);
      await expect(banner.first()).toContainText('reconnecting…');
      // A change while the socket is away, then the server is back.
      kubectl([
        'patch',
        LWS,
        name,
        '-n',
        userNamespace,
        '--type=merge',
        '-p',
        '{"spec":{"replicas":2}}'
      ]);
      refusing = false;
      await expect(banner).toHaveCount(0, { timeout: 30_000 });
      await expect(deployments.rowReady(name)).toHaveText(/\/2 ready$/);
      expect(routes).toHaveLength(2);
    } finally {
      remove(name);
    }
  });
});
