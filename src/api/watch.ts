import type {
  KubernetesListObject,
  KubernetesObject
} from '@kubernetes/client-node';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import { LwsApiError } from './request';
import type { IResourceType } from './resources';

/** One line of a Kubernetes watch stream. */
export interface IWatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** What a watch needs from the transport: {@link KubeClient} provides both. */
export interface IWatchSource {
  list<T extends KubernetesObject>(
    type: IResourceType,
    params?: { labelSelector?: string; fieldSelector?: string }
  ): Promise<KubernetesListObject<T>>;
  watchLines(
    type: IResourceType,
    resourceVersion: string,
    signal: AbortSignal,
    params?: { labelSelector?: string; fieldSelector?: string }
  ): AsyncIterable<string>;
}

/** The connection state of a watch, for the UI to show. */
export type WatchState = 'connecting' | 'live' | 'retrying' | 'stopped';

/** Options of a {@link ResourceWatch}. */
export interface IResourceWatchOptions {
  source: IWatchSource;
  type: IResourceType;
  labelSelector?: string;
  fieldSelector?: string;
  /** Waits between reconnection attempts; tests pass a fake. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** Applies one watch event to a name-keyed map of objects, in place. */
export function applyWatchEvent<T extends KubernetesObject>(
  items: Map<string, T>,
  event: IWatchEvent<T>
): void {
  const key = event.object.metadata?.name ?? '';
  if (event.type === 'DELETED') {
    items.delete(key);
  } else if (event.type === 'ADDED' || event.type === 'MODIFIED') {
    items.set(key, event.object);
  }
}

/**
 * Keeps a live, name-keyed copy of the objects of one resource type: lists, then watches from the
 * list's resourceVersion, resumes after a disconnect, and lists again on `410 Gone`.
 *
 * #### Notes
 * This is the informer pattern of client-go, reduced to what a UI needs. There is no polling:
 * an idle namespace costs one open request per resource type.
 */
export class ResourceWatch<T extends KubernetesObject> {
  constructor(options: IResourceWatchOptions) {
    this._options = options;
    this._sleep = options.sleep ?? abortableSleep;
  }

  /** Emitted after every change of the objects. */
  get changed(): ISignal<this, T[]> {
    return this._changed;
  }

  /** Emitted when the connection state changes. */
  get stateChanged(): ISignal<this, WatchState> {
    return this._stateChanged;
  }

  /** The current objects, sorted by name. */
  get items(): T[] {
    return [...this._items.values()].sort((a, b) =>
      (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '')
    );
  }

  get state(): WatchState {
    return this._state;
  }

  /** The last error, cleared once the watch is live again. */
  get error(): Error | null {
    return this._error;
  }

  /** True once the first list has arrived. */
  get loaded(): boolean {
    return this._loaded;
  }

  /** Starts listing and watching; resolves when the watch is stopped. */
  start(): Promise<void> {
    if (!this._running) {
      this._running = this._run();
    }
    return this._running;
  }

  /** Stops the watch and cancels the open request. */
  dispose(): void {
    if (this._abort.signal.aborted) {
      return;
    }
    this._abort.abort();
    this._setState('stopped');
    Signal.clearData(this);
  }

  get isDisposed(): boolean {
    return this._abort.signal.aborted;
  }

  private async _run(): Promise<void> {
    const { source, type, labelSelector, fieldSelector } = this._options;
    const params = { labelSelector, fieldSelector };
    const signal = this._abort.signal;
    let resourceVersion = '';
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (!resourceVersion) {
          const list = await source.list<T>(type, params);
          this._items = new Map(
            list.items.map(item => [item.metadata?.name ?? '', item])
          );
          resourceVersion = list.metadata?.resourceVersion ?? '';
          this._loaded = true;
          this._emit();
        }
        for await (const line of source.watchLines(
          type,
          resourceVersion,
          signal,
          params
        )) {
          if (!line.trim()) {
            continue;
          }
          const event = JSON.parse(line) as IWatchEvent<T>;
          if (event.type === 'ERROR') {
            const status = event.object as unknown as {
              code?: number;
              message?: string;
            };
            if (status.code === 410) {
              // Our resourceVersion fell out of the API server's window: start over.
              resourceVersion = '';
              break;
            }
            throw new LwsApiError(
              status.code ?? 500,
              status.message ?? 'watch error'
            );
          }
          resourceVersion =
            event.object.metadata?.resourceVersion ?? resourceVersion;
          failures = 0;
          this._error = null;
          this._setState('live');
          if (event.type !== 'BOOKMARK') {
            applyWatchEvent(this._items, event);
            this._emit();
          }
        }
        // The server closed the watch (its timeout): resume from where we are.
        if (signal.aborted) {
          break;
        }
      } catch (error) {
        if (signal.aborted) {
          break;
        }
        if (error instanceof LwsApiError && error.gone) {
          resourceVersion = '';
          continue;
        }
        this._error = error as Error;
        this._setState('retrying');
        this._emit();
        if (error instanceof LwsApiError && error.forbidden) {
          // RBAC will not change by retrying quickly; keep trying slowly in case an admin fixes it.
          failures = Math.max(failures, 5);
        }
        failures += 1;
        await this._sleep(Math.min(30_000, 500 * 2 ** failures), signal).catch(
          () => undefined
        );
      }
    }
  }

  private _emit(): void {
    if (!this.isDisposed) {
      this._changed.emit(this.items);
    }
  }

  private _setState(state: WatchState): void {
    if (state !== this._state) {
      this._state = state;
      this._stateChanged.emit(state);
    }
  }

  private _options: IResourceWatchOptions;
  private _sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private _abort = new AbortController();
  private _items = new Map<string, T>();
  private _loaded = false;
  private _error: Error | null = null;
  private _state: WatchState = 'connecting';
  private _running: Promise<void> | null = null;
  private _changed = new Signal<this, T[]>(this);
  private _stateChanged = new Signal<this, WatchState>(this);
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    });
  });
}
