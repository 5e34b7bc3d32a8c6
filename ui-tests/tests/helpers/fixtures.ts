/**
 * Fixture deployments written with kubectl as the admin, shared by the specs: a vLLM
 * LeaderWorkerSet in the guide's Ray style, its pods driven by kwok's stages
 * (scripts/cluster/manifests/stages.yaml), its logs served by kwok's Logs objects, and their
 * removal. (sidebar-deployments.spec.ts builds richer deployments with more switches.)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import {
  applyManifest,
  deleteObjects,
  kubectl,
  userNamespace
} from './cluster';

/** The LeaderWorkerSet resource, as kubectl names it. */
export const LWS = 'leaderworkersets.leaderworkerset.x-k8s.io';
/** The label LWS puts on every pod of a deployment. */
export const NAME_LABEL = 'leaderworkerset.sigs.k8s.io/name';
const LOG_DIR = join(tmpdir(), 'jupyterlab-lws-ui-logs');

/** The diagnosis corpus: real transcripts the UI tests serve as pod logs. */
export const CORPUS = join(
  __dirname,
  '..',
  '..',
  '..',
  'src',
  'model',
  '__tests__',
  'corpus'
);

/** The kwok stage a pod takes (absent: Ready). */
export const SIM_STATE = 'sim.jupyterlab-lws.io/state';

/** What a fixture deployment looks like. */
export interface IFixture {
  name: string;
  model?: string;
  /** Made by the extension: our labels and an API Service `<name>-leader`. */
  managed?: boolean;
  /** Pod template annotations (kwok simulation switches). */
  podAnnotations?: Record<string, string>;
}

/** Applies a two-pod (leader + worker) deployment of one group. */
export function deploy(fixture: IFixture): void {
  const { name } = fixture;
  const model = fixture.model ?? 'meta-llama/Llama-3.1-8B-Instruct';
  const labels = fixture.managed
    ? {
        'app.kubernetes.io/name': 'vllm',
        'app.kubernetes.io/instance': name,
        'app.kubernetes.io/managed-by': 'jupyterlab-lws'
      }
    : {};
  const pod = (role: 'leader' | 'worker', command: string) => ({
    metadata: {
      annotations: {
        'sidecar.istio.io/inject': 'false',
        ...fixture.podAnnotations
      }
    },
    spec: {
      containers: [
        {
          name: `vllm-${role}`,
          image: 'vllm/vllm-openai:v0.10.2',
          command: ['sh', '-c', command],
          env: [{ name: 'HF_HOME', value: '/models' }],
          resources: { limits: { 'nvidia.com/gpu': '1' } },
          ...(role === 'leader' ? { ports: [{ containerPort: 8080 }] } : {})
        }
      ]
    }
  });
  applyManifest({
    apiVersion: 'leaderworkerset.x-k8s.io/v1',
    kind: 'LeaderWorkerSet',
    metadata: { name, labels },
    spec: {
      replicas: 1,
      leaderWorkerTemplate: {
        size: 2,
        restartPolicy: 'RecreateGroupOnPodRestart',
        leaderTemplate: pod(
          'leader',
          `ray start --head; python3 -m vllm.entrypoints.openai.api_server --port 8080 --model ${model} --tensor-parallel-size 1 --pipeline_parallel_size 2`
        ),
        workerTemplate: pod(
          'worker',
          'ray start --address=$(LWS_LEADER_ADDRESS):6379 --block'
        )
      }
    }
  });
  if (fixture.managed) {
    applyManifest({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `${name}-leader`, labels },
      spec: {
        selector: {
          [NAME_LABEL]: name,
          'leaderworkerset.sigs.k8s.io/worker-index': '0'
        },
        ports: [{ name: 'http', port: 8080, targetPort: 8080 }]
      }
    });
  }
}

/** Removes fixture deployments, their Services and Logs objects, and waits for their pods. */
export function remove(...names: string[]): void {
  deleteObjects(LWS, names);
  deleteObjects(
    'services',
    names.map(name => `${name}-leader`)
  );
  deleteObjects(
    'logs.kwok.x-k8s.io',
    names.flatMap(name => [`${name}-0`, `${name}-0-1`])
  );
  for (const name of names) {
    kubectl([
      'wait',
      '--for=delete',
      'pod',
      '-l',
      `${NAME_LABEL}=${name}`,
      '-n',
      userNamespace,
      '--timeout=60s'
    ]);
  }
}

/** A real transcript of the diagnosis corpus as log lines, without its `# ` header. */
export function corpusTranscript(file: string): string[] {
  return readFileSync(join(CORPUS, file), 'utf-8')
    .split('\n')
    .filter(line => !line.startsWith('# '));
}

/** Lines in the CRI log format the kubelet stores and kwok's Logs objects read. */
export function criLines(lines: string[]): string {
  const at = new Date().toISOString().replace('Z', '000000Z');
  return lines.map(line => `${at} stdout F ${line}\n`).join('');
}

/**
 * Makes kwok serve `lines` (followed, so lines appended later stream too) as the log of a
 * pod's container; returns the file.
 */
export function serveLog(
  pod: string,
  container: string,
  lines: string[]
): string {
  mkdirSync(LOG_DIR, { recursive: true });
  const file = join(LOG_DIR, `${pod}.log`);
  writeFileSync(file, criLines(lines));
  applyManifest({
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Logs',
    metadata: { name: pod },
    spec: { logs: [{ containers: [container], logsFile: file, follow: true }] }
  });
  return file;
}
