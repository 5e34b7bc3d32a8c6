import { URLExt } from '@jupyterlab/coreutils';
import type { ServerConnection } from '@jupyterlab/services';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import { API_PREFIX } from './request';

/** The live channel's path below the Jupyter base URL (docs/live-channel.md). */
export const LIVE_PATH = `${API_PREFIX}/live`;

/** A resource type the channel subscribes to: a key of the server's allow-list. */
export type LiveResource =
  | 'leaderworkersets'
  | 'pods'
  | 'events'
  | 'services'
  | 'jobs'
  | 'persistentvolumeclaims';

/** `subscribe`: the objects of one resource type of the namespace, as a snapshot then changes. */
export interface ISubscribeRequest {
  op: 'subscribe';
  resource: LiveResource;
  labelSelector?: string;
}

/** `log`: one container log, with the Kubernetes log API's options. */
export interface ILogRequest {
  op: 'log';
  pod: string;
  container?: string;
  follow?: boolean;
  tailLines?: number;
  previous?: boolean;
  timestamps?: boolean;
  sinceTime?: string;
}

/** What the browser asks for; the channel adds the id. */
export type LiveRequest = ISubscribeRequest | ILogRequest;

/** One change of a subscription (a Kubernetes watch event without bookmarks and errors). */
export interface ILiveChange<T = KubernetesObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: T;
}

/** Why the server refused, ended or is retrying something (a Kubernetes Status, in short). */
export interface ILiveStatus {
  code?: number;
  reason?: string;
  message?: string;
}

/** A message from the server, for one subscription or log (see docs/live-channel.md). */
export type LiveMessage =
  | {
      type: 'snapshot';
      id: string;
      items: KubernetesObject[];
      resourceVersion?: string;
    }
  | { type: 'changes'; id: string; events: ILiveChange[] }
  | {
      type: 'state';
      id: string;
      state: 'live' | 'retrying';
      error?: ILiveStatus;
    }
  | { type: 'log'; id: string; text: string }
  | ({ type: 'end'; id: string } & ILiveStatus)
  | ({ type: 'error'; id?: string } & ILiveStatus);

/**
 * Where the page's socket is: `closed` (nothing subscribed), `connecting` (first attempt),
 * `open`, or `reconnecting` (it was lost, or could not be opened; trying again after a wait).
 */
export type LiveChannelState =
  'closed' | 'connecting' | 'open' | 'reconnecting';

/** The receiver of one subscription's messages. */
export interface ILiveHandler {
  /** A message of the server for this subscription; `end` and `error` are its last. */
  message(message: LiveMessage): void;
  /**
   * The socket was lost (`error` says why) or is open again. A resubscribing handler is sent
   * again on reopen (its `snapshot` replaces what it holds); any other is forgotten on loss.
   */
  connection?(state: LiveChannelState, error: Error | null): void;
}

/** What a {@link LiveChannel} needs of a WebSocket (the browser's, or a test's fake). */
export interface ILiveSocket {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** Options of a {@link LiveChannel}. */
export interface ILiveChannelOptions {
  url: string;
  /** Opens a socket (default: the browser's WebSocket). */
  createSocket?: (url: string) => ILiveSocket;
  /** Milliseconds the socket stays open after the last unsubscribe (default 2000). */
  graceMs?: number;
  /** A number in [0, 1) for the reconnection jitter (default Math.random). */
  random?: () => number;
}

/** The channel's error when the socket closed or could not be opened. */
export class LiveConnectionLost extends Error {
  constructor(readonly code: number) {
    super(`the live connection to the Jupyter server was lost (code ${code})`);
    this.name = 'LiveConnectionLost';
  }
}

/** The WebSocket URL of the live channel, with the token when the settings append one. */
export function liveUrl(settings: ServerConnection.ISettings): string {
  const url = URLExt.join(settings.wsUrl, LIVE_PATH);
  // Like JupyterLab's kernel sockets: a browser cannot set headers on a WebSocket upgrade.
  return settings.appendToken && settings.token
    ? `${url}?token=${encodeURIComponent(settings.token)}`
    : url;
}

/** The first wait before reconnecting, and the longest. */
export const RECONNECT_FIRST_MS = 500;
export const RECONNECT_MAX_MS = 30_000;

/**
 * The wait before reconnection attempt `attempt` (0-based): doubling from
 * {@link RECONNECT_FIRST_MS} up to {@link RECONNECT_MAX_MS}, of which a random half, so that
 * the tabs of a restarted server do not all come back at the same instant ("equal jitter").
 */
export function reconnectDelay(attempt: number, random: number): number {
  const ceiling = Math.min(
    RECONNECT_MAX_MS,
    RECONNECT_FIRST_MS * 2 ** Math.max(0, attempt)
  );
  return ceiling / 2 + (ceiling / 2) * random;
}

/** Ids the server accepts (docs/live-channel.md). */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** Hands out the ids of one channel's subscriptions: never reused while the page lives. */
export class LiveIds {
  /** The next id; `s` for subscriptions, `l` for logs. */
  next(request: LiveRequest): string {
    this._count += 1;
    const id = `${request.op === 'log' ? 'l' : 's'}${this._count.toString(36)}`;
    if (!ID_PATTERN.test(id)) {
      throw new Error(`invalid live channel id ${id}`);
    }
    return id;
  }

