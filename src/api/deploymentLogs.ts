import type { V1Pod } from '@kubernetes/client-node';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import type { IDeploymentOverview } from '../model/overview';
import type { ILoadingProgress } from '../model/loadingProgress';
import type { IPodSummary } from '../model/status';
import type { ILogSource } from './logStream';
import { LogStream } from './logStream';

/** One log the deployment list reads in the background. */
export interface ILogTarget {
  deployment: string;
  pod: string;
  container?: string;
  /** Follow (a loading leader, for its progress) or read the tail once (a failed pod). */
  follow: boolean;
  /** Changes when the pod's container restarts: the log is read again. */
  key: string;
}

/** Lines read from the end of a log for progress and diagnosis. */
export const EVIDENCE_TAIL_LINES = 500;

/** Failing pods whose logs are read per deployment. */
const MAX_FAILED_PODS = 3;

/**
 * A pod read again (same name: a recreated group's pods keep their names) waits this long
 * after its last read, doubling per read up to {@link REREAD_MAX_MS}.
 */
export const REREAD_FIRST_MS = 5_000;
export const REREAD_MAX_MS = 120_000;

/** A pod not read for this long starts again without waiting. */
const REREAD_RESET_MS = 10 * 60_000;

/**
 * The logs to read in the background, from the deployments' states.
 *
 * #### Notes
 * Every followed log is an upstream request of the Jupyter server to the API server. So only
 * `maxFollow` loading leaders are followed, the focused deployment first, and none of a
 * deployment whose log a view already follows (`viewed`). Failed pods are read once, and
 * again only when their container restarts.
 */
export function logTargets(
  overviews: readonly IDeploymentOverview[],
  focus: string | null,
  maxFollow = 1,
  viewed: ReadonlySet<string> = new Set()
): ILogTarget[] {
  const targets: ILogTarget[] = [];
  const loading = overviews
    .filter(
      overview =>
        overview.status.state === 'Loading' && !viewed.has(overview.name)
    )
    .sort(
      (a, b) =>
        Number(b.name === focus) - Number(a.name === focus) ||
        a.name.localeCompare(b.name)
    );
  for (const overview of loading.slice(0, Math.max(0, maxFollow))) {
    const leader = overview.status.groups
      .map(group => group.leader)
      .find(pod => pod !== null && hasLog(pod) && !pod.ready);
    const pod = leader && podNamed(overview.pods, leader.name);
    if (leader && pod) {
      targets.push({
        deployment: overview.name,
        pod: leader.name,
        container: mainContainer(pod),
        follow: true,
        key: `${pod.metadata?.uid ?? ''}:${leader.restarts}`
      });
    }
  }
  for (const overview of overviews) {
    // Not only Failed: a group recreated after each crash is mostly "being replaced".
    if (overview.status.state === 'Ready') {
      continue;
    }
    const failing = overview.status.groups
      .flatMap(group => [group.leader, ...group.workers])
      .filter((pod): pod is IPodSummary => pod !== null && ranAndFailed(pod))
      .slice(0, MAX_FAILED_PODS);
    for (const summary of failing) {
      const pod = podNamed(overview.pods, summary.name);
      const followed = targets.some(
        target =>
          target.deployment === overview.name && target.pod === summary.name
      );
      if (pod && !followed) {
        targets.push({
          deployment: overview.name,
          pod: summary.name,
          container: mainContainer(pod),
          follow: false,
          key: `${pod.metadata?.uid ?? ''}:${summary.restarts}:${summary.terminatedReason ?? ''}`
        });
      }
    }
  }
  return targets;
}

/**
 * Reads the logs {@link logTargets} chooses and keeps their tails, for the list's loading
 * progress and for diagnosis. One {@link LogStream} per target; a target that disappears
 * (the deployment became Ready, the pod was replaced) has its request cancelled.
 *
 * #### Notes
 * Under `RecreateGroupOnPodRestart` a crash-looping group comes back every few seconds with
 * new pods of the same names. So a pod is read again only after a back-off per name
 * ({@link REREAD_FIRST_MS}, doubling), and what a gone pod's log said is kept for the
 * deployments the caller names in `keep`, so diagnosis does not vanish with each recreation.
 */
