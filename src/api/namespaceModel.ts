import type { ServerConnection } from '@jupyterlab/services';
import type { CoreV1Event, V1Pod, V1Service } from '@kubernetes/client-node';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import type { LeaderWorkerSet } from '../model/lws';
import { LWS_LABELS } from '../model/lws';
import type { ConnectionBudget } from './connectionBudget';
import { connectionBudget } from './connectionBudget';
import type { IClusterContext } from './context';
import { can, fetchContext } from './context';
import { KubeClient } from './kube';
import { Resources } from './resources';
import type { IWatchSource } from './watch';
import { ResourceWatch } from './watch';
import { WatchMultiplexer } from './watchMux';

/** Pods that belong to a LeaderWorkerSet carry this label (set by the LWS webhook). */
const LWS_POD_SELECTOR = LWS_LABELS.name;

/**
 * How long after the set of LeaderWorkerSets changed the Services are listed again: whoever
 * created an LWS usually creates its API Service right after it.
 */
const SERVICES_SETTLE_MS = 1500;

/**
 * The live state of the user's namespace, shared by the sidebar, the deployment views and the
 * new-deployment form: the cluster context, and watches of LeaderWorkerSets, their pods and the
 * namespace's events.
 *
 * #### Notes
 * Nothing is requested until {@link activate} is called (when a view is first shown), so the
 * extension adds no request to JupyterLab's start-up. The watches share ONE request
 * ({@link WatchMultiplexer}), a single slot of the {@link connections} budget.
 */
export class NamespaceModel implements IDisposable {
  constructor(
    readonly serverSettings: ServerConnection.ISettings,
    /** The long-lived connections budget every stream of the page shares. */
    readonly connections: ConnectionBudget = connectionBudget
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
    return this._lws?.items ?? [];
  }

  get pods(): V1Pod[] {
    return this._pods?.items ?? [];
  }

  get events(): CoreV1Event[] {
    return this._events?.items ?? [];
  }

  /**
   * The namespace's Services, as last listed (see {@link refreshServices}).
   *
   * #### Notes
   * Services are listed, not watched: they change rarely, and a watch would cost a restart of
   * the shared watch request whenever the set changes. They are listed again when the set of LeaderWorkerSets changes and when a view asks (a deployment
   * became Ready, its detail opened, an action changed them).
   */
  get services(): V1Service[] {
    return this._services;
  }

  /** Lists the Services again; concurrent calls share one request. */
  refreshServices(): Promise<void> {
    const client = this._client;
    if (!client || !can(this._context, 'services', 'list')) {
      return Promise.resolve();
    }
    if (this._servicesRequest) {
      this._servicesAgain = true;
      return this._servicesRequest;
    }
    const run = async (): Promise<void> => {
      do {
        this._servicesAgain = false;
        try {
          const list = await client.list<V1Service>(Resources.services);
          if (client !== this._client || this._disposed) {
            return;
          }
          this._services = list.items;
          this._changed.emit();
        } catch (error) {
          // The previous list stays; the endpoint view says when it cannot find a Service.
          console.warn('jupyterlab-lws: cannot list Services', error);
        }
      } while (this._servicesAgain && !this._disposed);
    };
    this._servicesRequest = run().finally(() => {
      this._servicesRequest = null;
    });
    return this._servicesRequest;
  }

  /**
   * The namespace's shared watch request: a {@link ResourceWatch} of another resource (e.g.
   * the download Jobs) built on it takes no connection of its own.
   */
  get watchSource(): IWatchSource | null {
    return this._mux;
  }

  /** The watches, for their connection state and errors. */
  get watches(): ResourceWatch<any>[] {
    return [this._lws, this._pods, this._events].filter(
      (w): w is ResourceWatch<any> => w !== null
    );
  }

  /** True once the first list of LeaderWorkerSets has arrived. */
  get loaded(): boolean {
    return this._lws?.loaded ?? false;
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
    if (this._servicesTimer !== null) {
      clearTimeout(this._servicesTimer);
    }
    Signal.clearData(this);
  }

  private _restartWatches(): void {
    this._stopWatches();
    const context = this._context;
    if (!context || this._disposed) {
      this._client = null;
      return;
    }
    const client = new KubeClient(context.namespace, this.serverSettings);
    this._client = client;
    const source = new WatchMultiplexer({
      transport: client,
      budget: this.connections
    });
    this._mux = source;
    const start = <T extends object>(
      watch: ResourceWatch<T & { metadata?: any }>
    ) => {
      watch.changed.connect(() => this._changed.emit());
      watch.stateChanged.connect(() => this._changed.emit());
      void watch.start();
      return watch;
    };
    if (context.lwsInstalled && can(context, 'leaderworkersets', 'watch')) {
      this._lws = start(
        new ResourceWatch<LeaderWorkerSet>({
          source,
          type: Resources.leaderWorkerSets
        })
      );
      this._lws.changed.connect((_, items) => this._lwsNamesChanged(items));
    }
    this._services = [];
    void this.refreshServices();
    if (can(context, 'pods', 'watch')) {
      this._pods = start(
        new ResourceWatch<V1Pod>({
          source,
          type: Resources.pods,
          labelSelector: LWS_POD_SELECTOR
        })
      );
    }
    if (can(context, 'events', 'watch')) {
      this._events = start(
        new ResourceWatch<CoreV1Event>({
          source,
          type: Resources.events
        })
      );
    }
  }

  private _lwsNamesChanged(items: LeaderWorkerSet[]): void {
    const names = items.map(item => item.metadata?.name ?? '').join('\n');
    if (names === this._lwsNames) {
      return;
    }
    this._lwsNames = names;
    if (this._servicesTimer !== null) {
      clearTimeout(this._servicesTimer);
    }
    this._servicesTimer = setTimeout(() => {
      this._servicesTimer = null;
      void this.refreshServices();
    }, SERVICES_SETTLE_MS);
  }

  private _stopWatches(): void {
    for (const watch of this.watches) {
      watch.dispose();
    }
    this._mux?.dispose();
    this._mux = null;
    this._lws = this._pods = this._events = null;
  }

  private _context: IClusterContext | null = null;
  private _contextError: Error | null = null;
  private _client: KubeClient | null = null;
  private _activation: Promise<void> | null = null;
  private _lws: ResourceWatch<LeaderWorkerSet> | null = null;
  private _pods: ResourceWatch<V1Pod> | null = null;
  private _events: ResourceWatch<CoreV1Event> | null = null;
  private _mux: WatchMultiplexer | null = null;
  private _services: V1Service[] = [];
  private _servicesRequest: Promise<void> | null = null;
  private _servicesAgain = false;
  private _servicesTimer: ReturnType<typeof setTimeout> | null = null;
  private _lwsNames = '';
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}
