/**
 * A Ready one-pod vLLM deployment whose leader Service points at a port on this machine, for
 * the specs that serve a recorded /metrics page there (metrics.spec.ts, idle.spec.ts).
 */
import { readFileSync } from 'fs';
import { createServer } from 'http';
import type { AddressInfo } from 'net';
import { join } from 'path';

import { applyManifest } from './cluster';
import { LWS, NAME_LABEL, remove } from './fixtures';

export { LWS };

/** The recorded vLLM 0.7 page (src/model/__tests__/fixtures/metrics/SOURCES.md). */
export const RECORDED_VLLM_PAGE = readFileSync(
  join(
    __dirname,
    '..',
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

/** Applies the deployment `name` (1 GPU) and its leader Service on `port`, as the admin. */
export function deployMetricsFixture(name: string, port: number): void {
  const labels = {
    'app.kubernetes.io/name': 'vllm',
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/managed-by': 'jupyterlab-lws'
  };
  applyManifest({
    apiVersion: 'leaderworkerset.x-k8s.io/v1',
    kind: 'LeaderWorkerSet',
    metadata: { name, labels },
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
    metadata: { name: `${name}-leader`, labels },
    spec: {
      selector: {
        [NAME_LABEL]: name,
        'leaderworkerset.sigs.k8s.io/worker-index': '0'
      },
      ports: [{ name: 'http', port, targetPort: 8080 }]
    }
  });
}

/** Deletes the deployment `name` and its Service, and waits until its pods are gone. */
export function removeMetricsFixture(name: string): void {
  remove(name);
}

/** A running metrics fixture: the deployment and the server of its `/metrics` page. */
export interface IMetricsFixture {
  /** Removes the deployment and stops the server. */
  close(): Promise<void>;
}

/**
 * Serves `page()` (asked again on every read) as `/metrics` on a free port of this machine and
 * deploys `name` with its leader Service on that port, as it would be after a fresh start.
 */
export async function serveMetricsFixture(
  name: string,
  page: () => string
): Promise<IMetricsFixture> {
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    const text = page();
    response.writeHead(200, {
      'Content-Type': 'text/plain; version=0.0.4; charset=utf-8'
    });
    response.end(text);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  removeMetricsFixture(name);
  deployMetricsFixture(name, (server.address() as AddressInfo).port);
  return {
    close: async () => {
      removeMetricsFixture(name);
      await new Promise(resolve => server.close(resolve));
    }
  };
}
