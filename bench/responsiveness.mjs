#!/usr/bin/env node
/**
 * JupyterLab's own responsiveness beside jupyterlab-lws: the latency of opening and saving a
 * file through the contents API (`GET` and `PUT /api/contents/<file>`, what JupyterLab sends
 * when a user opens or saves one) with the sidebar open and two pod logs followed, against the
 * sidebar closed.
 *
 * One JupyterLab (port 8899) and Debian's Chromium; two deployments of the local cluster whose
 * leaders write a log line every 200 ms. Each state has its own browser context (a browser
 * keeps six HTTP/1.1 connections per host and context). Rounds of "open, then save" are timed
 * in the page in three phases: sidebar closed, sidebar open with both logs followed, and
 * sidebar closed again (in the first context, the second one closed); the baseline is the two
 * closed phases together, so drift of a busy machine shows in neither side alone.
 *
 * usage: node bench/responsiveness.mjs [--rounds 40]
 * Needs the local cluster (bash scripts/cluster/cluster.sh up) and the extension installed.
 * Takes the UI lock (/tmp/lws-ui.lock) while JupyterLab and Chromium run.
 */
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { adminClient } from './kube.mjs';
import {
  holdUiLock,
  launchChromium,
  readCluster,
  startLab,
  stopLab
} from './lab.mjs';

const at = process.argv.indexOf('--rounds');
const rounds = at > 0 ? Number(process.argv[at + 1]) : 40;
const cluster = readCluster();
const admin = adminClient(cluster);
const namespace = cluster.accounts.editor.namespace;
const names = ['bench-resp-a', 'bench-resp-b'];
const port = 8899;
const file = 'notes.txt';

try {
  admin.kubectl(['get', '--raw', '/readyz']);
} catch (error) {
  throw new Error(
    `the local cluster does not answer: bash scripts/cluster/cluster.sh up (${error.message})`
  );
}

const criLine = text => `${new Date().toISOString()} stdout F ${text}\n`;

