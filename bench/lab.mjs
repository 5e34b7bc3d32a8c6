/**
 * What the browser benchmarks share: the local cluster's description, a JupyterLab started
 * against it as the editor account, and Debian's Chromium driven by the ui-tests' Playwright.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { chromium } = createRequire(join(root, 'ui-tests/package.json'))(
  '@playwright/test'
);

/** The local cluster (scripts/cluster/cluster.sh writes cluster.json): kubectl, accounts, server. */
export function readCluster() {
  const run =
    process.env.LWS_CLUSTER_RUN ?? join(homedir(), '.cache/jupyterlab-lws/run');
  const path = join(run, 'cluster.json');
  if (!existsSync(path)) {
    throw new Error(
      `no local cluster (${path} is missing): bash scripts/cluster/cluster.sh up`
    );
  }
  return JSON.parse(readFileSync(path, 'utf-8'));
}

/**
 * Starts `jupyter lab` on `port` without authentication, the extension pointed at `cluster` as
 * its editor account; resolves to the child process once the server listens.
 * `extraArgs` and `env` are added to the command line and the environment.
 */
export function startLab(cluster, { port, rootDir, extraArgs = [], env = {} }) {
  const args = [
    'lab',
    '--no-browser',
    '--allow-root',
    `--port=${port}`,
    '--port-retries=0',
    '--IdentityProvider.token=',
    '--ServerApp.password=',
    '--ServerApp.disable_check_xsrf=True',
    '--LabApp.expose_app_in_browser=True',
    `--ServerApp.root_dir=${rootDir}`,
    ...extraArgs,
    `--LwsServing.service_account_dir=${cluster.accounts.editor.dir}`,
    `--LwsServing.api_server=${cluster.server}`
  ];
  const child = spawn('jupyter', args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe']
  });
  return new Promise((resolve, reject) => {
    let log = '';
    child.stderr.on('data', chunk => {
      log += chunk;
      if (log.includes('Jupyter Server') && log.includes('is running at')) {
        resolve(child);
      }
    });
    child.on('exit', code =>
      reject(new Error(`jupyter lab exited (${code}):\n${log}`))
    );
  });
}

/** Debian's Chromium (or CHROMIUM_PATH), headless, with background traffic turned off. */
export function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--disable-gpu', '--disable-background-networking', ...extraArgs]
  });
}

/**
 * Takes the lock that Galata runs and frontend builds share (/tmp/lws-ui.lock, or LWS_UI_LOCK)
 * and resolves, once held, to a function that releases it: a `flock` child holds it until its
 * standard input closes, so the lock also goes if this process dies.
 */
export function holdUiLock(
  path = process.env.LWS_UI_LOCK ?? '/tmp/lws-ui.lock'
) {
  const holder = spawn(
    'flock',
    [path, 'sh', '-c', 'echo held; exec cat >/dev/null'],
    {
      stdio: ['pipe', 'pipe', 'inherit']
    }
  );
  return new Promise((resolve, reject) => {
    holder.stdout.once('data', () => resolve(() => holder.stdin.end()));
    holder.on('error', reject);
    holder.on('exit', code =>
      reject(new Error(`flock ${path} exited (${code})`))
    );
  });
}

/** Resident and peak resident memory of a process, in MB (Linux /proc). */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf-8');
  const kb = name =>
    Number(status.match(new RegExp(`^${name}:\\s+(\\d+)`, 'm'))[1]);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** Stops a server started by startLab and resolves once it has exited (its port is free). */
export function stopLab(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  const exited = new Promise(resolve => child.once('exit', resolve));
  child.kill();
  return exited;
}
