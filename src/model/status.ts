import type {
  CoreV1Event,
  V1Container,
  V1ContainerStatus,
  V1Pod,
  V1PodTemplateSpec
} from '@kubernetes/client-node';
import {
  duration,
  eventTime,
  isAboutCurrentPod,
  toIso,
  toMillis
} from './events';
import type { ILeaderWorkerSet } from './lws';
import { LWS_LABELS } from './lws';

/** One state of a deployment, in the order a healthy start-up walks through them. */
export type DeploymentState =
  | 'Pending'
  | 'Scheduling'
  | 'PullingImage'
  | 'Loading'
  | 'Ready'
  | 'Degraded'
  | 'Failed'
  | 'Deleting';

/** Whether a pod leads its group (worker index 0) or follows. */
export type PodRole = 'leader' | 'worker';

/** What the UI shows about one pod of a LeaderWorkerSet. */
export interface IPodSummary {
  name: string;
  role: PodRole;
  groupIndex: number;
  workerIndex: number;
  node: string | null;
  phase: string;
  ready: boolean;
  restarts: number;
  waitingReason?: string;
  terminatedReason?: string;
  gpus: number;
  startedAt?: string;
}

/** One LWS group (replica): its leader and workers. */
export interface IGroupStatus {
  index: number;
  leader: IPodSummary | null;
  workers: IPodSummary[];
  ready: boolean;
}

/** The whole deployment as one state with a plain-words reason. */
export interface IDeploymentStatus {
  state: DeploymentState;
  reason: string;
  readyReplicas: number;
  replicas: number;
  groups: IGroupStatus[];
  gpus: { requested: number; perPod: number };
  restarts: number;
}

const GPU_RESOURCE = 'nvidia.com/gpu';

// Waiting reasons after which the kubelet only retries with back-off: the pod will not get
// further without a change, so the deployment counts as failed (ordered by how telling they are).
const FAILED_WAITING_REASONS = [
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'CrashLoopBackOff'
];

const IMAGE_PULL_FAILURES = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName'
]);

// How far a not-ready pod or group has come; the deployment is as far as its slowest group,
// and a failure is the furthest behind of all.
const PROGRESS_RANK: Record<Verdict['state'], number> = {
  Failed: -1,
  Pending: 0,
  Scheduling: 1,
  PullingImage: 2,
  Starting: 3,
  Loading: 4
};

/** Summarises one LWS pod: role, group, node, container state, restarts and GPUs. */
export function podSummary(pod: V1Pod): IPodSummary {
  const labels = pod.metadata?.labels ?? {};
  const name = pod.metadata?.name ?? '';
  const fromName = indexesFromName(name, labels[LWS_LABELS.name]);
  const groupIndex =
    parseIndex(labels[LWS_LABELS.groupIndex]) ?? fromName.group;
  const workerIndex =
    parseIndex(labels[LWS_LABELS.workerIndex]) ?? fromName.worker;
  const statuses = [
    ...(pod.status?.initContainerStatuses ?? []).filter(
      status => !status.state?.terminated
    ),
    ...(pod.status?.containerStatuses ?? [])
  ];
  const main = pod.status?.containerStatuses?.[0];
  const summary: IPodSummary = {
    name,
    role: workerIndex === 0 ? 'leader' : 'worker',
    groupIndex,
    workerIndex,
    node: pod.spec?.nodeName ?? null,
    phase: pod.status?.phase ?? 'Pending',
    ready: isPodReady(pod),
    restarts: (pod.status?.containerStatuses ?? []).reduce(
      (sum, status) => sum + (status.restartCount ?? 0),
      0
    ),
    gpus: gpusOf(pod.spec?.containers ?? [])
  };
  const waitingReason = worstWaitingReason(statuses);
  if (waitingReason) {
    summary.waitingReason = waitingReason;
  }
  const terminatedReason = lastTerminatedReason(statuses);
  if (terminatedReason) {
    summary.terminatedReason = terminatedReason;
  }
  const startedAt = toIso(main?.state?.running?.startedAt);
  if (startedAt) {
    summary.startedAt = startedAt;
  }
  return summary;
}

