#!/usr/bin/env node
/**
 * JupyterLab's contents-API latency while jupyterlab-lws holds its live connections (issue 19):
 * a browser keeps six HTTP/1.1 connections per host, and every watch or followed log the
 * extension holds is one fewer for JupyterLab's own requests.
 *
 * One JupyterLab, one page in Debian's Chromium, three deployments of the local cluster whose
 * leaders write a line every 200 ms. Bursts of 6 concurrent `GET /api/contents/small.txt` are
 * timed in the page in three states, in this order:
 *   1. sidebar closed (the baseline: the extension holds nothing),
 *   2. sidebar open (the namespace's watches),
 *   3. sidebar open and the three pods' logs shown side by side.
 * Prints p50/p95 per state, their ratios against state 1 of the same run, and how many
 * requests the extension held open through all the bursts of a state.
 *
 * usage: node bench/log-connections.mjs [--rounds 20]
 * Needs the local cluster (bash scripts/cluster/cluster.sh up) and the extension installed.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { launchChromium, readCluster, startLab } from './lab.mjs';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 20;
const cluster = readCluster();
const namespace = cluster.accounts.editor.namespace;
const names = ['bench-conn-a', 'bench-conn-b', 'bench-conn-c'];
const port = 18883;
const liveSockets = new Set();

function kubectl(args, input) {
  return execFileSync(
    cluster.kubectl,
    ['--kubeconfig', cluster.adminKubeconfig, '-n', namespace, ...args],
    { input, encoding: 'utf-8', stdio: ['pipe', 'pipe', 'pipe'] }
  );
}

const criLine = text => `${new Date().toISOString()} stdout F ${text}\n`;

function deploy(name, dir) {
  const file = join(dir, `${name}-0.log`);
  writeFileSync(file, criLine(`${name} started`));
  const objects = [
    {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'Logs',
      metadata: { name: `${name}-0` },
      spec: {
        logs: [{ containers: ['engine'], logsFile: file, follow: true }]
      }
    },
    {
      apiVersion: 'leaderworkerset.x-k8s.io/v1',
      kind: 'LeaderWorkerSet',
      metadata: { name },
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
  for (const object of objects) {
    kubectl(
      ['apply', '--server-side', '--force-conflicts', '-f', '-'],
      JSON.stringify(object)
    );
  }
  return file;
}

function removeAll() {
  kubectl([
    'delete',
    'leaderworkersets.leaderworkerset.x-k8s.io',
    ...names,
    '--ignore-not-found',
    '--wait=true'
  ]);
  kubectl([
    'delete',
    'logs.kwok.x-k8s.io',
    ...names.map(name => `${name}-0`),
    '--ignore-not-found'
  ]);
}

/**
 * Bursts of 6 concurrent contents requests, each timed (a request that takes 10 s counts as
 * 10 s); also how many extension requests stayed open through all the bursts (the
 * long-lived ones: watches and followed logs).
 */
async function measure(page, open) {
  const latencies = [];
  const started = Date.now();
  for (let i = 0; i < rounds; i++) {
    latencies.push(
      ...(await page.evaluate(async () => {
        const one = async () => {
          const started = performance.now();
          const response = await fetch('/api/contents/small.txt', {
            cache: 'no-store',
            signal: AbortSignal.timeout(10_000)
          }).catch(() => null);
          return response?.ok ? performance.now() - started : 10_000;
        };
        return Promise.all(Array.from({ length: 6 }, one));
      }))
    );
  }
  const held = [...open.values()].filter(began => began < started).length;
  return { sorted: latencies.sort((a, b) => a - b), held };
}

/** Waits until the extension's open requests stop changing (start-up lists are done). */
async function settle(open) {
  let last = -1;
  let stableSince = Date.now();
  const started = Date.now();
  while (Date.now() - stableSince < 1000 && Date.now() - started < 15_000) {
    if (open.size !== last) {
      last = open.size;
      stableSince = Date.now();
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}

const quantile = (sorted, q) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function waitFor(page, predicate, arg) {
  await page.waitForFunction(predicate, arg, { timeout: 60_000 });
}

const workDir = mkdtempSync(join(tmpdir(), 'lws-bench-logs-'));
const labRoot = mkdtempSync(join(tmpdir(), 'lws-bench-root-'));
writeFileSync(join(labRoot, 'small.txt'), 'small\n');
removeAll();
const files = names.map(name => deploy(name, workDir));
let written = 0;
const writer = setInterval(() => {
  written += 1;
  files.forEach(file => appendFileSync(file, criLine(`line ${written}`)));
}, 200);
const lab = await startLab(cluster, { port, rootDir: labRoot });
const browser = await launchChromium();
try {
  const page = await browser.newPage({
    viewport: { width: 1600, height: 900 }
  });
  // The extension's open requests, with when each began.
  const open = new Map();
  page.on(
    'request',
    r => r.url().includes('/lws/api/') && open.set(r, Date.now())
  );
  page.on('requestfinished', r => open.delete(r));
  page.on('requestfailed', r => open.delete(r));
  // The live channel (docs/live-channel.md): one WebSocket for every watch and followed log.
  page.on('websocket', socket => {
    if (socket.url().includes('/lws/api/live')) {
      liveSockets.add(socket);
      socket.on('close', () => liveSockets.delete(socket));
    }
  });
  await page.goto(`http://127.0.0.1:${port}/lab?reset`);
  await page.waitForFunction(() => window.jupyterapp !== undefined, null, {
    timeout: 120_000
  });
  await page.evaluate(() => window.jupyterapp.restored);
  await measure(page, open); // warm-up: the first requests fill the server's caches

  const results = [];
  results.push({
    state: 'sidebar closed',
    ...(await stats(page, open))
  });

  await page.evaluate(() =>
    window.jupyterapp.commands.execute('lws:open-sidebar')
  );
  await waitFor(
    page,
    list =>
      list.every(name =>
        document.querySelector(
          `[data-testid="lws-deployment-${name}"][data-state="Ready"]`
        )
      ),
    names
  );
  results.push({
    state: 'sidebar open',
    ...(await stats(page, open))
  });

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
  await waitFor(
    page,
    count =>
      document.querySelectorAll('[data-testid="lws-logs"][data-state]')
        .length === count &&
      [...document.querySelectorAll('[data-testid="lws-logs"]')].every(node =>
        ['streaming', 'paused'].includes(node.getAttribute('data-state'))
      ),
    names.length
  );
  results.push({
    state: 'sidebar open, three log views',
    ...(await stats(page, open))
  });

  const [base] = results;
  console.log(
    `contents API latency, ${rounds} bursts of 6 concurrent GET /api/contents/small.txt per state`
  );
  for (const r of results) {
    console.log(
      `  ${r.state.padEnd(32)} p50 ${r.p50.toFixed(1).padStart(7)} ms (x${(r.p50 / base.p50).toFixed(2)})  ` +
        `p95 ${r.p95.toFixed(1).padStart(7)} ms (x${(r.p95 / base.p95).toFixed(2)})  ` +
        `long-lived extension requests: ${r.held}, live WebSockets: ${r.sockets}`
    );
  }
} finally {
  clearInterval(writer);
  await browser.close();
  lab.kill();
  removeAll();
}

async function stats(page, open) {
  await settle(open);
  const { sorted, held } = await measure(page, open);
  return {
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    held,
    sockets: liveSockets.size
  };
}
