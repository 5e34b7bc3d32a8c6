// Objects as the API server returns them through the proxy (plain JSON, timestamps as
// strings), for the tests of the deployment list, detail and actions.

import { readFileSync } from 'fs';
import { join } from 'path';

import type { CoreV1Event, V1Pod, V1Service } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

import type { ILeaderWorkerSet } from '../lws';
import { LWS_LABELS } from '../lws';
import { buildManifests } from '../manifests';
import type { IDeploymentSpec } from '../spec';

export const NAMESPACE = 'project-user-alice';
export const CREATED = '2025-12-24T16:00:00Z';
export const NOW = new Date('2025-12-24T16:10:00Z');

/** A deployment as the extension builds it, as stored (namespace, uid, resourceVersion). */
export function managedDeployment(spec: Partial<IDeploymentSpec> = {}): {
  lws: ILeaderWorkerSet;
  service: V1Service;
} {
  const manifests = buildManifests(
    {
      name: 'llama',
      engine: 'vllm',
      model: 'meta-llama/Llama-3.3-70B-Instruct',
      nodes: 2,
      gpusPerNode: 4,
      ncclDebug: 'INFO',
      ...spec
    } as IDeploymentSpec,
    { namespace: NAMESPACE }
  );
  const lws = stored(manifests.leaderWorkerSet);
  const service = stored(manifests.service);
  return { lws, service };
}

/** The guide's hand-written vLLM example (LWS and Service), as stored. */
export function guideDeployment(): {
  lws: ILeaderWorkerSet;
  service: V1Service;
} {
  const text = readFileSync(
    join(__dirname, 'fixtures', 'guide-vllm-70b.manifests.yaml'),
    'utf8'
  );
  const [lws, service] = parseAllDocuments(text).map((document: any) =>
    stored(document.toJS())
  );
  return { lws, service };
}

/** The headless Service LeaderWorkerSet creates with the LWS's own name. */
export function headlessService(lws: ILeaderWorkerSet): V1Service {
  const name = lws.metadata.name ?? '';
  return stored({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      ownerReferences: [
        {
          apiVersion: 'leaderworkerset.x-k8s.io/v1',
          kind: 'LeaderWorkerSet',
          name,
          uid: 'lws-uid'
        }
      ]
    },
    spec: {
      clusterIP: 'None',
      selector: { [LWS_LABELS.name]: name },
      publishNotReadyAddresses: true
    }
  });
}

/** Options of {@link lwsPod}. */
export interface IPodOptions {
  ready?: boolean;
  node?: string | null;
  gpus?: number;
  restarts?: number;
  waiting?: string;
  terminated?: string;
  created?: string;
  uid?: string;
  labels?: Record<string, string>;
}

/** A pod of `lws` as LWS makes it: named, labelled, with the template's GPUs. */
export function lwsPod(
  lws: string,
  group: number,
  worker: number,
  options: IPodOptions = {}
): V1Pod {
  const name = worker === 0 ? `${lws}-${group}` : `${lws}-${group}-${worker}`;
  const ready = options.ready ?? true;
  const node =
    options.node === undefined
      ? `gpu-node-${group * 2 + worker + 1}`
      : options.node;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: NAMESPACE,
      uid: options.uid ?? `${name}-uid`,
      creationTimestamp: (options.created ?? CREATED) as any,
      labels: {
        [LWS_LABELS.name]: lws,
        [LWS_LABELS.groupIndex]: String(group),
        [LWS_LABELS.workerIndex]: String(worker),
        ...options.labels
      }
    },
    spec: {
      nodeName: node ?? undefined,
      containers: [
        {
          name: worker === 0 ? 'vllm-leader' : 'vllm-worker',
          image: 'vllm/vllm-openai:v0.10.2',
          resources: { limits: { 'nvidia.com/gpu': String(options.gpus ?? 4) } }
        }
      ]
    },
    status: {
      phase: node ? 'Running' : 'Pending',
      conditions: [
        { type: 'PodScheduled', status: node ? 'True' : 'False' },
        { type: 'Ready', status: ready ? 'True' : 'False' }
      ],
      containerStatuses: node
        ? [
            {
              name: worker === 0 ? 'vllm-leader' : 'vllm-worker',
              image: 'vllm/vllm-openai:v0.10.2',
              imageID: '',
              ready,
              restartCount: options.restarts ?? 0,
              state: options.waiting
                ? { waiting: { reason: options.waiting } }
                : { running: { startedAt: CREATED as any } },
              lastState: options.terminated
                ? {
                    terminated: {
                      reason: options.terminated,
                      exitCode: 1
                    } as any
                  }
                : {}
            }
          ]
        : []
    }
  };
}

/** An event about an object of the namespace. */
export function event(
  kind: string,
  name: string,
  reason: string,
  message: string,
  options: { type?: string; at?: string; uid?: string } = {}
): CoreV1Event {
  return {
    metadata: {
      name: `${name}.${reason}`,
      uid: options.uid ?? `${name}-${reason}`
    },
    involvedObject: { kind, name, namespace: NAMESPACE },
    reason,
    message,
    type: options.type ?? 'Warning',
    lastTimestamp: (options.at ?? '2025-12-24T16:05:00Z') as any
  };
}

function stored<T>(object: T): T {
  const copy: any = JSON.parse(JSON.stringify(object));
  copy.metadata = {
    namespace: NAMESPACE,
    uid: `${copy.metadata.name}-uid`,
    resourceVersion: '1000',
    creationTimestamp: CREATED,
    ...copy.metadata
  };
  return copy;
}