export class DeploymentLogs implements IDisposable {
  constructor(
    private readonly _source: ILogSource,
    private readonly _now: () => number = Date.now
  ) {}

  /** Emitted when a log read here gets new lines or ends. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /**
   * Starts the reads of new targets (each pod after its back-off) and cancels those no longer
   * wanted; the last lines of those are kept while their deployment is in `keep`.
   */
  update(
    targets: readonly ILogTarget[],
    keep: ReadonlySet<string> = new Set()
  ): void {
    if (this._disposed) {
      return;
    }
    this._targets = targets;
    this._keep = keep;
    const wanted = new Map(targets.map(target => [identity(target), target]));
    for (const [id, entry] of this._streams) {
      if (!wanted.has(id)) {
        this._streams.delete(id);
        this._finish(entry);
      }
    }
    for (const key of this._kept.keys()) {
      if (!keep.has(key.split('\u0000')[0])) {
        this._kept.delete(key);
      }
    }
    const now = this._now();
    let wait = Infinity;
    for (const [id, target] of wanted) {
      if (this._streams.has(id)) {
        continue;
      }
      const due = this._dueAt(target, now);
      if (due > now) {
        wait = Math.min(wait, due - now);
        continue;
      }
      this._reads.set(podKey(target), {
        at: now,
        count: this._recentReads(target, now) + 1
      });
      const stream = new LogStream({
        source: this._source,
        pod: target.pod,
        container: target.container,
        tailLines: EVIDENCE_TAIL_LINES,
        follow: target.follow,
        coalesceMs: 500
      });
      stream.changed.connect(() => this._changed.emit());
      this._streams.set(id, { target, stream });
      stream.start();
    }
    this._scheduleRetry(wait);
  }

  /** Targets waiting for their pod's back-off (for tests). */
  get waiting(): ILogTarget[] {
    const reading = new Set(this._streams.keys());
    return this._targets.filter(target => !reading.has(identity(target)));
  }

  /** The model-loading progress read from the deployment's leader log, if any. */
  progress(deployment: string): ILoadingProgress | null {
    for (const { target, stream } of this._streams.values()) {
      if (target.deployment === deployment && stream.progress) {
        return stream.progress;
      }
    }
    return null;
  }

  /** The log lines read for the deployment, as one text, each pod's after the previous. */
  text(deployment: string): string {
    return this.podTexts(deployment)
      .map(pod => pod.logs)
      .join('\n');
  }

  /**
   * The log lines read for the deployment, pod by pod (for diagnosis across the group): the
   * current read of each pod, else what its previous incarnation said.
   */
  podTexts(deployment: string): { name: string; logs: string }[] {
    const texts = new Map<string, string>();
    for (const { target, stream } of this._streams.values()) {
      const logs = stream.tail.text();
      if (target.deployment === deployment && logs !== '') {
        texts.set(target.pod, logs);
      }
    }
    for (const [key, logs] of this._kept) {
      const [owner, pod] = key.split('\u0000');
      if (owner === deployment && !texts.has(pod)) {
        texts.set(pod, logs);
      }
    }
    return [...texts].map(([name, logs]) => ({ name, logs }));
  }

  /** The targets being read now (for tests). */
  get targets(): ILogTarget[] {
    return [...this._streams.values()].map(({ target }) => target);
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    if (this._retry !== null) {
      clearTimeout(this._retry);
    }
    for (const { stream } of this._streams.values()) {
      stream.dispose();
    }
    for (const stream of this._draining) {
      stream.dispose();
    }
    this._streams.clear();
    this._draining.clear();
    this._kept.clear();
    Signal.clearData(this);
  }