  private _count = 0;
}

/** The name an object is kept under in a subscription's copy. */
export function objectKey(object: KubernetesObject): string {
  return object.metadata?.name ?? '';
}

/**
 * Applies a `snapshot` (replaces the copy) or `changes` message to a name-keyed copy of a
 * subscription's objects, in place; returns true when the copy changed.
 */
export function applyLiveMessage<T extends KubernetesObject>(
  items: Map<string, T>,
  message: LiveMessage
): boolean {
  if (message.type === 'snapshot') {
    items.clear();
    for (const item of message.items as T[]) {
      items.set(objectKey(item), item);
    }
    return true;
  }
  if (message.type !== 'changes') {
    return false;
  }
  for (const event of message.events as ILiveChange<T>[]) {
    const key = objectKey(event.object);
    if (event.type === 'DELETED') {
      items.delete(key);
    } else if (event.type === 'ADDED' || event.type === 'MODIFIED') {
      items.set(key, event.object);
    }
  }
  return message.events.length > 0;
}

/** Parses one frame of the server; null for a frame that is not a message. */
export function parseLiveMessage(data: unknown): LiveMessage | null {
  if (typeof data !== 'string') {
    return null;
  }
  try {
    const message = JSON.parse(data) as LiveMessage;
    return message && typeof message === 'object' && 'type' in message
      ? message
      : null;
  } catch {
    return null;
  }
}

// WebSocket.OPEN, without relying on a global in tests.
const OPEN = 1;

interface ISubscription {
  request: LiveRequest;
  handler: ILiveHandler;
  /** Sent again after a reconnect (resource subscriptions), or forgotten (logs). */
  resubscribe: boolean;
}

/**
 * The page's one WebSocket to the server extension (`lws/api/live`), carrying every live
 * subscription and followed log (docs/live-channel.md).
 *
 * #### Notes
 * Opened by the first subscription and closed `graceMs` after the last (a view closed and
 * opened again keeps the socket). A lost socket is opened again after a doubling wait with
 * jitter ({@link reconnectDelay}); its resource subscriptions are sent again and the server's
 * fresh snapshot replaces each copy. Logs are not sent again: their owner
 * ({@link LogStream}) resumes from the last line it read.
 */
export class LiveChannel implements IDisposable {
  constructor(options: ILiveChannelOptions) {
    this._options = options;
  }

  /** Emitted when {@link state} changes. */
  get stateChanged(): ISignal<this, LiveChannelState> {
    return this._stateChanged;
  }

  get state(): LiveChannelState {
    return this._state;
  }

  /** Why the socket was lost, while it is reconnecting. */
  get error(): Error | null {
    return this._error;
  }

  /** Subscriptions and logs open now. */
  get size(): number {
    return this._subs.size;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /**
   * Sends a subscription or log request (now, or once the socket is open) and routes the
   * server's messages for it to `handler` until the returned handle is disposed (which
   * unsubscribes) or the server ends it.
   */
  subscribe(
    request: LiveRequest,
    handler: ILiveHandler,
    resubscribe = request.op === 'subscribe'
  ): IDisposable {
    const id = this._ids.next(request);
    let disposed = false;
    const handle: IDisposable = {
      get isDisposed() {
        return disposed;
      },
      dispose: () => {
        if (disposed) {
          return;
        }
        disposed = true;
        if (this._subs.delete(id)) {
          this._send({ op: 'unsubscribe', id });
          this._idleCheck();
        }
      }
    };
    if (this._disposed) {
      disposed = true;
      return handle;
    }
    this._subs.set(id, { request, handler, resubscribe });
    this._cancelGrace();
    if (this._socket?.readyState === OPEN) {
      this._send({ ...request, id });
    } else if (!this._socket && this._retry === null) {
      this._connect();
    }
    return handle;
  }

  /** Closes the socket and forgets every subscription. */
  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._subs.clear();
    this._cancelGrace();
    if (this._retry !== null) {
      clearTimeout(this._retry);
      this._retry = null;
    }
    this._closeSocket();
    this._setState('closed', null);
    Signal.clearData(this);
  }

