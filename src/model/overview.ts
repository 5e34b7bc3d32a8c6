// One row of the deployment list: what describeLws and deploymentStatus say, plus the events
// that belong to the deployment, the GPUs its pods hold and its age. Pure: `now` is passed in.

import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import type { IDeploymentSummary } from './describe';
import { describeLws } from './describe';
import type {
  IDiagnosisEvent,
  IDiagnosisSpec,
  IDiagnosisToken
} from './diagnose';
import { age, eventTime, isAboutCurrentPod, toMillis } from './events';
import type { ILeaderWorkerSet } from './lws';
import { LWS_LABELS } from './lws';
import type { IDeploymentStatus } from './status';
import { deploymentStatus, podSummary } from './status';

/** What the list shows about one deployment. */
export interface IDeploymentOverview {
  name: string;
  summary: IDeploymentSummary;
  status: IDeploymentStatus;
  /** GPUs held by its pods that are placed on a node and not finished. */
  gpusInUse: number;
  /** kubectl-style age: 45s, 12m, 3h, 2d. */
  age: string;
  /** Its pods, by name. */
  pods: V1Pod[];
  /** Events about the LWS, its pods and StatefulSets, newest first. */
  events: CoreV1Event[];
}

/** The overview of one LeaderWorkerSet at time `now`. */
export function deploymentOverview(
  lws: ILeaderWorkerSet,
  allPods: readonly V1Pod[],
  allEvents: readonly CoreV1Event[],
  now: Date
): IDeploymentOverview {
  const name = lws.metadata?.name ?? '';
  const pods = allPods
    .filter(pod => pod.metadata?.labels?.[LWS_LABELS.name] === name)
    .sort((a, b) =>
      (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '')
    );
  const events = deploymentEvents(name, pods, allEvents, {
    uid: lws.metadata?.uid,
    created: toMillis(lws.metadata?.creationTimestamp)
  });
  return {
    name,
    summary: describeLws(lws),
    status: deploymentStatus(lws, pods, events, now),
    gpusInUse: gpusInUse(pods),
    age: age(lws.metadata?.creationTimestamp, now),
    pods,
    events
  };
}

/**
 * The events of a deployment, newest first: about the LWS itself, its StatefulSets
 * (`<name>`, `<name>-<group>`) and its pods (`<name>-<group>`, `<name>-<group>-<worker>`).
 * With the LWS's `uid` and creation time, those of an earlier LWS of the same name (deleted
 * and made again: same object names) are left out.
 */
export function deploymentEvents(
  name: string,
  pods: readonly V1Pod[],
  events: readonly CoreV1Event[],
  owner: { uid?: string; created?: number } = {}
): CoreV1Event[] {
  const podNames = new Set(pods.map(pod => pod.metadata?.name));
  const ownName = new RegExp(`^${escapeRegExp(name)}(-\\d+){0,2}$`);
  return events
    .filter(event => {
      const object = event.involvedObject;
      const objectName = object?.name ?? '';
      if (owner.created !== undefined && eventTime(event) < owner.created) {
        return false;
      }
      switch (object?.kind) {
        case 'LeaderWorkerSet':
          return (
            objectName === name &&
            (!owner.uid || !object?.uid || object.uid === owner.uid)
          );
        case 'Service':
          return objectName === name;
        case 'Pod':
          return podNames.has(objectName) || ownName.test(objectName);
        case 'StatefulSet':
          return ownName.test(objectName);
        default:
          return false;
      }
    })
    .sort((a, b) => eventTime(b) - eventTime(a));
}

/** GPUs that pods hold: placed on a node and neither Succeeded nor Failed. */
export function gpusInUse(pods: readonly V1Pod[]): number {
  return pods
    .map(podSummary)
    .filter(
      pod =>
        pod.node !== null && pod.phase !== 'Succeeded' && pod.phase !== 'Failed'
    )
    .reduce((sum, pod) => sum + pod.gpus, 0);
}

