import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import { DeploymentLogs, logTargets } from '../../api/deploymentLogs';
import type { IEndpointAnswer } from '../../api/endpointCheck';
import { checkEndpoint } from '../../api/endpointCheck';
import type { LogStream } from '../../api/logStream';
import type { NamespaceModel } from '../../api/namespaceModel';
import type { IDiagnosis } from '../../model/diagnose';
import { diagnose } from '../../model/diagnose';
import type { IEndpoint } from '../../model/endpoint';
import { findEndpoint, servedModelName } from '../../model/endpoint';
import type { IGroupRecreations } from '../../model/groupRecreations';
import { groupRecreations } from '../../model/groupRecreations';
import type { LeaderWorkerSet } from '../../model/lws';
import { LWS_LABELS } from '../../model/lws';
import { deployedSpecIssues } from '../../model/deployedChecks';
import type { IIssue } from '../../model/issues';
import { objectFindings } from '../../model/objectChecks';
import type { IDeploymentOverview } from '../../model/overview';
import {
  diagnosisEvents,
  diagnosisSpec,
  podStatusEvidence
} from '../../model/overview';
import type { IOverviewEntry } from '../../model/overviews';
import { nextOverviews } from '../../model/overviews';
import type { ILoadingProgress } from '../../model/loadingProgress';

/** How often ages and "for N min" texts are redrawn: a local clock, no request. */
const CLOCK_MS = 15_000;

/**
 * Loading leaders whose logs are followed in the background for their progress (each one
 * upstream request of the Jupyter server).
 */
const BACKGROUND_FOLLOWS = 2;

/** Lines of an open log view that diagnosis reads (the newest). */
const VIEWER_EVIDENCE_LINES = 2000;

/** Diagnosis of a followed log is brought up to date at most this often. */
const VIEWER_DIAGNOSIS_MS = 1000;

/**
 * A diagnosis stays shown at least this long after its evidence went: a group recreated
 * every few seconds would otherwise make it blink, and the layout jump with it.
 */
export const DIAGNOSIS_HOLD_MS = 30_000;

/** How long "X was deleted." stays in the list. */
export const DEPARTED_NOTICE_MS = 8_000;

/**
 * The deployment list's view model: overviews of the namespace's LeaderWorkerSets derived
 * from the live watches, the selection, background log reads for loading progress and
 * diagnosis, and endpoint checks. Components render it; they fetch nothing themselves.
 */
export class DeploymentsViewModel implements IDisposable {
  constructor(readonly namespace: NamespaceModel) {
    namespace.changed.connect(this._onNamespaceChanged, this);
    this._onNamespaceChanged();
  }

  /** Emitted when anything shown changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The deployments, by name. */
  get overviews(): IDeploymentOverview[] {
    return this._overviews;
  }

  /** The clock the overviews were computed with. */
  get now(): Date {
    return this._now;
  }

  /** The LeaderWorkerSet of a deployment. */
  lws(name: string): LeaderWorkerSet | undefined {
    return this._entries.get(name)?.lws;
  }

  /** A deployment's overview (the same object until its LWS, pods or events change). */
  overview(name: string): IDeploymentOverview | undefined {
    return this._entries.get(name)?.overview;
  }

  /** The deployment whose detail is shown. */
  get selected(): string | null {
    return this._selected;
  }

  set selected(name: string | null) {
    if (name === this._selected) {
      return;
    }
    this._left = this._selected;
    this._selected = name;
    this._departed = null;
    if (name) {
      void this.checkEndpoint(name);
    }
    this._update();
  }

  /** The deployment whose detail was shown before the current view (to focus its row). */
  get left(): string | null {
    return this._left;
  }

  /** The deployment that was shown when it disappeared (deleted), until another is chosen. */
  get departed(): string | null {
    return this._departed;
  }

  /** The engine's model-loading progress, when its log shows it. */
  progress(name: string): ILoadingProgress | null {
    for (const stream of this._viewers.get(name) ?? []) {
      if (stream.progress) {
        return stream.progress;
      }
    }
    return this._logs?.progress(name) ?? null;
  }

  /**
   * Known failures in the deployment's objects (a Service named like the LWS), events and
   * logs: those of a deployment that does not serve, and log and object findings (e.g. NCCL
   * on TCP sockets) of one that does.
   */
  diagnoses(name: string): IDiagnosis[] {
    const cached = this._diagnoses.get(name);
    if (cached) {
      return cached;
    }
    const overview = this.overview(name);
    const lws = this.lws(name);
    if (!overview || !lws) {
      return [];
    }
    // Each pod's log on its own, so diagnosis can name the pod whose error came first.
    const pods = this._logs?.podTexts(name) ?? [];
    const logs = [...(this._viewers.get(name) ?? [])]
      .map(stream => stream.tail.tailText(VIEWER_EVIDENCE_LINES))
      .filter(text => text !== '')
      .join('\n');
    const serving = overview.status.state === 'Ready';
    const computed = diagnose({
      events: serving
        ? []
        : [...diagnosisEvents(overview), ...podStatusEvidence(overview)],
      logs,
      pods,
      spec: diagnosisSpec(lws, overview.summary),
      failing:
        overview.status.state === 'Failed' ||
        overview.status.state === 'Degraded'
    });
    // What the objects show is true whatever the pods do, so it comes first, even when serving.
    const found = [
      ...objectFindings(lws, this.namespace.services),
      ...this._hold(name, computed, serving)
    ];
    this._diagnoses.set(name, found);
    return found;
  }

