import type { KubernetesObject } from '@kubernetes/client-node';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import type {
  ILiveStatus,
  LiveChannel,
  LiveChannelState,
  LiveMessage,
  LiveResource
} from './liveChannel';
import { applyLiveMessage } from './liveChannel';
import { LwsApiError } from './request';

/** The state of a live collection, for the UI to show. */
export type WatchState = 'connecting' | 'live' | 'retrying' | 'stopped';

/** Options of a {@link LiveCollection}. */
export interface ILiveCollectionOptions {
  channel: LiveChannel;
  resource: LiveResource;
  labelSelector?: string;
}

/** A server's status as an error a view can show. */
export function statusError(status: ILiveStatus | undefined): LwsApiError {
  return new LwsApiError(
    status?.code ?? 500,
    status?.message || status?.reason || 'the live channel reported an error',
    status?.reason ?? ''
  );
}

/**
 * A live, name-keyed copy of the objects of one resource type of the namespace, kept by a
 * subscription of the page's {@link LiveChannel}: the server's snapshot, then its changes.
 *
 * #### Notes
 * The server's informer lists, watches, resumes and lists again on 410 Gone; this copy only
 * applies what it sends. `items` is the same array (and each object the same object) until
 * something changes, so views and view-models can compare by identity.
 */
export class LiveCollection<T extends KubernetesObject> implements IDisposable {
  constructor(options: ILiveCollectionOptions) {
    const { channel, resource, labelSelector } = options;
    this._subscription = channel.subscribe(
      labelSelector
        ? { op: 'subscribe', resource, labelSelector }
        : { op: 'subscribe', resource },
      {
        message: message => this._message(message),
        connection: (state, error) => this._connection(state, error)
      }
    );
  }

  /** Emitted after every change of the objects. */
  get changed(): ISignal<this, T[]> {
    return this._changed;
  }

  /** Emitted when the state changes. */
  get stateChanged(): ISignal<this, WatchState> {
    return this._stateChanged;
  }

  /** The current objects, sorted by name. */
  get items(): T[] {
    if (this._sorted === null) {
      this._sorted = [...this._items.values()].sort((a, b) =>
        (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '')
      );
    }
    return this._sorted;
  }

  get state(): WatchState {
    return this._state;
  }

  /** The last error, cleared once the subscription is live again. */
  get error(): Error | null {
    return this._error;
  }

  /** True once the first snapshot has arrived. */
  get loaded(): boolean {
    return this._loaded;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Unsubscribes. */
  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._subscription.dispose();
    this._setState('stopped');
    Signal.clearData(this);
  }

  private _message(message: LiveMessage): void {
    switch (message.type) {
      case 'snapshot':
      case 'changes':
        if (message.type === 'snapshot') {
          this._loaded = true;
          this._error = null;
          this._setState('live');
        }
        if (applyLiveMessage(this._items, message)) {
          this._sorted = null;
        }
        this._emit();
        break;
      case 'state':
        this._error =
          message.state === 'live' ? null : statusError(message.error);
        this._setState(message.state);
        this._emit();
        break;
      case 'end':
      case 'error':
        // The server gave up on it (e.g. RBAC refused): what was read stays.
        this._error = statusError(message);
        this._setState('stopped');
        this._emit();
        break;
    }
  }

  private _connection(state: LiveChannelState, error: Error | null): void {
    if (state === 'reconnecting') {
      // The copy stays on screen; the next snapshot replaces it.
      this._error = error;
      this._setState('retrying');
      this._emit();
    }
  }

  private _emit(): void {
    if (!this._disposed) {
      this._changed.emit(this.items);
    }
  }

  private _setState(state: WatchState): void {
    if (state !== this._state) {
      this._state = state;
      if (!this._disposed || state === 'stopped') {
        this._stateChanged.emit(state);
      }
    }
  }

  private _subscription: IDisposable;
  private _items = new Map<string, T>();
  private _sorted: T[] | null = null;
  private _loaded = false;
  private _error: Error | null = null;
  private _state: WatchState = 'connecting';
  private _disposed = false;
  private _changed = new Signal<this, T[]>(this);
  private _stateChanged = new Signal<this, WatchState>(this);
}
