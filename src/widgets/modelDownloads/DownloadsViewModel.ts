import type {
  CoreV1Event,
  V1Job,
  V1PersistentVolumeClaim,
  V1Pod
} from '@kubernetes/client-node';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import type { KubeClient } from '../../api/kube';
import type { LiveCollection } from '../../api/liveCollection';
import type { ILogSource } from '../../api/logStream';
import { LogStream } from '../../api/logStream';
import type { NamespaceModel } from '../../api/namespaceModel';
import { LwsApiError } from '../../api/request';
import { Resources } from '../../api/resources';
import type { IDownloadRequest, IDownloadTarget } from '../../model/download';
import {
  buildDownloadJob,
  DOWNLOAD_COMPONENT,
  downloadSelector,
  downloadTarget,
  MODEL_LABEL,
  modelLabelValue,
  pvcIssues,
  validateDownload
} from '../../model/download';
import type { IDownloadState } from '../../model/downloadProgress';
import { downloadState, newestJobPod } from '../../model/downloadProgress';
import type { IIssue } from '../../model/issues';
import { hasErrors } from '../../model/issues';
import type {
  CacheAction,
  CacheReport,
  ModelAvailability
} from '../../model/modelCache';
import {
  buildCacheJob,
  CACHE_COMPONENT,
  cacheJobName,
  deploymentsUsingModel,
  findCacheReport,
  modelAvailability
} from '../../model/modelCache';
import type { IDeploymentSettings } from '../../model/profileSettings';
import { resolveSettings } from '../../model/profileSettings';
import { APP_LABELS, hfTokenSecret, MANAGED_BY } from '../../model/manifests';
import { tokenSecretName } from '../../model/resolve';
import { redact } from '../../api/apply';

/** Jobs and pods of downloads and cache actions (one watch each on the shared request). */
const JOBS_SELECTOR = `${APP_LABELS.managedBy}=${MANAGED_BY},${APP_LABELS.component} in (${DOWNLOAD_COMPONENT},${CACHE_COMPONENT})`;

/** Lines of a download log kept: progress lines come every 2 s; the newest ones matter. */
const LOG_LINES = 2000;

/** A log that could not be read (no container yet, a kwok pod without a log) is tried again. */
const LOG_RETRY_MS = 2000;
const LOG_RETRY_MAX_MS = 30_000;

/** What starting a download gave. */
export type StartOutcome =
  { ok: true; jobName: string } | { ok: false; issues: IIssue[] };

/** The cache view's state. */
export interface ICacheState {
  /** A list or delete Job runs. */
  busy: 'list' | 'delete' | null;
  report: Extract<CacheReport, { event: 'cache' }> | null;
  /** The last error, in words. */
  error: string | null;
  /** When the report was read (ms since the epoch). */
  readAt: number | null;
}

/**
 * The model downloads of the namespace: Jobs and their pods live on the page's channel
 * ({@link NamespaceModel.collection}), the newest pod of each followed for progress, and the
 * cache view (short-lived list and delete Jobs).
 *
 * #### Notes
 * Downloads are Jobs, so they outlive the page: after a reload the watch lists them again
 * and their logs are read from the start (the script's lines carry their own times, so rate
 * and time left come out right).
 */
export class DownloadsViewModel implements IDisposable {
  constructor(readonly namespace: NamespaceModel) {
    namespace.changed.connect(this._onNamespaceChanged, this);
    this._onNamespaceChanged();
  }

  /** Emitted when downloads, their progress or the cache view change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Applies the extension settings (the profile gives image, volume and mirror). */
  setSettings(settings: IDeploymentSettings): void {
    this._target = downloadTarget(resolveSettings(settings).profile);
    this._changed.emit();
  }

  /** Where downloads go, from the settings' profile. */
  get target(): IDownloadTarget {
    return this._target;
  }

  /** The downloads, newest first. */
  get downloads(): IDownloadState[] {
    const pods = this._pods?.items ?? [];
    const events = this.namespace.events;
    return this._downloadJobs()
      .map(job => this._state(job, pods, events))
      .sort((a, b) => b.created.localeCompare(a.created));
  }

  /** The download of `repo`, if a Job for it exists. */
  downloadOf(repo: string): IDownloadState | undefined {
    const label = modelLabelValue(repo);
    return this.downloads.find(
      download => modelLabelValue(download.repo) === label
    );
  }

