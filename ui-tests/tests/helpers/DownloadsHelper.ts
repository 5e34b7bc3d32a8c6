/**
 * The sidebar's model downloads and cache view, and the cluster side of a download in the
 * local cluster (kwok): the Job's pod, and a kwok `Logs` object that serves the lines the real
 * download script printed (src/model/__tests__/fixtures/download-logs/, captured by pytest).
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import { applyManifest, kubectl, userNamespace } from './cluster';

const FIXTURES = join(
  __dirname,
  '..',
  '..',
  '..',
  'src',
  'model',
  '__tests__',
  'fixtures',
  'download-logs'
);
const LOG_DIR = join(tmpdir(), 'jupyterlab-lws-ui-download-logs');
const SELECTOR =
  'app.kubernetes.io/managed-by=jupyterlab-lws,app.kubernetes.io/component in (model-download,model-cache)';

/** Lines the real script printed in one pytest run. */
export function capturedLines(name: string): string[] {
  return readFileSync(join(FIXTURES, `${name}.txt`), 'utf-8')
    .split('\n')
    .filter(line => line !== '');
}

/** kwok Logs objects made by the tests, deleted by removeAll. */
const servedLogs = new Set<string>();

function cri(lines: string[]): string {
  const at = new Date().toISOString().replace('Z', '000000Z');
  return lines.map(line => `${at} stdout F ${line}\n`).join('');
}

export class DownloadsHelper {
  constructor(readonly page: IJupyterLabPageFixture) {}

  get section(): Locator {
    return this.page.getByTestId('lws-downloads');
  }

  /** Fills the start form and presses Download. */
  async start(repo: string, include = ''): Promise<void> {
    await this.section.getByTestId('lws-download-model').fill(repo);
    await this.section.getByTestId('lws-download-include').fill(include);
    await this.section.getByTestId('lws-download-start').click();
  }

  /** What the start form refused. */
  issues(): Locator {
    return this.section.getByTestId('lws-download-issues');
  }

  /** The row of the download of `repo`. */
  row(repo: string): Locator {
    return this.section.locator(
      `[data-testid="lws-download"][data-repo="${repo}"]`
    );
  }

  bar(repo: string): Locator {
    return this.row(repo).getByRole('progressbar');
  }

  cache(): Locator {
    return this.section.getByTestId('lws-cache');
  }

  cachedModel(repo: string): Locator {
    return this.cache().locator(
      `[data-testid="lws-cached-model"][data-repo="${repo}"]`
    );
  }

  // --- the cluster side ---

  /** The name of the newest pod with `selector`, once it exists. */
  podName(selector: string): string {
    const names = kubectl([
      'get',
      'pods',
      '-n',
      userNamespace,
      '-l',
      selector,
      '--sort-by=.metadata.creationTimestamp',
      '-o',
      'jsonpath={.items[*].metadata.name}'
    ])
      .trim()
      .split(/\s+/)
      .filter(name => name !== '');
    return names[names.length - 1] ?? '';
  }

  /** Serves `lines` as the log of `pod`'s container; returns a function that appends more. */
  serveLog(
    pod: string,
    container: string,
    lines: string[]
  ): (more: string[]) => void {
    mkdirSync(LOG_DIR, { recursive: true });
    const file = join(LOG_DIR, `${pod}.log`);
    writeFileSync(file, cri(lines));
    applyManifest({
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'Logs',
      metadata: { name: pod },
      spec: {
        logs: [{ containers: [container], logsFile: file, follow: true }]
      }
    });
    servedLogs.add(pod);
    return more => appendFileSync(file, cri(more));
  }

  /** Moves a kwok pod on (`succeeded`, `failed`). */
  setPodState(pod: string, state: string): void {
    kubectl([
      'annotate',
      'pod',
      pod,
      '-n',
      userNamespace,
      '--overwrite',
      `sim.jupyterlab-lws.io/state=${state}`
    ]);
  }

  /** Names of the download and cache Jobs in the namespace. */
  jobs(): string[] {
    return kubectl([
      'get',
      'jobs',
      '-n',
      userNamespace,
      '-l',
      SELECTOR,
      '-o',
      'jsonpath={.items[*].metadata.name}'
    ])
      .trim()
      .split(/\s+/)
      .filter(name => name !== '');
  }
}

/** Deletes every download and cache Job, their pods and the tests' Logs objects. */
export function removeDownloads(): void {
  kubectl([
    'delete',
    'jobs',
    '-n',
    userNamespace,
    '-l',
    SELECTOR,
    '--ignore-not-found',
    '--wait=true',
    '--timeout=60s'
  ]);
  kubectl([
    'delete',
    'pods',
    '-n',
    userNamespace,
    '-l',
    SELECTOR,
    '--ignore-not-found',
    '--grace-period=0',
    '--force',
    '--wait=true',
    '--timeout=60s'
  ]);
  if (servedLogs.size > 0) {
    kubectl([
      'delete',
      'logs.kwok.x-k8s.io',
      '-n',
      userNamespace,
      '--ignore-not-found',
      ...servedLogs
    ]);
    servedLogs.clear();
  }
}