/** Derives the one state the UI shows from the LWS, its pods and their events at time `now`. */
export function deploymentStatus(
  lws: ILeaderWorkerSet | null | undefined,
  pods: V1Pod[],
  events: CoreV1Event[],
  now: Date
): IDeploymentStatus {
  const lwsName = lws?.metadata?.name;
  const ownPods = pods.filter(
    pod => !lwsName || pod.metadata?.labels?.[LWS_LABELS.name] === lwsName
  );
  const summaries = ownPods.map(podSummary);
  const size = lws?.spec?.leaderWorkerTemplate?.size ?? 1;
  const groupIndexes = new Set(summaries.map(pod => pod.groupIndex));
  const replicas = lws ? (lws.spec?.replicas ?? 1) : groupIndexes.size;
  for (let index = 0; index < replicas; index++) {
    groupIndexes.add(index);
  }
  const groups = [...groupIndexes]
    .sort((a, b) => a - b)
    .map(index => buildGroup(index, summaries, lws ? size : undefined));
  const readyGroups = groups.filter(
    group => group.ready && group.index < replicas
  ).length;
  const base = {
    // The pods are the truth the state is read from; the controller's count lags behind them
    // (it said "1/1 ready" beside a crash loop). Without pods, only the status knows.
    readyReplicas:
      ownPods.length > 0
        ? readyGroups
        : (lws?.status?.readyReplicas ?? readyGroups),
    replicas,
    groups,
    gpus: gpuRequest(lws, summaries, replicas, size),
    restarts: summaries.reduce((sum, pod) => sum + pod.restarts, 0)
  };
  return { ...base, ...overallState(lws, size, ownPods, groups, events, now) };
}

function overallState(
  lws: ILeaderWorkerSet | null | undefined,
  size: number,
  pods: V1Pod[],
  groups: IGroupStatus[],
  events: CoreV1Event[],
  now: Date
): { state: DeploymentState; reason: string } {
  if (lws?.metadata?.deletionTimestamp) {
    const left = pods.length;
    return {
      state: 'Deleting',
      reason:
        left > 0
          ? `Deleting the deployment: ${plural(left, 'pod')} still shutting down.`
          : 'Deleting the deployment.'
    };
  }
  if (!lws && pods.length === 0) {
    return {
      state: 'Pending',
      reason: 'The deployment does not exist (yet).'
    };
  }
  const replicas = lws ? (lws.spec?.replicas ?? 1) : groups.length;
  if (replicas === 0) {
    return {
      state: 'Pending',
      reason: 'Scaled to zero replicas: no pods run.'
    };
  }
  const updating = lws && conditionTrue(lws, 'UpdateInProgress');
  const rollout = updating ? ' A new version is rolling out.' : '';
  if (pods.length === 0) {
    if (
      lws &&
      conditionTrue(lws, 'Available') &&
      (lws.status?.readyReplicas ?? 0) >= replicas
    ) {
      return { state: 'Ready', reason: readyReason(replicas) + rollout };
    }
    return {
      state: 'Pending',
      reason: 'Waiting for the LeaderWorkerSet controller to create the pods.'
    };
  }
  const expected = groups.filter(group => group.index < replicas);
  const notReady = expected.filter(group => !group.ready);
  if (notReady.length === 0) {
    return { state: 'Ready', reason: readyReason(replicas) + rollout };
  }
  const verdicts = notReady.map(group => ({
    group,
    verdict: groupVerdict(group, lws ? size : undefined, pods, events, now)
  }));
  const worst = verdicts.sort(
    (a, b) => PROGRESS_RANK[a.verdict.state] - PROGRESS_RANK[b.verdict.state]
  )[0];
  const where = replicas > 1 ? `Group ${worst.group.index}: ` : '';
  const readyCount = expected.length - notReady.length;
  if (readyCount > 0) {
    return {
      state: 'Degraded',
      reason: `${readyCount} of ${replicas} groups serve. ${where}${worst.verdict.reason}${rollout}`
    };
  }
  const state: DeploymentState =
    worst.verdict.state === 'Starting'
      ? 'Pending'
      : (worst.verdict.state as DeploymentState);
  return { state, reason: `${where}${worst.verdict.reason}${rollout}` };
}

// Starting (scheduled, containers being created) is shown as Pending.
type Verdict = {
  state:
    | 'Failed'
    | 'Pending'
    | 'Scheduling'
    | 'PullingImage'
    | 'Starting'
    | 'Loading';
  reason: string;
};

// Why one group is not ready: a failing pod decides; otherwise the pod that is furthest behind.
function groupVerdict(
  group: IGroupStatus,
  size: number | undefined,
  pods: V1Pod[],
  events: CoreV1Event[],
  now: Date
): Verdict {
  const members = [group.leader, ...group.workers].filter(
    (pod): pod is IPodSummary => pod !== null
  );
  const verdicts = members
    .map(summary => {
      const pod = pods.find(
        candidate => candidate.metadata?.name === summary.name
      );
      return podVerdict(summary, pod, events, now);
    })
    .filter((verdict): verdict is Verdict => verdict !== null);
  const failed = verdicts.find(verdict => verdict.state === 'Failed');
  if (failed) {
    return failed;
  }
  if (!group.leader) {
    verdicts.push({
      state: 'Pending',
      reason: 'Waiting for the leader pod to be created.'
    });
  }
  const missing = size === undefined ? 0 : size - 1 - group.workers.length;
  if (missing > 0) {
    verdicts.push({
      state: 'Pending',
      reason: `Waiting for ${plural(missing, 'worker pod')} to be created.`
    });
  }
  const behind = verdicts.sort(
    (a, b) => PROGRESS_RANK[a.state] - PROGRESS_RANK[b.state]
  )[0];
  return (
    behind ?? {
      state: 'Loading',
      reason: 'Waiting for all pods of the group to report ready.'
    }
  );
}

