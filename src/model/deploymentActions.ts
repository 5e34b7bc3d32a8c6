// What the sidebar's actions change, as plain data: the patches and the lists of objects a
// user confirms before anything is sent. The widgets only ask and send.

import type {
  V1Container,
  V1Pod,
  V1PodTemplateSpec,
  V1Service
} from '@kubernetes/client-node';
import { isOurs, leaderServices } from './endpoint';
import type { ILeaderWorkerSet } from './lws';
import { LWS_LABELS } from './lws';
import { SPEC_ANNOTATION } from './manifests';

/** The environment variable the guide asks to remove once a deployment is healthy. */
export const NCCL_DEBUG = 'NCCL_DEBUG';

/** LWS accepts 0 to 1e6 groups (its CRD's validation). */
const MAX_REPLICAS = 1_000_000;

/** Why a replica count cannot be used, or null when it can. */
export function replicasProblem(value: number): string | null {
  if (!Number.isInteger(value)) {
    return 'The number of replicas must be a whole number.';
  }
  if (value < 0 || value > MAX_REPLICAS) {
    return `The number of replicas must be between 0 and ${MAX_REPLICAS}.`;
  }
  return null;
}

/** The merge patch that sets the number of groups. */
export function scalePatch(replicas: number): {
  spec: { replicas: number };
} {
  return { spec: { replicas } };
}

/** The NCCL_DEBUG level the pod templates set, or null when they do not set it. */
export function ncclDebugLevel(lws: ILeaderWorkerSet): string | null {
  for (const template of templates(lws)) {
    for (const container of template.spec?.containers ?? []) {
      const variable = container.env?.find(env => env.name === NCCL_DEBUG);
      if (variable) {
        return variable.value ?? 'set';
      }
    }
  }
  return null;
}

/** One operation of a JSON Patch (RFC 6902). */
export interface IJsonPatchOperation {
  op: 'test' | 'remove' | 'replace' | 'add';
  path: string;
  value?: unknown;
}

/**
 * The JSON Patch that removes NCCL_DEBUG from the leader and worker templates, or null when
 * they do not set it.
 *
 * #### Notes
 * Each removal is preceded by a `test` that the entry is still NCCL_DEBUG, so the API server
 * refuses the whole patch (422) if someone changed the templates since we read them, while
 * the controller's status updates do not get in the way (a merge patch would have to replace
 * the container lists whole, LeaderWorkerSets being custom resources, and guard them with a
 * resourceVersion that every status update changes). The spec annotation is updated too, so
 * the deployment reads back without NCCL debug. Changing the templates rolls every group.
 */
export function ncclDebugOffPatch(
  lws: ILeaderWorkerSet
): IJsonPatchOperation[] | null {
  const operations: IJsonPatchOperation[] = [];
  const template = lws.spec?.leaderWorkerTemplate;
  for (const role of ['leaderTemplate', 'workerTemplate'] as const) {
    (template?.[role]?.spec?.containers ?? []).forEach((container, index) => {
      const env = container.env ?? [];
      // From the end, so each removal leaves the indexes of the next ones as they were.
      for (let at = env.length - 1; at >= 0; at--) {
        if (env[at].name === NCCL_DEBUG) {
          const path = `/spec/leaderWorkerTemplate/${role}/spec/containers/${index}/env/${at}`;
          operations.push(
            { op: 'test', path: `${path}/name`, value: NCCL_DEBUG },
            { op: 'remove', path }
          );
        }
      }
    });
  }
  if (operations.length === 0) {
    return null;
  }
  const annotation = lws.metadata?.annotations?.[SPEC_ANNOTATION];
  const spec = annotation ? parseObject(annotation) : null;
  if (annotation && spec && 'ncclDebug' in spec) {
    delete spec.ncclDebug;
    const path = `/metadata/annotations/${pointerSegment(SPEC_ANNOTATION)}`;
    operations.push(
      { op: 'test', path, value: annotation },
      { op: 'replace', path, value: JSON.stringify(spec) }
    );
  }
  return operations;
}

/** The pods of one group, leader first. */
export function groupPods(
  lwsName: string,
  pods: readonly V1Pod[],
  groupIndex: number
): V1Pod[] {
  return pods
    .filter(pod => {
      const labels = pod.metadata?.labels ?? {};
      return (
        labels[LWS_LABELS.name] === lwsName &&
        labels[LWS_LABELS.groupIndex] === String(groupIndex)
      );
    })
    .sort(
      (a, b) =>
        Number(a.metadata?.labels?.[LWS_LABELS.workerIndex] ?? 0) -
        Number(b.metadata?.labels?.[LWS_LABELS.workerIndex] ?? 0)
    );
}

