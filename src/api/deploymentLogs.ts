import type { V1Pod } from '@kubernetes/client-node';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import type { IDeploymentOverview } from '../model/overview';
import type { LoadingProgress, PodSummary } from '../model/status';
import type { ConnectionBudget } from './connectionBudget';
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
 * The logs to read in the background, from the deployments' states.
 *
 * #### Notes
 * Browsers open at most six HTTP/1.1 connections to the Jupyter server, and every followed
 * log holds one for as long as it runs. So only `maxFollow` loading leaders are followed,
 * the focused deployment first, and none of a deployment whose log a view already follows
 * (`viewed`); each also needs a slot of the connection budget, after the log views. Failed
 * pods are read once, and again only when their container restarts.
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
      .find(pod => pod !== null && pod.node !== null && !pod.ready);
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
    if (
      overview.status.state !== 'Failed' &&
      overview.status.state !== 'Degraded'
    ) {
      continue;
    }
    const failing = overview.status.groups
      .flatMap(group => [group.leader, ...group.workers])
      .filter((pod): pod is PodSummary => pod !== null && ranAndFailed(pod))
      .slice(0, MAX_FAILED_PODS);
    for (const summary of failing) {
      const pod = podNamed(overview.pods, summary.name);
      if (pod) {
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
 * Followed targets take `background` slots of the `budget`: a log view takes their slot
 * (they pause, keeping what they read) and they follow again when a slot is free.
 */
export class DeploymentLogs implements IDisposable {
  constructor(
    private readonly _source: ILogSource,
    private readonly _budget?: ConnectionBudget
  ) {}

  /** Emitted when a log read here gets new lines or ends. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Starts the reads of new targets and cancels those no longer wanted. */
  update(targets: readonly ILogTarget[]): void {
    if (this._disposed) {
      return;
    }
    const wanted = new Map(targets.map(target => [identity(target), target]));
    for (const [id, entry] of this._streams) {
      if (!wanted.has(id)) {
        entry.stream.dispose();
        this._streams.delete(id);
      }
    }
    for (const [id, target] of wanted) {
      if (this._streams.has(id)) {
        continue;
      }
      const stream = new LogStream({
        source: this._source,
        pod: target.pod,
        container: target.container,
        tailLines: EVIDENCE_TAIL_LINES,
        follow: target.follow,
        coalesceMs: 500,
        budget: this._budget,
        priority: 'background'
      });
      stream.changed.connect(() => this._changed.emit());
      this._streams.set(id, { target, stream });
      stream.start();
    }
  }

  /** The model-loading progress read from the deployment's leader log, if any. */
  progress(deployment: string): LoadingProgress | null {
    for (const { target, stream } of this._streams.values()) {
      if (target.deployment === deployment && stream.progress) {
        return stream.progress;
      }
    }
    return null;
  }

  /** The log lines read for the deployment, as one text, each pod's after the previous. */
  text(deployment: string): string {
    return [...this._streams.values()]
      .filter(({ target }) => target.deployment === deployment)
      .map(({ stream }) => stream.tail.text())
      .filter(text => text !== '')
      .join('\n');
  }

  /** The log lines read for the deployment, pod by pod (for diagnosis across the group). */
  podTexts(deployment: string): { name: string; logs: string }[] {
    return [...this._streams.values()]
      .filter(({ target }) => target.deployment === deployment)
      .map(({ target, stream }) => ({
        name: target.pod,
        logs: stream.tail.text()
      }))
      .filter(pod => pod.logs !== '');
  }

  /** The targets being read now (for tests and the connection budget). */
  get targets(): ILogTarget[] {
    return [...this._streams.values()].map(({ target }) => target);
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    for (const { stream } of this._streams.values()) {
      stream.dispose();
    }
    this._streams.clear();
    Signal.clearData(this);
  }

  private _streams = new Map<
    string,
    { target: ILogTarget; stream: LogStream }
  >();
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

function podNamed(pods: readonly V1Pod[], name: string): V1Pod | undefined {
  return pods.find(pod => pod.metadata?.name === name);
}

function mainContainer(pod: V1Pod): string | undefined {
  return pod.spec?.containers?.[0]?.name;
}

// A container that ran and stopped has a log worth reading; one that never started
// (image pull, unschedulable) has none.
function ranAndFailed(pod: PodSummary): boolean {
  return (
    !pod.ready &&
    pod.node !== null &&
    (pod.restarts > 0 ||
      pod.terminatedReason !== undefined ||
      pod.phase === 'Failed')
  );
}