/** What diagnosis needs to know of a deployment to make its advice concrete. */
export function diagnosisSpec(
  lws: ILeaderWorkerSet,
  summary: IDeploymentSummary
): IDiagnosisSpec {
  const spec: IDiagnosisSpec = {
    name: summary.name,
    nodes: summary.nodes
  };
  const set = <K extends keyof IDiagnosisSpec>(
    key: K,
    value: IDiagnosisSpec[K] | undefined
  ) => {
    if (value !== undefined) {
      spec[key] = value;
    }
  };
  set('namespace', summary.namespace ?? lws.metadata?.namespace);
  set('serviceName', summary.serviceName);
  set('hfTokenSecret', summary.spec?.hfTokenSecret);
  set('model', summary.model);
  // Made by hand: fixes name its own token Secret and variable, not the form's fields.
  if (!summary.managed && summary.spec === undefined) {
    spec.madeByForm = false;
    set('token', tokenSource(lws));
  }
  set('engine', summary.engine);
  set('gpusPerNode', summary.gpusPerNode);
  set('tensorParallel', summary.tensorParallel);
  set('pipelineParallel', summary.pipelineParallel);
  const template = lws.spec?.leaderWorkerTemplate;
  const asksRdma = [template?.leaderTemplate, template?.workerTemplate].some(
    t =>
      t?.spec?.containers?.some(container =>
        Object.keys(container.resources?.limits ?? {}).some(resource =>
          resource.startsWith('rdma/')
        )
      ) ?? false
  );
  set('rdma', summary.spec?.rdma ?? (asksRdma ? true : undefined));
  return spec;
}

/** Variables huggingface_hub reads its token from, in its order of preference. */
const TOKEN_VARIABLES = ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN'];

/** Where the containers of an LWS read their Hugging Face token from, if anywhere. */
export function tokenSource(
  lws: ILeaderWorkerSet
): IDiagnosisToken | undefined {
  const template = lws.spec?.leaderWorkerTemplate;
  const variables = [template?.leaderTemplate, template?.workerTemplate]
    .flatMap(t => t?.spec?.containers ?? [])
    .flatMap(container => container.env ?? []);
  for (const name of TOKEN_VARIABLES) {
    const variable = variables.find(candidate => candidate.name === name);
    const ref = variable?.valueFrom?.secretKeyRef;
    if (ref?.name) {
      return { variable: name, secret: { name: ref.name, key: ref.key } };
    }
    if (variable?.value !== undefined) {
      return { variable: name, literal: true };
    }
  }
  return undefined;
}

/**
 * The events that can still explain why a deployment is not serving: warnings only, about
 * pods that are not ready, from their current incarnation (LWS reuses pod names), and no
 * scheduling failure of a pod that has found its node since.
 */
export function diagnosisEvents(overview: IDeploymentOverview): CoreV1Event[] {
  const pods = new Map(
    overview.pods.map(pod => [pod.metadata?.name ?? '', pod] as const)
  );
  return overview.events.filter(event => {
    if (event.type !== 'Warning') {
      return false;
    }
    if (event.involvedObject?.kind !== 'Pod') {
      return true;
    }
    const pod = pods.get(event.involvedObject.name ?? '');
    if (!pod) {
      return false;
    }
    const summary = podSummary(pod);
    if (summary.ready) {
      return false;
    }
    if (event.reason === 'FailedScheduling' && summary.node !== null) {
      return false;
    }
    return isAboutCurrentPod(event, toMillis(pod.metadata?.creationTimestamp));
  });
}

/**
 * What the pods' container statuses say that no event does, as event-like evidence lines:
 * the last exit of a container (OOMKilled, exit code 137) and why one waits. The kubelet
 * records an OOM kill only in the container status.
 */
export function podStatusEvidence(
  overview: IDeploymentOverview
): IDiagnosisEvent[] {
  const evidence: IDiagnosisEvent[] = [];
  for (const pod of overview.pods) {
    const podName = pod.metadata?.name ?? '';
    if (podSummary(pod).ready) {
      continue;
    }
    const involvedObject = { kind: 'Pod', name: podName };
    for (const status of pod.status?.containerStatuses ?? []) {
      const terminated =
        status.state?.terminated ?? status.lastState?.terminated;
      if (terminated?.reason) {
        evidence.push({
          reason: 'Terminated',
          type: 'Warning',
          involvedObject,
          message: `container ${status.name} of pod ${podName} exited: ${terminated.reason} (exit code ${terminated.exitCode})`
        });
      }
      const waiting = status.state?.waiting;
      if (waiting?.reason && waiting.reason !== 'ContainerCreating') {
        evidence.push({
          reason: waiting.reason,
          type: 'Warning',
          involvedObject,
          message:
            waiting.message ?? `container ${status.name} of pod ${podName}`
        });
      }
    }
  }
  return evidence;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