  /**
   * The form's rules run on the deployment as it is, once per version of its LWS: a
   * deployment written by hand (e.g. a 405B model on one node) is checked too.
   */
  checks(name: string): IIssue[] {
    const overview = this.overview(name);
    const version = this.lws(name)?.metadata?.resourceVersion ?? '';
    if (!overview) {
      return [];
    }
    const cached = this._checks.get(name);
    if (cached && cached.version === version) {
      return cached.issues;
    }
    const issues = deployedSpecIssues(overview.summary);
    this._checks.set(name, { version, issues });
    return issues;
  }

  /**
   * How often the LWS controller recreated each group (from its events): under
   * `RecreateGroupOnPodRestart` the pods' own restart counts start again at 0 each time.
   */
  recreations(name: string): IGroupRecreations[] {
    const lws = this.lws(name);
    const overview = this.overview(name);
    return lws && overview ? groupRecreations(lws, overview.events) : [];
  }

  /** The leader's API Service and port, when one exists. */
  endpoint(name: string): IEndpoint | null {
    const lws = this.lws(name);
    if (!lws) {
      return null;
    }
    const leader = this.overview(name)?.pods.find(
      pod => pod.metadata?.labels?.[LWS_LABELS.workerIndex] === '0'
    );
    return findEndpoint(lws, this.namespace.services, leader?.metadata?.labels);
  }

  /** The model name requests must use. */
  servedModel(name: string): string | undefined {
    const lws = this.lws(name);
    return lws
      ? servedModelName(lws, this.overview(name)?.summary.model)
      : undefined;
  }

  /** The last endpoint check of a deployment, and whether one is running. */
  endpointAnswer(name: string): {
    answer: IEndpointAnswer | null;
    checking: boolean;
  } {
    const entry = this._answers.get(name);
    return {
      answer: entry?.answer ?? null,
      checking: entry?.checking ?? false
    };
  }

  /** Asks the deployment's endpoint whether it answers (one request, short timeout). */
  async checkEndpoint(name: string): Promise<void> {
    const endpoint = this.endpoint(name);
    if (!endpoint || this._answers.get(name)?.checking) {
      return;
    }
    const previous = this._answers.get(name)?.answer ?? null;
    this._answers.set(name, { answer: previous, checking: true });
    this._changed.emit();
    const answer = await checkEndpoint(
      this.namespace.serverSettings,
      endpoint.service,
      endpoint.port
    );
    if (this._disposed) {
      return;
    }
    this._answers.set(name, { answer, checking: false });
    this._changed.emit();
  }

  /**
   * Lets an open log view feed the deployment's progress and diagnosis; returns the
   * registration to dispose when the view closes.
   */
  addLogViewer(name: string, stream: LogStream): IDisposable {
    const streams = this._viewers.get(name) ?? new Set<LogStream>();
    streams.add(stream);
    this._viewers.set(name, streams);
    const onChange = () => this._invalidateLater(name);
    stream.changed.connect(onChange);
    this._updateLogTargets();
    let disposed = false;
    return {
      get isDisposed() {
        return disposed;
      },
      dispose: () => {
        if (disposed) {
          return;
        }
        disposed = true;
        stream.changed.disconnect(onChange);
        streams.delete(stream);
        this._invalidate(name);
        this._updateLogTargets();
      }
    };
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this.namespace.changed.disconnect(this._onNamespaceChanged, this);
    this._stopClock();
    for (const timer of this._holdTimers.values()) {
      clearTimeout(timer);
    }
    if (this._departedTimer !== null) {
      clearTimeout(this._departedTimer);
    }
    this._logs?.dispose();
    this._logs = null;
    Signal.clearData(this);
  }

  private _onNamespaceChanged(): void {
    const client = this.namespace.client;
    if (client !== this._client) {
      this._logs?.dispose();
      this._client = client;
      const logs = this.namespace.logs;
      this._logs = client && logs ? new DeploymentLogs(logs) : null;
      this._logs?.changed.connect(() => {
        this._diagnoses.clear();
        this._changed.emit();
      });
    }
    this._update();
  }