  // A one-off read that is under way ends by itself (its pod may be gone a second later,
  // as in a crash loop); a followed one is cancelled. Either way its lines are kept.
  private _finish(entry: { target: ILogTarget; stream: LogStream }): void {
    const { target, stream } = entry;
    const reading =
      stream.state === 'connecting' || stream.state === 'streaming';
    if (target.follow || !reading) {
      this._remember(target, stream);
      stream.dispose();
      return;
    }
    this._draining.add(stream);
    const done = () => {
      if (stream.state === 'connecting' || stream.state === 'streaming') {
        return;
      }
      stream.changed.disconnect(done);
      this._draining.delete(stream);
      this._remember(target, stream);
      stream.dispose();
      this._changed.emit();
    };
    stream.changed.connect(done);
  }

  // What a pod said before it went (a recreated group's next pods log nothing for a while).
  private _remember(target: ILogTarget, stream: LogStream): void {
    const logs = stream.tail.text();
    if (logs !== '' && this._keep.has(target.deployment)) {
      this._kept.set(`${target.deployment}\u0000${target.pod}`, logs);
    }
  }

  private _recentReads(target: ILogTarget, now: number): number {
    const last = this._reads.get(podKey(target));
    return last && now - last.at < REREAD_RESET_MS ? last.count : 0;
  }

  // When the pod may be read again: at once the first time, then after a doubling wait.
  private _dueAt(target: ILogTarget, now: number): number {
    const count = this._recentReads(target, now);
    if (count === 0) {
      return now;
    }
    const last = this._reads.get(podKey(target))!;
    return (
      last.at + Math.min(REREAD_MAX_MS, REREAD_FIRST_MS * 2 ** (count - 1))
    );
  }

  private _scheduleRetry(wait: number): void {
    if (this._retry !== null) {
      clearTimeout(this._retry);
      this._retry = null;
    }
    if (Number.isFinite(wait)) {
      this._retry = setTimeout(() => {
        this._retry = null;
        this.update(this._targets, this._keep);
      }, wait);
    }
  }

  private _streams = new Map<
    string,
    { target: ILogTarget; stream: LogStream }
  >();
  /** One-off reads no longer wanted, left to end by themselves. */
  private _draining = new Set<LogStream>();
  /** Last lines of pods no longer read, by deployment and pod name. */
  private _kept = new Map<string, string>();
  /** The last read of each pod (by name and mode) and how many came before it recently. */
  private _reads = new Map<string, { at: number; count: number }>();
  private _targets: readonly ILogTarget[] = [];
  private _keep: ReadonlySet<string> = new Set();
  private _retry: ReturnType<typeof setTimeout> | null = null;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}

function identity(target: ILogTarget): string {
  return [
    target.deployment,
    target.pod,
    target.container ?? '',
    target.follow ? 'follow' : 'once',
    target.key
  ].join('\u0000');
}

// Pods of a recreated group keep their names: the back-off is per name, not per uid.
function podKey(target: ILogTarget): string {
  return [
    target.deployment,
    target.pod,
    target.follow ? 'follow' : 'once'
  ].join('\u0000');
}

function podNamed(pods: readonly V1Pod[], name: string): V1Pod | undefined {
  return pods.find(pod => pod.metadata?.name === name);
}

function mainContainer(pod: V1Pod): string | undefined {
  return pod.spec?.containers?.[0]?.name;
}

// A container that started has a log; before that (unschedulable, image pull, being
// created) the API server answers 204 or 400, and asking again only adds requests.
function hasLog(pod: IPodSummary): boolean {
  return pod.node !== null && (pod.phase !== 'Pending' || pod.restarts > 0);
}

// A container that ran and stopped has a log worth reading.
function ranAndFailed(pod: IPodSummary): boolean {
  return (
    !pod.ready &&
    hasLog(pod) &&
    (pod.restarts > 0 ||
      pod.terminatedReason !== undefined ||
      pod.phase === 'Failed')
  );
}
