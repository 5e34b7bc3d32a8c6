// A model download as the UI shows it: the download script's progress lines
// (jupyterlab_lws/jobs/download_model.py) and the Job's and pod's state, folded into one
// state with progress, rate, time left, and failures explained in plain words with their fix.
// Failure texts are data: the sidebar passes them through the translator.
/* eslint-disable jupyter/no-untranslated-string */

import type { CoreV1Event, V1Job, V1Pod } from '@kubernetes/client-node';
import { DOWNLOAD_ANNOTATIONS } from './download';

/** Every machine-readable line of the script starts with this. */
export const DOWNLOAD_LINE_PREFIX = 'LWS-DOWNLOAD ';

/** The script found the repository: what it will fetch. */
export interface IStartEvent {
  event: 'start';
  time: number;
  repo: string;
  revision: string;
  commit: string;
  files: number;
  bytes: number;
  endpoint?: string;
  client?: string;
}

/** Files and bytes on disk so far. */
export interface IProgressEvent {
  event: 'progress';
  time: number;
  files: number;
  filesTotal: number;
  bytes: number;
  bytesTotal: number;
}

/** The snapshot is complete. */
export interface IDoneEvent {
  event: 'done';
  time: number;
  repo: string;
  revision: string;
  commit: string;
  files: number;
  bytes: number;
  sizeOnDisk: number;
  path: string;
}

/** The script's last line on failure. */
export interface IErrorEvent {
  event: 'error';
  time: number;
  id: string;
  message: string;
}

/** One machine-readable line. */
export type DownloadEvent =
  IStartEvent | IProgressEvent | IDoneEvent | IErrorEvent;

/** The event of one log line, or undefined for the client's own messages and garbage. */
export function parseDownloadLine(line: string): DownloadEvent | undefined {
  const at = line.indexOf(DOWNLOAD_LINE_PREFIX);
  if (at < 0) {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(line.slice(at + DOWNLOAD_LINE_PREFIX.length));
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') {
    return undefined;
  }
  const event = value as Record<string, unknown>;
  const numbers = (...keys: string[]) =>
    keys.every(key => typeof event[key] === 'number');
  switch (event.event) {
    case 'start':
      return numbers('time', 'files', 'bytes') &&
        typeof event.commit === 'string'
        ? (event as unknown as IStartEvent)
        : undefined;
    case 'progress':
      return numbers('time', 'files', 'filesTotal', 'bytes', 'bytesTotal')
        ? (event as unknown as IProgressEvent)
        : undefined;
    case 'done':
      return numbers('time', 'files', 'bytes', 'sizeOnDisk') &&
        typeof event.commit === 'string'
        ? (event as unknown as IDoneEvent)
        : undefined;
    case 'error':
      return typeof event.id === 'string' && typeof event.message === 'string'
        ? (event as unknown as IErrorEvent)
        : undefined;
    default:
      return undefined;
  }
}

/** What one pod's log says about its download. */
export interface IDownloadLogSummary {
  start?: IStartEvent;
  /** The newest progress (or a done event's totals). */
  files: number;
  filesTotal: number;
  bytes: number;
  bytesTotal: number;
  /** Bytes per second over the last {@link RATE_WINDOW_SECONDS}, when known. */
  rate?: number;
  /** Seconds left at that rate. */
  etaSeconds?: number;
  done?: IDoneEvent;
  error?: IErrorEvent;
}

/** The rate is measured over this much of the newest progress. */
export const RATE_WINDOW_SECONDS = 30;

/** Folds a pod's log lines into its download's progress. */
export function summarizeDownloadLog(
  lines: Iterable<string>
): IDownloadLogSummary {
  const summary: IDownloadLogSummary = {
    files: 0,
    filesTotal: 0,
    bytes: 0,
    bytesTotal: 0
  };
  const samples: { time: number; bytes: number }[] = [];
  for (const line of lines) {
    const event = parseDownloadLine(line);
    if (!event) {
      continue;
    }
    if (event.event === 'start') {
      // A retried pod's log starts over: so does its progress.
      summary.start = event;
      summary.filesTotal = event.files;
      summary.bytesTotal = event.bytes;
      samples.length = 0;
      delete summary.done;
      delete summary.error;
    } else if (event.event === 'progress') {
      summary.files = event.files;
      summary.filesTotal = event.filesTotal;
      summary.bytes = event.bytes;
      summary.bytesTotal = event.bytesTotal;
      samples.push({ time: event.time, bytes: event.bytes });
    } else if (event.event === 'done') {
      summary.done = event;
      summary.files = summary.filesTotal = event.files;
      summary.bytes = summary.bytesTotal = event.bytes;
    } else {
      summary.error = event;
    }
  }
  const last = samples[samples.length - 1];
  if (last && !summary.done && !summary.error) {
    const first =
      samples.find(sample => last.time - sample.time <= RATE_WINDOW_SECONDS) ??
      last;
    const seconds = last.time - first.time;
    if (seconds > 0 && last.bytes > first.bytes) {
      summary.rate = (last.bytes - first.bytes) / seconds;
      summary.etaSeconds = Math.max(
        0,
        (summary.bytesTotal - summary.bytes) / summary.rate
      );
    }
  }
  return summary;
}