/**
 * The pod to delete to restart a group: its leader. The worker StatefulSet of a group is
 * owned by the leader pod, so deleting the leader recreates the whole group (whatever the
 * restart policy) and the engine re-initialises NCCL from scratch.
 */
export function groupRestartTarget(
  lwsName: string,
  pods: readonly V1Pod[],
  groupIndex: number
): V1Pod | null {
  return (
    groupPods(lwsName, pods, groupIndex).find(
      pod => pod.metadata?.labels?.[LWS_LABELS.workerIndex] === '0'
    ) ?? null
  );
}

/** What deleting a deployment removes, and what it keeps, for the confirmation. */
export interface IDeletionPlan {
  /** The LeaderWorkerSet. */
  name: string;
  /** Its pods now (they go with it). */
  pods: string[];
  /** The headless Service LWS created (goes with the LWS). */
  headlessService: string | null;
  /** The API Services the extension created for it: deleted too. */
  services: string[];
  /** Services made by someone else that select its pods: kept. */
  keptServices: string[];
  /** Volume claims its pods mount: always kept (the downloaded model stays). */
  keptClaims: string[];
  /** Secrets its pods read (e.g. the HF token): kept unless the user asks otherwise. */
  keptSecrets: string[];
  /** Which other LeaderWorkerSets of the namespace read each kept Secret. */
  secretUsers: Record<string, string[]>;
}

/**
 * The objects deleting `lws` removes and keeps. `others` are the namespace's other
 * LeaderWorkerSets: a Secret they read is shared (the HF token usually is).
 */
export function deletionPlan(
  lws: ILeaderWorkerSet,
  pods: readonly V1Pod[],
  services: readonly V1Service[],
  others: readonly ILeaderWorkerSet[] = []
): IDeletionPlan {
  const name = lws.metadata?.name ?? '';
  const own = pods
    .filter(pod => pod.metadata?.labels?.[LWS_LABELS.name] === name)
    .map(pod => pod.metadata?.name ?? '')
    .sort();
  const api = leaderServices(lws, services);
  const headless = services.find(
    service =>
      service.metadata?.name === name &&
      service.metadata?.ownerReferences?.some(
        owner => owner.kind === 'LeaderWorkerSet' && owner.name === name
      )
  );
  const claims = new Set<string>();
  for (const template of templates(lws)) {
    for (const volume of template.spec?.volumes ?? []) {
      if (volume.persistentVolumeClaim?.claimName) {
        claims.add(volume.persistentVolumeClaim.claimName);
      }
    }
  }
  const secrets = secretsRead(lws);
  const secretUsers: Record<string, string[]> = {};
  for (const secret of secrets) {
    secretUsers[secret] = others
      .filter(
        other => other.metadata?.name !== name && secretsRead(other).has(secret)
      )
      .map(other => other.metadata?.name ?? '')
      .sort();
  }
  return {
    name,
    pods: own,
    headlessService: headless ? name : null,
    services: api
      .filter(service => isOurs(service, name))
      .map(service => service.metadata?.name ?? ''),
    keptServices: api
      .filter(service => !isOurs(service, name))
      .map(service => service.metadata?.name ?? ''),
    keptClaims: [...claims].sort(),
    keptSecrets: [...secrets].sort(),
    secretUsers
  };
}

/** The Secrets the pods of `lws` read: env, envFrom and volumes. */
function secretsRead(lws: ILeaderWorkerSet): Set<string> {
  const secrets = new Set<string>();
  for (const template of templates(lws)) {
    for (const volume of template.spec?.volumes ?? []) {
      if (volume.secret?.secretName) {
        secrets.add(volume.secret.secretName);
      }
    }
    for (const container of template.spec?.containers ?? []) {
      secretsOf(container).forEach(secret => secrets.add(secret));
    }
  }
  return secrets;
}

function templates(lws: ILeaderWorkerSet): V1PodTemplateSpec[] {
  const template = lws.spec?.leaderWorkerTemplate;
  return [template?.leaderTemplate, template?.workerTemplate].filter(
    (t): t is V1PodTemplateSpec => t !== undefined
  );
}

// JSON Pointer (RFC 6901): "~" and "/" inside a key are escaped.
function pointerSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function secretsOf(container: V1Container): string[] {
  return [
    ...(container.env ?? []).map(env => env.valueFrom?.secretKeyRef?.name),
    ...(container.envFrom ?? []).map(source => source.secretRef?.name)
  ].filter((name): name is string => Boolean(name));
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? value
      : null;
  } catch {
    return null;
  }
}
