#!/usr/bin/env node
/**
 * Start-up cost of jupyterlab-lws: JupyterLab with the extension against the same JupyterLab
 * with it disabled (front end and server extension), both served at once and loaded in turns
 * in Debian's Chromium, so machine noise hits both alike.
 *
 * Prints, as ratios against that same-run baseline: the time until JupyterLab is restored,
 * and the JavaScript bytes loaded (the extension's own also gzipped); and the number of requests to the extension's API made while
 * the sidebar stays closed (the design says: none).
 *
 * usage: node bench/startup.mjs [--runs 7]
 * Needs the local cluster (bash scripts/cluster/cluster.sh up) and the extension installed.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { minify } from 'terser';

import { launchChromium, readCluster, startLab as startLabAt } from './lab.mjs';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 7;
const cluster = readCluster();

function startLab(port, withExtension) {
  const configDir = mkdtempSync(join(tmpdir(), 'lws-bench-'));
  mkdirSync(join(configDir, 'labconfig'));
  const disabled = withExtension ? {} : { 'jupyterlab-lws': true };
  writeFileSync(
    join(configDir, 'labconfig/page_config.json'),
    JSON.stringify({ disabledExtensions: disabled })
  );
  return startLabAt(cluster, {
    port,
    rootDir: configDir,
    extraArgs: [
      `--ServerApp.jpserver_extensions={"jupyterlab_lws": ${withExtension ? 'True' : 'False'}}`
    ],
    env: { JUPYTER_CONFIG_DIR: configDir }
  });
}

async function loadOnce(browser, port) {
  const page = await browser.newPage();
  let jsBytes = 0;
  let apiRequests = 0;
  // The extension's own JavaScript loaded at start-up (the eager part), raw and gzipped.
  const own = { bytes: 0, gzipped: 0, files: [] };
  page.on('request', request => {
    if (request.url().includes('/lws/api/')) {
      apiRequests += 1;
    }
  });
  page.on('response', async response => {
    if (response.request().resourceType() === 'script') {
      const length = Number(response.headers()['content-length'] ?? 0);
      const body = await response.body().catch(() => Buffer.alloc(0));
      jsBytes += length || body.length;
      if (response.url().includes('/extensions/jupyterlab-lws/')) {
        own.bytes += body.length;
        own.gzipped += gzipSync(body, { level: 9 }).length;
        own.files.push({ name: response.url().split('/').pop(), body });
      }
    }
  });
  await page.goto(`http://127.0.0.1:${port}/lab?reset`, {
    waitUntil: 'domcontentloaded'
  });
  await page.waitForFunction(() => window.jupyterapp !== undefined, null, {
    timeout: 120000
  });
  const restoredAt = await page.evaluate(() =>
    window.jupyterapp.restored.then(() => performance.now())
  );
  // Let late requests show up: a start-up request of the extension would come now.
  await page.waitForTimeout(1500);
  await page.close();
  return { restoredAt, jsBytes, apiRequests, own };
}

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const baselinePort = 18881;
const extensionPort = 18882;
const servers = [
  await startLab(baselinePort, false),
  await startLab(extensionPort, true)
];
const browser = await launchChromium(['--disable-component-update']);
try {
  // One warm-up load each: the first load of a server compiles templates and fills caches.
  await loadOnce(browser, baselinePort);
  await loadOnce(browser, extensionPort);
  const base = [];
  const ext = [];
  for (let i = 0; i < runs; i++) {
    base.push(await loadOnce(browser, baselinePort));
    ext.push(await loadOnce(browser, extensionPort));
  }
  const baseTime = median(base.map(r => r.restoredAt));
  const extTime = median(ext.map(r => r.restoredAt));
  const baseBytes = median(base.map(r => r.jsBytes));
  const extBytes = median(ext.map(r => r.jsBytes));
  console.log(`start-up, ${runs} alternating loads each (median)`);
  console.log(
    `  restored: baseline ${baseTime.toFixed(0)} ms, with jupyterlab-lws ${extTime.toFixed(0)} ms, ratio ${(extTime / baseTime).toFixed(3)}`
  );
  console.log(
    `  JavaScript loaded: baseline ${baseBytes} B, with jupyterlab-lws ${extBytes} B, ratio ${(extBytes / baseBytes).toFixed(3)} (+${extBytes - baseBytes} B)`
  );
  console.log(
    `  extension API requests with the sidebar closed: ${Math.max(...ext.map(r => r.apiRequests))}`
  );
  const own = ext[ext.length - 1].own;
  // The installed build may be a development one (unminified): minify what it loaded as a
  // production build would (terser, which webpack uses) to tell what users download.
  let minified = 0;
  for (const file of own.files) {
    const { code } = await minify(file.body.toString('utf-8'));
    minified += gzipSync(code, { level: 9 }).length;
  }
  console.log(
    `  jupyterlab-lws JavaScript loaded at start-up (eager): ${own.bytes} B, gzipped ${own.gzipped} B; ` +
      `minified with terser and gzipped ${minified} B (${own.files.map(f => f.name).join(', ')})`
  );
} finally {
  await browser.close();
  servers.forEach(s => s.kill());
}