/** A failure explained: what happened and what to do. */
export interface IDownloadFailureInfo {
  title: string;
  fix: string;
  /** Retrying the same download cannot help (the Job stops at once). */
  permanent: boolean;
}

/**
 * Every failure id the script or the cluster can give, in plain words with the fix. The
 * script's ids are its `error` lines; the others come from the Job's pod and events.
 */
export const DOWNLOAD_FAILURES: Record<string, IDownloadFailureInfo> = {
  'hf-auth': {
    title: 'The Hugging Face Hub refused access',
    fix: 'The model is gated or private, or the token is missing or wrong: accept the model licence on its Hub page with the account of the token, then download again with a token Secret (a read token of that account).',
    permanent: true
  },
  'model-not-found': {
    title: 'No such model or revision',
    fix: 'Check the model id (org/name, as on its Hub page) and the revision (a branch, tag or commit of that model).',
    permanent: true
  },
  'no-matching-files': {
    title: 'No file matches the include and exclude patterns',
    fix: 'Loosen the patterns (e.g. include "*.safetensors" and "*.json"), or clear them to download every file.',
    permanent: true
  },
  'bad-input': {
    title: 'The download Job was given invalid input',
    fix: 'Start the download again from the form; if you edited the Job by hand, check MODEL_ID and the pattern lists.',
    permanent: true
  },
  'disk-full': {
    title: 'The model volume is full',
    fix: 'Delete models you no longer need from the cache, or ask an admin to make the volume larger; the files already written are kept, so the download continues from there.',
    permanent: false
  },
  'not-writable': {
    title: 'The model volume is not writable',
    fix: 'The Job may not write to the volume: it must not be mounted read-only, and the folder must allow writes by the image user. Ask an admin.',
    permanent: false
  },
  'hub-unreachable': {
    title: 'The Hugging Face Hub could not be reached',
    fix: 'The cluster may have no route to huggingface.co: set "hfEndpoint" in your cluster profile to a Hub mirror, or ask an admin for the proxy settings.',
    permanent: false
  },
  'download-failed': {
    title: 'The download failed',
    fix: 'Read the message below; the Job retries up to 3 times and continues from the files already written.',
    permanent: false
  },
  'pvc-not-bound': {
    title: 'The model volume is missing or not bound',
    fix: 'The Job waits for its volume claim. Ask an admin to create the claim named in your cluster profile (storage.pvc) or to fix its storage class.',
    permanent: false
  },
  'image-pull': {
    title: 'The download image cannot be pulled',
    fix: 'Check the image of your cluster profile (downloadImage, else the vLLM image): the name, the registry access of the cluster, and an image pull secret if the registry needs one.',
    permanent: false
  },
  'pod-evicted': {
    title: 'The download pod was evicted',
    fix: 'The node ran short of memory or disk, or was drained. Download again: it continues from the files already on the volume.',
    permanent: false
  },
  'out-of-memory': {
    title: 'The download pod ran out of memory',
    fix: 'The Job allows 4 GiB; retry, and if it happens again download fewer files at once with include patterns.',
    permanent: false
  },
  'job-failed': {
    title: 'The download Job failed',
    fix: 'The Job gave up after its retries; read the message below, then download again.',
    permanent: false
  }
};

/** A failure of one download. */
export interface IDownloadFailure {
  id: string;
  /** The script's or Kubernetes' own words. */
  detail: string;
}

/** Where a download is. */
export type DownloadPhase =
  /** The Job exists, its pod is not downloading yet (scheduling, pulling the image). */
  'waiting' | 'downloading' | 'done' | 'failed';

/** One download, for the Downloads list. */
export interface IDownloadState {
  jobName: string;
  repo: string;
  revision: string;
  phase: DownloadPhase;
  /** The pod whose log has the progress (the newest attempt). */
  podName?: string;
  /** Attempts so far (pods created). */
  attempts: number;
  progress: IDownloadLogSummary;
  /** Why it failed, or what keeps it waiting (image pull, volume). */
  failure?: IDownloadFailure;
  /** When the Job was created (for sorting). */
  created: string;
}

const IMAGE_PULL_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull'
]);

/** The newest pod of `job` among `pods`. */
export function newestJobPod(
  job: V1Job,
  pods: readonly V1Pod[]
): V1Pod | undefined {
  const uid = job.metadata?.uid;
  const name = job.metadata?.name;
  const own = pods.filter(pod =>
    uid
      ? (pod.metadata?.ownerReferences ?? []).some(owner => owner.uid === uid)
      : pod.metadata?.labels?.['job-name'] === name
  );
  return own.sort((a, b) =>
    String(b.metadata?.creationTimestamp ?? '').localeCompare(
      String(a.metadata?.creationTimestamp ?? '')
    )
  )[0];
}

