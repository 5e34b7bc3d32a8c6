/**
 * The idle nudge in a Ready deployment's detail: a recorded vLLM /metrics page whose counters
 * never move, served on this machine behind a real leader Service of the local cluster, with
 * idleMinutes set to 3 seconds. Scale to 0 and Scale back patch the real LeaderWorkerSet.
 */
import { expect, galata, test } from '@jupyterlab/galata';
import { readFileSync } from 'fs';
import { createServer, type Server } from 'http';
import type { AddressInfo } from 'net';
import { join } from 'path';

import {
  applyManifest,
  deleteObjects,
  kubectl,
  userNamespace
} from './helpers/cluster';
import { LwsHelper } from './helpers/LwsHelper';

const NAME = 'ui-idle';
const LWS = 'leaderworkersets.leaderworkerset.x-k8s.io';
const NAME_LABEL = 'leaderworkerset.sigs.k8s.io/name';
/** The recorded page as is: nothing running or waiting, counters frozen. */
const PAGE = readFileSync(
  join(
    __dirname,
    '..',
    '..',
    'src',
    'model',
    '__tests__',
    'fixtures',
    'metrics',
    'vllm-0.7.metrics.txt'
  ),
  'utf-8'
);

function deploy(port: number): void {
  const labels = {
    'app.kubernetes.io/name': 'vllm',
    'app.kubernetes.io/instance': NAME,
    'app.kubernetes.io/managed-by': 'jupyterlab-lws'
  };
  applyManifest({
    apiVersion: 'leaderworkerset.x-k8s.io/v1',
    kind: 'LeaderWorkerSet',
    metadata: { name: NAME, labels },
    spec: {
      replicas: 1,
      leaderWorkerTemplate: {
        size: 1,
        workerTemplate: {
          spec: {
            containers: [
              {
                name: 'vllm',
                image: 'vllm/vllm-openai:v0.11.0',
                command: ['vllm', 'serve', 'tiny', '--port', '8080'],
                ports: [{ containerPort: 8080 }],
                resources: { limits: { 'nvidia.com/gpu': '1' } }
              }
            ]
          }
        }
      }
    }
  });
  applyManifest({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `${NAME}-leader`, labels },
    spec: {
      selector: {
        [NAME_LABEL]: NAME,
        'leaderworkerset.sigs.k8s.io/worker-index': '0'
      },
      ports: [{ name: 'http', port, targetPort: 8080 }]
    }
  });
}

function remove(): void {
  deleteObjects(LWS, [NAME]);
  deleteObjects('services', [`${NAME}-leader`]);
  kubectl([
    'wait',
    '--for=delete',
    'pod',
    '-l',
    `${NAME_LABEL}=${NAME}`,
    '-n',
    userNamespace,
    '--timeout=60s'
  ]);
}

/** A field of the LeaderWorkerSet as the API server has it. */
function lwsField(jsonpath: string): string {
  return kubectl([
    'get',
    LWS,
    NAME,
    '-n',
    userNamespace,
    '-o',
    `jsonpath={${jsonpath}}`
  ]);
}

const ANNOTATION =
  '.metadata.annotations.jupyterlab-lws\\.io/replicas-before-idle';

test.use({
  mockSettings: {
    ...galata.DEFAULT_SETTINGS,
    'jupyterlab-lws:plugin': { idleMinutes: 0.05 }
  }
});

test.describe('idle nudge', () => {
  let server: Server;

  test.beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url !== '/metrics') {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, {
        'Content-Type': 'text/plain; version=0.0.4; charset=utf-8'
      });
      response.end(PAGE);
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    remove();
    deploy((server.address() as AddressInfo).port);
  });

  test.afterAll(async () => {
    remove();
    await new Promise(resolve => server.close(resolve));
  });

  test('suggests Scale to 0 once idle, and Scale back restores the groups after a reload', async ({
    page
  }) => {
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    await lws.openSidebar();
    await expect(deployments.row(NAME)).toHaveAttribute('data-state', 'Ready', {
      timeout: 60_000
    });
    await deployments.open(NAME);
    const nudge = page.getByTestId('lws-idle-nudge');
    await expect(nudge.getByTestId('lws-idle-text')).toHaveText(
      /^Idle for \d+ s, holding 1 GPU$/,
      { timeout: 30_000 }
    );

    await nudge.getByTestId('lws-scale-to-zero').click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Scale back to 1');
    await dialog.getByRole('button', { name: 'Scale to 0' }).click();
    await expect.poll(() => lwsField('.spec.replicas')).toBe('0');
    expect(lwsField(ANNOTATION)).toBe('1');

    // The annotation, not the page's memory, offers the way back.
    await page.reload();
    // The layout restorer may already have the sidebar open; its tab would close it.
    if (!(await page.locator('#jp-lws-sidebar').isVisible())) {
      await lws.openSidebar();
    }
    await deployments.open(NAME);
    const back = page.getByTestId('lws-scale-back');
    await expect(back).toHaveText('Scale back to 1', { timeout: 30_000 });
    await back.click();
    await expect.poll(() => lwsField('.spec.replicas')).toBe('1');
    expect(lwsField(ANNOTATION)).toBe('');
    await expect(back).toHaveCount(0);
  });
});