  private _connect(): void {
    this._setState(
      this._attempt === 0 ? 'connecting' : 'reconnecting',
      this._error
    );
    const create =
      this._options.createSocket ??
      ((url: string) => new WebSocket(url) as unknown as ILiveSocket);
    let socket: ILiveSocket;
    try {
      socket = create(this._options.url);
    } catch {
      // An invalid URL or a blocked port: as if it had closed at once.
      this._lost(1006);
      return;
    }
    this._socket = socket;
    socket.onopen = () => {
      if (this._socket !== socket) {
        return;
      }
      this._setState('open', null);
      for (const [id, sub] of this._subs) {
        this._send({ ...sub.request, id });
        sub.handler.connection?.('open', null);
      }
    };
    socket.onmessage = event => {
      if (this._socket === socket) {
        this._receive(event.data);
      }
    };
    socket.onclose = event => {
      if (this._socket === socket) {
        this._socket = null;
        this._lost(event.code);
      }
    };
    // A failed upgrade (refused, server down) is followed by a close: handled there.
    socket.onerror = () => undefined;
  }

  private _receive(data: unknown): void {
    const message = parseLiveMessage(data);
    if (!message) {
      return;
    }
    // The server answers: the next loss waits the shortest time again. (Not on open: a server
    // that accepts and closes at once must not be asked again and again without a wait.)
    this._attempt = 0;
    const sub = message.id !== undefined ? this._subs.get(message.id) : null;
    if (!sub) {
      if (message.type === 'error') {
        console.warn(
          'jupyterlab-lws: the live channel refused a message',
          message
        );
      }
      // Otherwise a message for what was just unsubscribed, still in flight.
      return;
    }
    if (message.type === 'end' || message.type === 'error') {
      // The server has forgotten it: no unsubscribe is due.
      this._subs.delete(message.id!);
      this._idleCheck();
    }
    sub.handler.message(message);
  }

  // The socket closed: logs end with the loss; subscriptions wait for the next socket.
  private _lost(code: number): void {
    this._socket = null;
    this._error = new LiveConnectionLost(code);
    for (const [id, sub] of [...this._subs]) {
      if (!sub.resubscribe) {
        this._subs.delete(id);
      }
      sub.handler.connection?.('reconnecting', this._error);
    }
    if (this._subs.size === 0 || this._disposed) {
      this._error = null;
      this._attempt = 0;
      this._setState('closed', null);
      return;
    }
    this._setState('reconnecting', this._error);
    const wait = reconnectDelay(
      this._attempt,
      (this._options.random ?? Math.random)()
    );
    this._attempt += 1;
    this._retry = setTimeout(() => {
      this._retry = null;
      if (this._subs.size > 0 && !this._disposed) {
        this._connect();
      } else {
        this._setState('closed', null);
      }
    }, wait);
  }

  private _send(message: object): void {
    if (this._socket?.readyState === OPEN) {
      this._socket.send(JSON.stringify(message));
    }
  }

  // Nothing subscribed: close after a grace, so a view closed and reopened keeps the socket.
  private _idleCheck(): void {
    if (this._subs.size > 0 || this._grace !== null) {
      return;
    }
    this._grace = setTimeout(() => {
      this._grace = null;
      if (this._subs.size === 0) {
        if (this._retry !== null) {
          clearTimeout(this._retry);
          this._retry = null;
        }
        this._closeSocket();
        this._attempt = 0;
        this._error = null;
        this._setState('closed', null);
      }
    }, this._options.graceMs ?? 2000);
  }

  private _cancelGrace(): void {
    if (this._grace !== null) {
      clearTimeout(this._grace);
      this._grace = null;
    }
  }

  private _closeSocket(): void {
    const socket = this._socket;
    this._socket = null;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = null;
      socket.close(1000);
    }
  }

  private _setState(state: LiveChannelState, error: Error | null): void {
    this._error = error;
    if (state !== this._state) {
      this._state = state;
      this._stateChanged.emit(state);
    }
  }

  private _options: ILiveChannelOptions;
  private _ids = new LiveIds();
  private _subs = new Map<string, ISubscription>();
  private _socket: ILiveSocket | null = null;
  private _state: LiveChannelState = 'closed';
  private _error: Error | null = null;
  private _attempt = 0;
  private _retry: ReturnType<typeof setTimeout> | null = null;
  private _grace: ReturnType<typeof setTimeout> | null = null;
  private _disposed = false;
  private _stateChanged = new Signal<this, LiveChannelState>(this);
}

const channels = new Map<string, LiveChannel>();

/** The page's channel to a server: one per WebSocket URL, made on first use. */
export function liveChannelFor(
  settings: ServerConnection.ISettings
): LiveChannel {
  const url = liveUrl(settings);
  let channel = channels.get(url);
  if (!channel || channel.isDisposed) {
    channel = new LiveChannel({ url });
    channels.set(url, channel);
  }
  return channel;
}