  /** Whether `repo` is in the volume, downloading, or not (the form's note). */
  availability(repo: string): ModelAvailability {
    return modelAvailability(
      repo,
      this._cache.report?.models ?? null,
      this.downloadOf(repo)
    );
  }

  get cache(): ICacheState {
    return this._cache;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /**
   * Checks the request, the volume and the running downloads, then creates the Job. Nothing
   * is created when a check fails. A finished Job of the same model is replaced (a retry).
   * A `token` is saved first in the Secret the request names (default `hf-token`), the same
   * Secret shape the new-deployment form writes; the Job reads it with a secretKeyRef.
   */
  async start(request: IDownloadRequest, token = ''): Promise<StartOutcome> {
    const client = this._client();
    const target = this._target;
    const issues = validateDownload(request, target);
    if (hasErrors(issues)) {
      return { ok: false, issues };
    }
    if (!client) {
      return {
        ok: false,
        issues: [problem('not-connected', 'The cluster is not connected yet.')]
      };
    }
    const pvc = await this._pvcPhase(client, target.pvc);
    const volume = pvcIssues({ name: target.pvc, phase: pvc });
    if (hasErrors(volume)) {
      return { ok: false, issues: volume };
    }
    const existing = await client.list<V1Job>(Resources.jobs, {
      labelSelector: downloadSelector(request.repo)
    });
    const running = existing.items.find(job => !finished(job));
    if (running) {
      return {
        ok: false,
        issues: [
          problem(
            'download-running',
            `${request.repo.trim()} is being downloaded already (Job ${running.metadata?.name}). Cancel it first to start over.`
          )
        ]
      };
    }
    if (token !== '') {
      request = {
        ...request,
        tokenSecret: request.tokenSecret || tokenSecretName()
      };
      try {
        await client.apply(hfTokenSecret(request.tokenSecret as string, token));
      } catch (error) {
        return {
          ok: false,
          issues: [problem('token-refused', redact(errorText(error), [token]))]
        };
      }
    }
    for (const job of existing.items) {
      await client.delete(Resources.jobs, job.metadata?.name ?? '');
    }
    const job = buildDownloadJob(request, target);
    try {
      await client.apply(job);
    } catch (error) {
      return {
        ok: false,
        issues: [problem('download-refused', errorText(error))]
      };
    }
    return { ok: true, jobName: job.metadata?.name ?? '' };
  }

  /** Deletes a download's Job and its pod; the files written so far stay for a retry. */
  async cancel(jobName: string): Promise<void> {
    const client = this._client();
    if (client) {
      await client.delete(Resources.jobs, jobName);
    }
  }

  /** Starts a download again with the request its Job recorded. */
  async retry(download: IDownloadState): Promise<StartOutcome> {
    const job = this._downloadJobs().find(
      candidate => candidate.metadata?.name === download.jobName
    );
    const annotations = job?.metadata?.annotations ?? {};
    const env = job?.spec?.template.spec?.containers[0]?.env ?? [];
    const tokenSecret = env.find(variable => variable.name === 'HF_TOKEN')
      ?.valueFrom?.secretKeyRef?.name;
    const list = (key: string) => {
      try {
        const value = JSON.parse(annotations[key] ?? '[]');
        return Array.isArray(value) ? value.map(String) : [];
      } catch {
        return [];
      }
    };
    if (job && !finished(job)) {
      await this.cancel(download.jobName);
    }
    return this.start({
      repo: download.repo,
      revision: download.revision,
      include: list('jupyterlab-lws/include'),
      exclude: list('jupyterlab-lws/exclude'),
      ...(tokenSecret ? { tokenSecret } : {})
    });
  }

  /** Lists the models in the volume with a short-lived Job. */
  async refreshCache(): Promise<void> {
    const report = await this._runCacheJob({ action: 'list' });
    if (report?.event === 'cache') {
      this._cache = {
        ...this._cache,
        report,
        error: null,
        readAt: Date.now()
      };
    }
    this._changed.emit();
  }

  /** The deployments that read `repo`: a cached model they use may not be deleted. */
  usersOf(repo: string): string[] {
    return deploymentsUsingModel(this.namespace.leaderWorkerSets, repo);
  }

  /** Deletes a model from the volume (after the view asked the user), then lists again. */
  async deleteCached(repo: string): Promise<boolean> {
    const users = this.usersOf(repo);
    if (users.length > 0) {
      this._cache = {
        ...this._cache,
        error: `${repo} is used by ${users.join(', ')}: delete those deployments first.`
      };
      this._changed.emit();
      return false;
    }
    const report = await this._runCacheJob({ action: 'delete', repo });
    if (report?.event !== 'deleted') {
      return false;
    }
    await this.refreshCache();
    return true;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this.namespace.changed.disconnect(this._onNamespaceChanged, this);
    this._stopWatches();
    for (const timer of this._retryTimers.values()) {
      clearTimeout(timer);
    }
    Signal.clearData(this);
  }

  // Runs one cache Job: creates it, follows its pod's log to the report, deletes the Job.
  private async _runCacheJob(
    action: CacheAction
  ): Promise<CacheReport | undefined> {
    const client = this._client();
    if (!client || this._cache.busy) {
      return undefined;
    }
    const target = this._target;
    const issues = validateDownload({ repo: 'x/x' }, target).filter(
      issue => issue.field !== 'repo'
    );
    if (hasErrors(issues)) {
      this._setCacheError(issues.map(issue => issue.message).join(' '));
      return undefined;
    }
    if ((await this._pvcPhase(client, target.pvc)) === undefined) {
      this._setCacheError(pvcIssues({ name: target.pvc })[0].message);
      return undefined;
    }
    const name = cacheJobName(action);
    this._cache = { ...this._cache, busy: action.action, error: null };
    this._changed.emit();
    try {
      await client.delete(Resources.jobs, name).catch(() => undefined);
      const { object: job } = await client.apply(buildCacheJob(action, target));
      const report = await this._readCacheReport(job);
      if (report?.event === 'error') {
        this._cache = { ...this._cache, error: report.message };
      }
      return report;
    } catch (error) {
      this._cache = { ...this._cache, error: errorText(error) };
      return undefined;
    } finally {
      await client.delete(Resources.jobs, name).catch(() => undefined);
      this._cache = { ...this._cache, busy: null };
      this._changed.emit();
    }
  }

  // Waits for the cache Job's pod, then follows its log until the report line.
  private _readCacheReport(job: V1Job): Promise<CacheReport | undefined> {
    return new Promise(resolve => {
      let stream: LogStream | null = null;
      let retry: ReturnType<typeof setTimeout> | null = null;
      const deadline = setTimeout(() => finish(undefined), 120_000);
      const finish = (report: CacheReport | undefined) => {
        clearTimeout(deadline);
        if (retry !== null) {
          clearTimeout(retry);
        }
        this.changed.disconnect(check);
        stream?.dispose();
        resolve(report);
      };
      const check = () => {
        if (stream) {
          return;
        }
        const pod = newestJobPod(
          { ...job, metadata: { ...job.metadata } },
          this._pods?.items ?? []
        );
        const phase = pod?.status?.phase;
        const logs = this.namespace.logs;
        if (!pod?.metadata?.name || phase === 'Pending' || !phase || !logs) {
          return;
        }
        const open = () => {
          retry = null;
          stream = new LogStream({
            source: logs,
            pod: pod.metadata?.name ?? '',
            tailLines: 100
          });
          stream.changed.connect(() => {
            const report = findCacheReport(stream?.tail.lines() ?? []);
            if (report) {
              finish(report);
            } else if (stream?.state === 'error' || stream?.state === 'ended') {
              stream.dispose();
              stream = null;
              retry = setTimeout(open, LOG_RETRY_MS);
            }
          });
          stream.start();
        };
        open();
      };
      this.changed.connect(check);
      check();
    });
  }

  private _setCacheError(message: string): void {
    this._cache = { ...this._cache, error: message };
    this._changed.emit();
  }

  private async _pvcPhase(
    client: KubeClient,
    name: string
  ): Promise<string | undefined> {
    try {
      const pvc = await client.get<V1PersistentVolumeClaim>(
        Resources.persistentVolumeClaims,
        name
      );
      return pvc.status?.phase ?? 'Pending';
    } catch (error) {
      if (error instanceof LwsApiError && error.status === 404) {
        return undefined;
      }
      // Not allowed to read claims: let the Job's pod say whether the volume is there.
      return 'Bound';
    }
  }

  private _client(): KubeClient | null {
    return this.namespace.client;
  }

  private _downloadJobs(): V1Job[] {
    return (this._jobs?.items ?? []).filter(
      job =>
        job.metadata?.labels?.[APP_LABELS.component] === DOWNLOAD_COMPONENT &&
        job.metadata?.labels?.[MODEL_LABEL] !== undefined
    );
  }

  private _state(
    job: V1Job,
    pods: V1Pod[],
    events: CoreV1Event[]
  ): IDownloadState {
    const stream = this._streams.get(job.metadata?.uid ?? '');
    return downloadState(job, pods, events, stream?.tail.lines() ?? []);
  }

  // Follows the newest pod of every download that has one with a log to read.
  private _syncStreams(): void {
    const logs = this.namespace.logs;
    const pods = this._pods?.items ?? [];
    const wanted = new Map<string, string>();
    for (const job of this._downloadJobs()) {
      const pod = newestJobPod(job, pods);
      const phase = pod?.status?.phase;
      if (logs && pod?.metadata?.name && phase && phase !== 'Pending') {
        wanted.set(job.metadata?.uid ?? '', pod.metadata.name);
      }
    }
    for (const [uid, stream] of this._streams) {
      if (wanted.get(uid) !== stream.pod) {
        stream.dispose();
        this._streams.delete(uid);
      }
    }
    for (const [uid, pod] of wanted) {
      if (!this._streams.has(uid) && logs) {
        this._follow(logs, uid, pod);
      }
    }
  }

  private _follow(logs: ILogSource, uid: string, pod: string): void {
    const stream = new LogStream({ source: logs, pod, tailLines: LOG_LINES });
    this._streams.set(uid, stream);
    let failures = 0;
    stream.changed.connect(() => {
      if (stream.state === 'streaming') {
        failures = 0;
      }
      if (stream.state === 'error' && !this._retryTimers.has(uid)) {
        // No log yet (the container is starting): read it again, less often each time,
        // and only while the pod runs (a finished pod's log does not come back).
        const delay = Math.min(
          LOG_RETRY_MAX_MS,
          LOG_RETRY_MS * 2 ** failures++
        );
        this._retryTimers.set(
          uid,
          setTimeout(() => {
            this._retryTimers.delete(uid);
            const running = (this._pods?.items ?? []).some(
              candidate =>
                candidate.metadata?.name === pod &&
                candidate.status?.phase === 'Running'
            );
            if (this._streams.get(uid) === stream && running) {
              stream.resume();
            }
          }, delay)
        );
      }
      this._changed.emit();
    });
    stream.start();
  }

  private _onNamespaceChanged(): void {
    // A new context (or the first) makes a new client: subscribe again for it.
    const client = this.namespace.client;
    if (client !== this._watchedFor) {
      this._stopWatches();
      this._watchedFor = client;
      this._jobs = this._watch<V1Job>(Resources.jobs);
      this._pods = this._watch<V1Pod>(Resources.pods);
    }
    this._changed.emit();
  }

  private _watch<T extends V1Job | V1Pod>(
    type: typeof Resources.jobs | typeof Resources.pods
  ): LiveCollection<T> | null {
    const collection = this.namespace.collection<T>(type, JOBS_SELECTOR);
    collection?.changed.connect(() => {
      this._syncStreams();
      this._changed.emit();
    });
    return collection;
  }

  private _stopWatches(): void {
    this._jobs?.dispose();
    this._pods?.dispose();
    this._jobs = this._pods = null;
    for (const stream of this._streams.values()) {
      stream.dispose();
    }
    this._streams.clear();
  }

  private _target: IDownloadTarget = downloadTarget(resolveSettings().profile);
  private _watchedFor: KubeClient | null = null;
  private _jobs: LiveCollection<V1Job> | null = null;
  private _pods: LiveCollection<V1Pod> | null = null;
  private _streams = new Map<string, LogStream>();
  private _retryTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private _cache: ICacheState = {
    busy: null,
    report: null,
    error: null,
    readAt: null
  };
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}

function finished(job: V1Job): boolean {
  return (job.status?.conditions ?? []).some(
    condition =>
      (condition.type === 'Complete' || condition.type === 'Failed') &&
      condition.status === 'True'
  );
}

function problem(id: string, message: string): IIssue {
  return { id, severity: 'error', message };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
