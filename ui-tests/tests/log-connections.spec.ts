/**
 * Issue 19: three pod logs side by side must not starve JupyterLab of connections (a browser
 * keeps six per host). The extension holds at most three long-lived requests: the namespace's
 * watches share one, followed logs take the others, a log view beyond that is paused.
 */
import { expect, test } from '@jupyterlab/galata';
import { appendFileSync, mkdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import {
  applyManifest,
  deleteObjects,
  kubectl,
  userNamespace
} from './helpers/cluster';
import { LwsHelper } from './helpers/LwsHelper';
import { PendingRequests } from './helpers/pendingRequests';

const LWS = 'leaderworkersets.leaderworkerset.x-k8s.io';
const NAMES = ['ui-conn-a', 'ui-conn-b', 'ui-conn-c'];
const LOG_DIR = join(tmpdir(), 'jupyterlab-lws-ui-logs');
const LINES = 20;

/** CRI log lines, as kwok's Logs objects read them. */
function criLines(lines: string[]): string {
  const at = new Date().toISOString().replace('Z', '000000Z');
  return lines.map(line => `${at} stdout F ${line}\n`).join('');
}

/** A one-pod deployment whose leader `<name>-0` writes a followed log; returns the log file. */
function deployWithLog(name: string): string {
  mkdirSync(LOG_DIR, { recursive: true });
  const file = join(LOG_DIR, `${name}-0.log`);
  writeFileSync(
    file,
    criLines(Array.from({ length: LINES }, (_, i) => `${name} line ${i}`))
  );
  applyManifest({
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Logs',
    metadata: { name: `${name}-0` },
    spec: { logs: [{ containers: ['engine'], logsFile: file, follow: true }] }
  });
  applyManifest({
    apiVersion: 'leaderworkerset.x-k8s.io/v1',
    kind: 'LeaderWorkerSet',
    metadata: { name },
    spec: {
      replicas: 1,
      leaderWorkerTemplate: {
        size: 1,
        workerTemplate: {
          metadata: { annotations: { 'sidecar.istio.io/inject': 'false' } },
          spec: {
            containers: [
              {
                name: 'engine',
                image: 'vllm/vllm-openai:v0.10.2',
                resources: { limits: { 'nvidia.com/gpu': '1' } }
              }
            ]
          }
        }
      }
    }
  });
  return file;
}

function removeAll(): void {
  deleteObjects(LWS, NAMES);
  deleteObjects(
    'logs.kwok.x-k8s.io',
    NAMES.map(name => `${name}-0`)
  );
  for (const name of NAMES) {
    kubectl([
      'wait',
      '--for=delete',
      'pod',
      '-l',
      `leaderworkerset.sigs.k8s.io/name=${name}`,
      '-n',
      userNamespace,
      '--timeout=60s'
    ]);
  }
}

test.describe('log views and the connection budget', () => {
  test.setTimeout(180_000);

  test('three logs side by side leave JupyterLab its connections; closing frees them; a closed log opens again', async ({
    page,
    tmpPath
  }) => {
    removeAll();
    const files = NAMES.map(deployWithLog);
    const pods = NAMES.map(name => `${name}-0`);
    const pending = new PendingRequests(page);
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    // Other deployments of the shared namespace may have background reads of their own; these
    // are this test's: the shared watch request and its pods' followed logs.
    const held = () =>
      pending
        .paths()
        .filter(
          path =>
            path === 'watches' ||
            pods.some(pod => path.endsWith(`/pods/${pod}/log`))
        );
    const states = () =>
      page
        .getByTestId('lws-logs')
        .evaluateAll(nodes =>
          nodes.map(node => node.getAttribute('data-state')).sort()
        );
    try {
      await lws.openSidebar();
      for (const name of NAMES) {
        await expect(deployments.row(name)).toHaveAttribute(
          'data-state',
          'Ready',
          { timeout: 30_000 }
        );
      }
      // The sidebar's three watches travel in one request.
      await expect.poll(held, { timeout: 15_000 }).toEqual(['watches']);

      for (const [index, name] of NAMES.entries()) {
        await deployments.open(name);
        await deployments.action('logs').click();
        await expect(deployments.logView(pods[index])).toBeVisible();
        await deployments.back();
      }
      await deployments.logsSideBySide();
      for (const pod of pods) {
        await expect(deployments.logView(pod)).toBeVisible();
        await expect(
          deployments.logView(pod).getByTestId('lws-log-lines')
        ).toHaveAttribute('data-count', String(LINES));
      }
      // Two follow, the third shows what it read and offers to follow.
      await expect
        .poll(states, { timeout: 15_000 })
        .toEqual(['paused', 'streaming', 'streaming']);
      await expect
        .poll(() => held().length, {
          message: `open: ${pending.paths().join(', ')}`,
          timeout: 15_000
        })
        .toBe(3);
      expect(pending.count).toBeLessThanOrEqual(3);
      const pausedPods = async () =>
        (
          await Promise.all(
            pods.map(async pod =>
              (await deployments.logView(pod).getAttribute('data-state')) ===
              'paused'
                ? [pod]
                : []
            )
          )
        ).flat();
      const [paused] = await pausedPods();
      await expect(deployments.logResume(paused)).toBeVisible();
      await expect(
        deployments.logView(paused).getByTestId('lws-logs-status')
      ).toContainText('Paused');

      // JupyterLab's own requests go through: a burst of contents requests, open and save.
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
      const notebook = 'connections.ipynb';
      await page.notebook.createNew(notebook);
      await page.notebook.setCell(0, 'code', 'print("still responsive")');
      await page.notebook.save();
      const saved = await page.evaluate(async path => {
        const base = (window as any).jupyterapp.serviceManager.serverSettings
          .baseUrl;
        const response = await fetch(`${base}api/contents/${path}`, {
          signal: AbortSignal.timeout(10_000)
        });
        return JSON.stringify((await response.json()).content);
      }, `${tmpPath}/${notebook}`);
      expect(saved).toContain('still responsive');
      await page.notebook.close();
      // (The notebook's tab hid a log view for a while: which one is paused may have changed.)
      await expect.poll(states).toEqual(['paused', 'streaming', 'streaming']);
      const [pausedPod] = await pausedPods();

      // A line written now; the paused view catches up from its last line when it follows.
      for (const file of files) {
        appendFileSync(file, criLines(['written while paused']));
      }
      await deployments.logResume(pausedPod).click();
      await expect(deployments.logView(pausedPod)).toHaveAttribute(
        'data-state',
        'streaming'
      );
      await expect(
        deployments.logView(pausedPod).getByTestId('lws-log-lines')
      ).toHaveAttribute('data-count', String(LINES + 1));
      await expect(
        deployments.logView(pausedPod).getByTestId('lws-log-line').last()
      ).toHaveText('written while paused');
      // It took the slot of a view that followed longer: still three connections.
      await expect.poll(states).toEqual(['paused', 'streaming', 'streaming']);
      await expect
        .poll(() => held().length, {
          message: `open: ${pending.paths().join(', ')}`
        })
        .toBe(3);
      expect(pending.count).toBeLessThanOrEqual(3);

      for (const pod of pods) {
        await deployments.closeLogTab(pod);
      }
      await expect.poll(held, { timeout: 10_000 }).toEqual(['watches']);

      // Showing a closed pod's log again opens a new view that follows.
      await deployments.open(NAMES[0]);
      await deployments.action('logs').click();
      await expect(deployments.logView(pods[0])).toHaveAttribute(
        'data-state',
        'streaming'
      );
      await expect(
        deployments.logView(pods[0]).getByTestId('lws-log-line').last()
      ).toHaveText('written while paused');
      await expect
        .poll(() => held().length, {
          message: `open: ${pending.paths().join(', ')}`
        })
        .toBe(2);
      await deployments.closeLogTab(pods[0]);
      await expect.poll(held).toEqual(['watches']);
    } finally {
      removeAll();
    }
  });
});