function deploy(name, dir) {
  const logFile = join(dir, `${name}-0.log`);
  writeFileSync(logFile, criLine(`${name} started`));
  const objects = [
    {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'Logs',
      metadata: { name: `${name}-0`, namespace },
      spec: {
        logs: [{ containers: ['engine'], logsFile: logFile, follow: true }]
      }
    },
    {
      apiVersion: 'leaderworkerset.x-k8s.io/v1',
      kind: 'LeaderWorkerSet',
      metadata: { name, namespace },
      spec: {
        replicas: 1,
        leaderWorkerTemplate: {
          size: 1,
          workerTemplate: {
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
    }
  ];
  admin.kubectl(
    ['apply', '--server-side', '--force-conflicts', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects })
  );
  return logFile;
}

function removeAll() {
  const run = args => {
    try {
      admin.kubectl(['-n', namespace, ...args]);
    } catch (error) {
      console.error(`  ${args.join(' ')}: ${error.stderr ?? error.message}`);
    }
  };
  run([
    'delete',
    'leaderworkersets.leaderworkerset.x-k8s.io',
    ...names,
    '--ignore-not-found',
    '--wait=true'
  ]);
  run([
    'delete',
    'logs.kwok.x-k8s.io',
    ...names.map(name => `${name}-0`),
    '--ignore-not-found'
  ]);
}

/** `rounds` of open (GET) then save (PUT) of the file, each timed in the page. */
function measure(page) {
  return page.evaluate(
    async ({ rounds, file }) => {
      const open = [];
      const save = [];
      const timed = async (list, init, query = '') => {
        const started = performance.now();
        const response = await fetch(`/api/contents/${file}${query}`, {
          cache: 'no-store',
          signal: AbortSignal.timeout(30_000),
          ...init
        }).catch(() => null);
        if (!response?.ok) {
          throw new Error(`contents API: ${response?.status ?? 'no answer'}`);
        }
        await response.text();
        list.push(performance.now() - started);
      };
      for (let i = 0; i < rounds; i++) {
        await timed(open, {}, '?type=file&format=text&content=1');
        await timed(save, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({
            type: 'file',
            format: 'text',
            content: `saved ${i}\n`.repeat(200)
          })
        });
      }
      return { open, save };
    },
    { rounds, file }
  );
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

async function newLabPage(browser) {
  const context = await browser.newContext({
    viewport: { width: 1600, height: 900 }
  });
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${port}/lab?reset`);
  await page.waitForFunction(() => window.jupyterapp !== undefined, null, {
    timeout: 120_000
  });
  await page.evaluate(() => window.jupyterapp.restored);
  return { context, page };
}

async function openSidebarAndLogs(page) {
  await page.evaluate(() =>
    window.jupyterapp.commands.execute('lws:open-sidebar')
  );
  await page.waitForFunction(
    list =>
      list.every(name =>
        document.querySelector(
          `[data-testid="lws-deployment-${name}"][data-state="Ready"]`
        )
      ),
    names,
    { timeout: 60_000 }
  );
  await page.evaluate(async list => {
    const app = window.jupyterapp;
    let previous = null;
    for (const name of list) {
      const view = await app.commands.execute('lws:open-logs', {
        deployment: name,
        pod: `${name}-0`
      });
      if (previous) {
        app.shell.add(view, 'main', { mode: 'split-right', ref: previous.id });
      }
      previous = view;
    }
  }, names);
  await page.waitForFunction(
    count =>
      [...document.querySelectorAll('[data-testid="lws-logs"]')].filter(node =>
        ['streaming', 'paused'].includes(node.getAttribute('data-state'))
      ).length === count,
    names.length,
    { timeout: 60_000 }
  );
}

const work = mkdtempSync(join(tmpdir(), 'lws-bench-resp-'));
const labRoot = mkdtempSync(join(tmpdir(), 'lws-bench-resp-root-'));
writeFileSync(join(labRoot, file), 'notes\n');
removeAll();
const logFiles = names.map(name => deploy(name, work));
let written = 0;
const writer = setInterval(() => {
  written += 1;
  logFiles.forEach(f => appendFileSync(f, criLine(`line ${written}`)));
}, 200);
const release = await holdUiLock();
const lab = await startLab(cluster, { port, rootDir: labRoot });
const browser = await launchChromium();
try {
  const closed = await newLabPage(browser);
  await measure(closed.page); // warm-up: the server's first requests fill its caches
  const before = await measure(closed.page);

  const open = await newLabPage(browser);
  await openSidebarAndLogs(open.page);
  const following = await measure(open.page);
  const views = await open.page.evaluate(
    () =>
      document.querySelectorAll(
        '[data-testid="lws-logs"][data-state="streaming"]'
      ).length
  );
  await open.context.close();
  const after = await measure(closed.page);

  console.log(
    `contents API, ${rounds} rounds of open (GET) then save (PUT) of ${file}, per phase; ` +
      `${new Date().toISOString().slice(0, 16)} UTC`
  );
  for (const kind of ['open', 'save']) {
    const base = [...before[kind], ...after[kind]];
    const withLogs = following[kind];
    for (const q of [0.5, 0.95]) {
      const b = quantile(base, q);
      const w = quantile(withLogs, q);
      console.log(
        `  ${kind} p${q * 100}: sidebar closed ${b.toFixed(1)} ms ` +
          `(before ${quantile(before[kind], q).toFixed(1)}, after ${quantile(after[kind], q).toFixed(1)}), ` +
          `sidebar open + ${views} logs followed ${w.toFixed(1)} ms, ratio ${(w / b).toFixed(3)}`
      );
    }
  }
} finally {
  clearInterval(writer);
  await browser.close();
  await stopLab(lab);
  release();
  removeAll();
  admin.close();
}