function podVerdict(
  summary: IPodSummary,
  pod: V1Pod | undefined,
  events: CoreV1Event[],
  now: Date
): Verdict | null {
  const created = toMillis(pod?.metadata?.creationTimestamp);
  const own = eventsOf(summary.name, created, events);
  const who = `Pod ${summary.name}`;
  if (pod?.metadata?.deletionTimestamp) {
    return {
      state: 'Pending',
      reason: `${who} is being replaced (the group restarts).`
    };
  }
  const waiting = summary.waitingReason;
  if (waiting && IMAGE_PULL_FAILURES.has(waiting)) {
    const detail = latestMessage(own, 'Failed', /pull/i);
    return {
      state: 'Failed',
      reason: `${who} cannot download its container image (${waiting})${detail ? `: ${detail}` : '.'}`
    };
  }
  if (waiting === 'CrashLoopBackOff') {
    const last = summary.terminatedReason
      ? ` The last exit was ${summary.terminatedReason}.`
      : '';
    return {
      state: 'Failed',
      reason: `${who} keeps crashing (${plural(summary.restarts, 'restart')}).${last} Its log shows why.`
    };
  }
  if (waiting && FAILED_WAITING_REASONS.includes(waiting)) {
    const message = waitingMessage(pod);
    return {
      state: 'Failed',
      reason: `${who} cannot start its container (${waiting})${message ? `: ${message}` : '.'}`
    };
  }
  if (summary.phase === 'Failed' || summary.phase === 'Succeeded') {
    return {
      state: 'Failed',
      reason: `${who} stopped (${summary.phase}${summary.terminatedReason ? `, ${summary.terminatedReason}` : ''}).`
    };
  }
  const scheduled = pod?.status?.conditions?.find(
    condition => condition.type === 'PodScheduled'
  );
  if (!summary.node || scheduled?.status === 'False') {
    const message =
      scheduled?.message ?? latestMessage(own, 'FailedScheduling');
    const waited = since(created, now);
    return {
      state: 'Scheduling',
      reason: message
        ? `${who} waits for a node with enough free resources${waited}: ${message}`
        : `${who} waits to be placed on a node${waited}.`
    };
  }
  if (summary.phase === 'Pending') {
    const pulling = latestEvent(own, 'Pulling');
    const pulled = latestEvent(own, 'Pulled');
    if (pulling && (!pulled || eventTime(pulled) < eventTime(pulling))) {
      const image = /image "([^"]+)"/.exec(pulling.message ?? '')?.[1];
      return {
        state: 'PullingImage',
        reason: `${who} is downloading ${image ? `the image ${image}` : 'its image'}${since(eventTime(pulling), now)}.`
      };
    }
    const mountProblem = latestMessage(own, 'FailedMount');
    return {
      state: 'Starting',
      reason: mountProblem
        ? `${who} waits for its volumes: ${mountProblem}`
        : `${who} is starting its containers.`
    };
  }
  if (summary.ready) {
    return null;
  }
  const restarted =
    summary.restarts > 0
      ? ` It restarted ${plural(summary.restarts, 'time')}${summary.terminatedReason ? ` (last: ${summary.terminatedReason})` : ''}.`
      : '';
  return {
    state: 'Loading',
    reason: `${who} runs but is not ready yet: the engine is loading the model${since(toMillis(summary.startedAt), now)}.${restarted}`
  };
}

function buildGroup(
  index: number,
  summaries: IPodSummary[],
  size: number | undefined
): IGroupStatus {
  const members = summaries.filter(pod => pod.groupIndex === index);
  const leader = members.find(pod => pod.role === 'leader') ?? null;
  const workers = members
    .filter(pod => pod.role === 'worker')
    .sort((a, b) => a.workerIndex - b.workerIndex);
  const complete =
    size === undefined ? true : workers.length >= Math.max(size - 1, 0);
  return {
    index,
    leader,
    workers,
    ready:
      leader !== null &&
      leader.ready &&
      complete &&
      workers.every(worker => worker.ready)
  };
}

