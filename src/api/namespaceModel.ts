import type { ServerConnection } from '@jupyterlab/services';
import type {
  CoreV1Event,
  KubernetesObject,
  V1Pod,
  V1Service
} from '@kubernetes/client-node';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import type { LeaderWorkerSet } from '../model/lws';
import { LWS_LABELS } from '../model/lws';
import type { IClusterContext } from './context';
import { can, fetchContext } from './context';
import { KubeClient } from './kube';
import type { LiveChannel, LiveResource } from './liveChannel';
import { liveChannelFor } from './liveChannel';
import { LiveCollection } from './liveCollection';
import { LiveLogSource } from './liveLog';
import type { IResourceType } from './resources';
import { Resources } from './resources';

/** Pods that belong to a LeaderWorkerSet carry this label (set by the LWS webhook). */
const LWS_POD_SELECTOR = LWS_LABELS.name;

// One empty list, so that "nothing changed" compares equal while a collection is missing.
const NONE: never[] = Object.freeze([]) as unknown as never[];

/**
 * The live state of the user's namespace, shared by the sidebar, the deployment views and the
 * new-deployment form: the cluster context, and live copies of LeaderWorkerSets, their pods,
 * the namespace's events and Services.
 *
 * #### Notes
 * Nothing is requested until {@link activate} is called (when a view is first shown), so the
 * extension adds no request to JupyterLab's start-up. Everything live (these collections,
 * the downloads' Jobs, followed logs) travels over the page's ONE WebSocket
 * ({@link LiveChannel}, docs/live-channel.md), which leaves the browser's other connections
 * to the Jupyter server free for JupyterLab's own requests.
 */
export class NamespaceModel implements IDisposable {
  constructor(
    readonly serverSettings: ServerConnection.ISettings,
    /** The page's live channel (one per server). */
    readonly channel: LiveChannel = liveChannelFor(serverSettings)
  ) {}

  /** Emitted when the context, a watch's objects or a watch's state change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get context(): IClusterContext | null {
    return this._context;
  }

  /** Why the context could not be read (server extension missing, API server down, ...). */
  get contextError(): Error | null {
    return this._contextError;
  }

  /** The client for the namespace, once the context is known. */
  get client(): KubeClient | null {
    return this._client;
  }

  get leaderWorkerSets(): LeaderWorkerSet[] {
    return this._lws?.items ?? NONE;
  }

  get pods(): V1Pod[] {
    return this._pods?.items ?? NONE;
  }

  get events(): CoreV1Event[] {
    return this._events?.items ?? NONE;
  }

  /** The namespace's Services. */
  get services(): V1Service[] {
    return this._services?.items ?? NONE;
  }

  /** Container logs over the live channel, once the context is known. */
  get logs(): LiveLogSource | null {
    if (!this._client) {
      return null;
    }
    this._logs ??= new LiveLogSource(this.channel);
    return this._logs;
  }

  /**
   * A live copy of another resource of the namespace (e.g. the download Jobs) on the page's
   * channel, or null before the context is known; the caller disposes it.
   */
  collection<T extends KubernetesObject>(
    type: IResourceType,
    labelSelector?: string
  ): LiveCollection<T> | null {
    if (!this._client || this._disposed) {
      return null;
    }
    return new LiveCollection<T>({
      channel: this.channel,
      resource: type.plural as LiveResource,
      labelSelector
    });
  }

  /** The namespace's collections, for their connection state and errors. */
  get watches(): LiveCollection<any>[] {
    return [this._lws, this._pods, this._events, this._services].filter(
      (w): w is LiveCollection<any> => w !== null
    );
  }

  /** True once the first snapshot of LeaderWorkerSets has arrived. */
  get loaded(): boolean {
    return this._lws?.loaded ?? false;
  }

  /** True once every collection has its first snapshot (or was refused). */
  get synced(): boolean {
    return (
      this._client !== null &&
      this.watches.every(watch => watch.loaded || watch.state === 'stopped')
    );
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Reads the context and starts the watches the account is allowed to open. */
  activate(): Promise<void> {
    if (!this._activation) {
      this._activation = this.refresh();
    }
    return this._activation;
  }

  /** Reads the context again (e.g. after an admin granted rights) and restarts the watches. */
  async refresh(): Promise<void> {
    try {
      this._context = await fetchContext(this.serverSettings);
      this._contextError = null;
    } catch (error) {
      this._context = null;
      this._contextError = error as Error;
    }
    this._restartWatches();
    this._changed.emit();
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._stopWatches();
    Signal.clearData(this);
  }

  private _restartWatches(): void {
    this._stopWatches();
    const context = this._context;
    if (!context || this._disposed) {
      this._client = null;
      return;
    }
    this._client = new KubeClient(context.namespace, this.serverSettings);
    const start = <T extends KubernetesObject>(
      type: IResourceType,
      labelSelector?: string
    ) => {
      const collection = this.collection<T>(type, labelSelector)!;
      collection.changed.connect(() => this._changed.emit());
      collection.stateChanged.connect(() => this._changed.emit());
      return collection;
    };
    if (context.lwsInstalled && can(context, 'leaderworkersets', 'watch')) {
      this._lws = start<LeaderWorkerSet>(Resources.leaderWorkerSets);
    }
    if (can(context, 'pods', 'watch')) {
      this._pods = start<V1Pod>(Resources.pods, LWS_POD_SELECTOR);
    }
    if (can(context, 'events', 'watch')) {
      this._events = start<CoreV1Event>(Resources.events);
    }
    if (can(context, 'services', 'watch')) {
      this._services = start<V1Service>(Resources.services);
    }
  }

  private _stopWatches(): void {
    for (const watch of this.watches) {
      watch.dispose();
    }
    this._lws = this._pods = this._events = this._services = null;
  }

  private _context: IClusterContext | null = null;
  private _contextError: Error | null = null;
  private _client: KubeClient | null = null;
  private _logs: LiveLogSource | null = null;
  private _activation: Promise<void> | null = null;
  private _lws: LiveCollection<LeaderWorkerSet> | null = null;
  private _pods: LiveCollection<V1Pod> | null = null;
  private _events: LiveCollection<CoreV1Event> | null = null;
  private _services: LiveCollection<V1Service> | null = null;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}