/** What keeps a pod from downloading, from its status and its events. */
export function podProblem(
  pod: V1Pod,
  events: readonly CoreV1Event[] = []
): IDownloadFailure | undefined {
  const status = pod.status;
  if (
    status?.reason === 'Evicted' ||
    (status?.conditions ?? []).some(
      condition =>
        condition.type === 'DisruptionTarget' && condition.status === 'True'
    )
  ) {
    return {
      id: 'pod-evicted',
      detail: status?.message ?? status?.reason ?? 'Evicted'
    };
  }
  for (const container of status?.containerStatuses ?? []) {
    const waiting = container.state?.waiting;
    if (waiting?.reason && IMAGE_PULL_REASONS.has(waiting.reason)) {
      return {
        id: 'image-pull',
        detail: `${waiting.reason}: ${waiting.message ?? container.image}`
      };
    }
    const terminated =
      container.state?.terminated ?? container.lastState?.terminated;
    if (terminated?.reason === 'OOMKilled') {
      return { id: 'out-of-memory', detail: 'OOMKilled' };
    }
  }
  const volumeMessage = (text: string) =>
    /persistentvolumeclaim|unbound|volume/i.test(text);
  const unscheduled = (status?.conditions ?? []).find(
    condition =>
      condition.type === 'PodScheduled' &&
      condition.status === 'False' &&
      volumeMessage(condition.message ?? '')
  );
  if (unscheduled) {
    return { id: 'pvc-not-bound', detail: unscheduled.message ?? '' };
  }
  const event = events.find(
    candidate =>
      candidate.involvedObject?.name === pod.metadata?.name &&
      (candidate.reason === 'FailedScheduling' ||
        candidate.reason === 'FailedMount' ||
        candidate.reason === 'FailedAttachVolume') &&
      volumeMessage(candidate.message ?? '')
  );
  if (event && status?.phase === 'Pending') {
    return { id: 'pvc-not-bound', detail: event.message ?? '' };
  }
  return undefined;
}

function condition(job: V1Job, type: string) {
  return (job.status?.conditions ?? []).find(
    candidate => candidate.type === type && candidate.status === 'True'
  );
}

/**
 * The state of the download Job `job`, from its pods, the namespace's events and the log of
 * its newest pod (`logLines`, empty while it is not read).
 */
export function downloadState(
  job: V1Job,
  pods: readonly V1Pod[],
  events: readonly CoreV1Event[],
  logLines: Iterable<string>
): IDownloadState {
  const annotations = job.metadata?.annotations ?? {};
  const pod = newestJobPod(job, pods);
  const progress = summarizeDownloadLog(logLines);
  const state: IDownloadState = {
    jobName: job.metadata?.name ?? '',
    repo: annotations[DOWNLOAD_ANNOTATIONS.model] ?? job.metadata?.name ?? '',
    revision: annotations[DOWNLOAD_ANNOTATIONS.revision] ?? 'main',
    phase: 'waiting',
    attempts:
      (job.status?.failed ?? 0) +
      (job.status?.succeeded ?? 0) +
      (job.status?.active ?? 0),
    progress,
    created: String(job.metadata?.creationTimestamp ?? '')
  };
  if (pod?.metadata?.name) {
    state.podName = pod.metadata.name;
  }
  const problem = pod ? podProblem(pod, events) : undefined;
  const logFailure = progress.error
    ? { id: progress.error.id, detail: progress.error.message }
    : undefined;
  const failed = condition(job, 'Failed');
  if (condition(job, 'Complete') || progress.done) {
    state.phase = 'done';
  } else if (failed) {
    state.phase = 'failed';
    state.failure = logFailure ??
      problem ?? {
        id: 'job-failed',
        detail: failed.message ?? failed.reason ?? ''
      };
  } else if (logFailure) {
    // The pod has failed (or is about to); a permanent failure ends the Job, others retry.
    state.phase = 'failed';
    state.failure = logFailure;
  } else if (problem) {
    state.phase = problem.id === 'pod-evicted' ? 'failed' : 'waiting';
    state.failure = problem;
  } else if (progress.start) {
    state.phase = 'downloading';
  }
  return state;
}

/** The explanation of a failure id (an unknown id reads as a generic failure). */
export function explainFailure(id: string): IDownloadFailureInfo {
  return DOWNLOAD_FAILURES[id] ?? DOWNLOAD_FAILURES['download-failed'];
}

/** Bytes for people: `141 GB`, `3.2 MB` (decimal units, as disk sizes are sold). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** Seconds for people: `45 s`, `12 min`, `2 h 05 min`. */
export function formatDuration(seconds: number): string {
  if (seconds < 1) {
    return '< 1 s';
  }
  const whole = Math.round(seconds);
  if (whole < 60) {
    return `${whole} s`;
  }
  const minutes = Math.round(whole / 60);
  if (minutes < 60) {
    return `${minutes} min`;
  }
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}