  // Brings the overviews up to date: only the deployments whose objects changed are computed
  // again (all of them when `recomputeAll`, for the clock), and only their diagnoses dropped.
  private _update(recomputeAll = false): void {
    if (this._disposed) {
      return;
    }
    const now = new Date();
    this._now = now;
    const previous = new Map(
      this._overviews.map(overview => [overview.name, overview.status.state])
    );
    const next = nextOverviews(
      this._entries,
      this.namespace.leaderWorkerSets,
      this.namespace.pods,
      this.namespace.events,
      now,
      recomputeAll
    );
    this._entries = next.entries;
    this._overviews = next.overviews;
    const services = this.namespace.services;
    if (services !== this._services) {
      // Object findings read the Services: every diagnosis may change.
      this._services = services;
      this._diagnoses.clear();
    }
    for (const name of next.recomputed) {
      this._diagnoses.delete(name);
    }
    for (const name of this._diagnoses.keys()) {
      if (!this._entries.has(name)) {
        this._diagnoses.delete(name);
      }
    }
    if (this._selected && this.namespace.loaded && !this.lws(this._selected)) {
      this._departed = this._selected;
      this._selected = null;
      this._forgetDepartedLater();
    }
    if (this._departed && this.lws(this._departed)) {
      // Made again under the same name: it is not deleted any more.
      this._departed = null;
    }
    for (const overview of this._overviews) {
      const before = previous.get(overview.name);
      if (overview.status.state === 'Ready' && before && before !== 'Ready') {
        // Just became Ready: its Service should answer now.
        void this.checkEndpoint(overview.name);
      }
    }
    for (const name of this._answers.keys()) {
      if (!this.lws(name)) {
        this._answers.delete(name);
      }
    }
    this._updateLogTargets();
    if (this._overviews.length > 0) {
      this._startClock();
    } else {
      this._stopClock();
    }
    this._changed.emit();
  }

  // Keeps the last diagnosis of a deployment that is not serving for DIAGNOSIS_HOLD_MS after
  // its evidence went (a recreated group's new pods say nothing yet).
  private _hold(
    name: string,
    found: IDiagnosis[],
    serving: boolean
  ): IDiagnosis[] {
    const now = Date.now();
    if (serving) {
      this._held.delete(name);
      return found;
    }
    if (found.length > 0) {
      this._held.set(name, { diagnoses: found, at: now });
      return found;
    }
    const held = this._held.get(name);
    if (held && now - held.at < DIAGNOSIS_HOLD_MS) {
      this._scheduleHoldEnd(name, held.at + DIAGNOSIS_HOLD_MS - now);
      return held.diagnoses;
    }
    this._held.delete(name);
    return found;
  }

  private _scheduleHoldEnd(name: string, wait: number): void {
    if (this._holdTimers.has(name)) {
      return;
    }
    this._holdTimers.set(
      name,
      setTimeout(() => {
        this._holdTimers.delete(name);
        if (!this._disposed) {
          this._invalidate(name);
        }
      }, wait)
    );
  }

  private _forgetDepartedLater(): void {
    if (this._departedTimer !== null) {
      clearTimeout(this._departedTimer);
    }
    this._departedTimer = setTimeout(() => {
      this._departedTimer = null;
      if (!this._disposed && this._departed !== null) {
        this._departed = null;
        this._changed.emit();
      }
    }, DEPARTED_NOTICE_MS);
  }

  // A deployment whose log a view follows needs no background read.
  private _updateLogTargets(): void {
    if (this._disposed) {
      return;
    }
    const viewed = new Set(
      [...this._viewers]
        .filter(([, streams]) => streams.size > 0)
        .map(([name]) => name)
    );
    // What a failing deployment's gone pods said is kept until it serves (or goes).
    const unsettled = new Set(
      this._overviews
        .filter(overview => overview.status.state !== 'Ready')
        .map(overview => overview.name)
    );
    this._logs?.update(
      logTargets(this._overviews, this._selected, BACKGROUND_FOLLOWS, viewed),
      unsettled
    );
  }

  // A followed log changes many times a second; its diagnosis need not.
  private _invalidateLater(name: string): void {
    if (this._pendingDiagnosis.has(name)) {
      return;
    }
    this._pendingDiagnosis.add(name);
    setTimeout(() => {
      this._pendingDiagnosis.delete(name);
      if (!this._disposed) {
        this._invalidate(name);
      }
    }, VIEWER_DIAGNOSIS_MS);
  }

  private _invalidate(name: string): void {
    this._diagnoses.delete(name);
    this._changed.emit();
  }

  private _startClock(): void {
    if (this._clock === null) {
      this._clock = setInterval(() => this._update(true), CLOCK_MS);
    }
  }

  private _stopClock(): void {
    if (this._clock !== null) {
      clearInterval(this._clock);
      this._clock = null;
    }
  }

  private _overviews: IDeploymentOverview[] = [];
  private _entries = new Map<string, IOverviewEntry>();
  private _services: NamespaceModel['services'] | null = null;
  private _now = new Date();
  private _selected: string | null = null;
  private _departed: string | null = null;
  private _left: string | null = null;
  private _client: NamespaceModel['client'] = null;
  private _logs: DeploymentLogs | null = null;
  private _viewers = new Map<string, Set<LogStream>>();
  private _diagnoses = new Map<string, IDiagnosis[]>();
  private _held = new Map<string, { diagnoses: IDiagnosis[]; at: number }>();
  private _checks = new Map<string, { version: string; issues: IIssue[] }>();
  private _holdTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private _departedTimer: ReturnType<typeof setTimeout> | null = null;
  private _answers = new Map<
    string,
    { answer: IEndpointAnswer | null; checking: boolean }
  >();
  private _clock: ReturnType<typeof setInterval> | null = null;
  private _pendingDiagnosis = new Set<string>();
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}