function gpuRequest(
  lws: ILeaderWorkerSet | null | undefined,
  summaries: IPodSummary[],
  replicas: number,
  size: number
): { requested: number; perPod: number } {
  const template = lws?.spec?.leaderWorkerTemplate;
  if (template?.workerTemplate || template?.leaderTemplate) {
    const worker = templateGpus(template.workerTemplate);
    const leader = template.leaderTemplate
      ? templateGpus(template.leaderTemplate)
      : worker;
    return {
      requested: replicas * (leader + (size - 1) * worker),
      perPod: Math.max(leader, worker)
    };
  }
  return {
    requested: summaries.reduce((sum, pod) => sum + pod.gpus, 0),
    perPod: summaries.reduce((most, pod) => Math.max(most, pod.gpus), 0)
  };
}

function templateGpus(template: V1PodTemplateSpec | undefined): number {
  return gpusOf(template?.spec?.containers ?? []);
}

function gpusOf(containers: V1Container[]): number {
  return containers.reduce((sum, container) => {
    const resources = container.resources;
    const quantity =
      resources?.limits?.[GPU_RESOURCE] ?? resources?.requests?.[GPU_RESOURCE];
    const count = Number.parseInt(String(quantity ?? '0'), 10);
    return sum + (Number.isNaN(count) ? 0 : count);
  }, 0);
}

function isPodReady(pod: V1Pod): boolean {
  const ready = pod.status?.conditions?.find(
    condition => condition.type === 'Ready'
  );
  if (ready) {
    return ready.status === 'True';
  }
  const statuses = pod.status?.containerStatuses ?? [];
  return statuses.length > 0 && statuses.every(status => status.ready);
}

function worstWaitingReason(statuses: V1ContainerStatus[]): string | undefined {
  const reasons = statuses
    .map(status => status.state?.waiting?.reason)
    .filter((reason): reason is string => Boolean(reason));
  return (
    FAILED_WAITING_REASONS.find(reason => reasons.includes(reason)) ??
    reasons[0]
  );
}

function lastTerminatedReason(
  statuses: V1ContainerStatus[]
): string | undefined {
  for (const status of statuses) {
    const reason =
      status.state?.terminated?.reason ?? status.lastState?.terminated?.reason;
    if (reason) {
      return reason;
    }
  }
  return undefined;
}

function waitingMessage(pod: V1Pod | undefined): string | undefined {
  return (pod?.status?.containerStatuses ?? [])
    .map(status => status.state?.waiting?.message)
    .find(message => Boolean(message));
}

function conditionTrue(
  lws: ILeaderWorkerSet,
  type: 'Available' | 'Progressing' | 'UpdateInProgress'
): boolean {
  return (lws.status?.conditions ?? []).some(
    condition => condition.type === type && condition.status === 'True'
  );
}

function readyReason(replicas: number): string {
  return replicas === 1
    ? 'The model is served.'
    : `All ${replicas} groups serve the model.`;
}

// LWS reuses pod names when it recreates a group, so events of an earlier pod with the
// same name must not describe the current one.
function eventsOf(
  podName: string,
  podCreated: number | undefined,
  events: CoreV1Event[]
): CoreV1Event[] {
  return events.filter(event => {
    const object = event.involvedObject;
    if (object?.name !== podName || (object.kind && object.kind !== 'Pod')) {
      return false;
    }
    return isAboutCurrentPod(event, podCreated);
  });
}

function latestEvent(
  events: CoreV1Event[],
  reason: string,
  about?: RegExp
): CoreV1Event | undefined {
  return events
    .filter(
      event =>
        event.reason === reason && (!about || about.test(event.message ?? ''))
    )
    .sort((a, b) => eventTime(b) - eventTime(a))[0];
}

function latestMessage(
  events: CoreV1Event[],
  reason: string,
  about?: RegExp
): string | undefined {
  return latestEvent(events, reason, about)?.message;
}

function indexesFromName(
  name: string,
  lwsName: string | undefined
): { group: number; worker: number } {
  const suffix =
    lwsName && name.startsWith(`${lwsName}-`)
      ? name.slice(lwsName.length + 1)
      : '';
  const match = /^(\d+)(?:-(\d+))?$/.exec(suffix);
  return {
    group: match ? Number(match[1]) : 0,
    worker: match?.[2] ? Number(match[2]) : 0
  };
}

function parseIndex(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) {
    return undefined;
  }
  return Number(value);
}

function since(start: number | undefined, now: Date): string {
  if (start === undefined) {
    return '';
  }
  const seconds = Math.max(0, Math.round((now.getTime() - start) / 1000));
  return ` for ${duration(seconds)}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
