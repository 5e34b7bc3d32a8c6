import type {
  KubernetesListObject,
  KubernetesObject
} from '@kubernetes/client-node';

import type { ConnectionBudget, IConnectionLease } from './connectionBudget';
import { LwsApiError } from './request';
import type { IResourceType } from './resources';
import type { IWatchSource } from './watch';

/** What the multiplexer needs from the transport: {@link KubeClient} provides all three. */
export interface IMultiWatchTransport {
  list<T extends KubernetesObject>(
    type: IResourceType,
    params?: { labelSelector?: string; fieldSelector?: string }
  ): Promise<KubernetesListObject<T>>;
  /** The proxy path (below `k8s/`) of a watch from `resourceVersion`. */
  watchPath(
    type: IResourceType,
    resourceVersion: string,
    params?: { labelSelector?: string; fieldSelector?: string }
  ): string;
  /** Opens one request carrying every watch of `paths` (id -> path); yields its raw lines. */
  multiWatchLines(
    paths: ReadonlyMap<string, string>,
    signal: AbortSignal
  ): AsyncIterable<string>;
}

/** Options of a {@link WatchMultiplexer}. */
export interface IWatchMultiplexerOptions {
  transport: IMultiWatchTransport;
  budget: ConnectionBudget;
  /** Milliseconds to wait for more watches to join before a request opens (default 50). */
  gatherMs?: number;
}

/**
 * Carries every watch of the namespace over ONE long-lived request to the server extension's
 * `lws/api/watches` route, so the watches take one of the browser's six connections per host
 * instead of three (issue 19). It is an {@link IWatchSource}: each {@link ResourceWatch} keeps
 * its own list, resourceVersion, 410 handling and backoff, unchanged.
 *
 * #### Notes
 * The route answers lines `<id>\t<watch event JSON>`; a line `<id>` alone says that watch ended
 * (the API server's timeout) and the watch resumes from its resourceVersion. A request cannot
 * grow, so a watch that joins (or resumes) ends the open request: the others resume too, and
 * all that joined within `gatherMs` share the next one. That happens at start, after an
 * API-server timeout (every 30-60 min) and after an error, never per event.
 * This is a step toward the single live channel (a WebSocket) of DESIGN.md, section 1.
 */
export class WatchMultiplexer implements IWatchSource {
  constructor(options: IWatchMultiplexerOptions) {
    this._options = options;
  }

  /** Requests opened so far (for tests and diagnostics). */
  get requests(): number {
    return this._requests;
  }

  list<T extends KubernetesObject>(
    type: IResourceType,
    params?: { labelSelector?: string; fieldSelector?: string }
  ): Promise<KubernetesListObject<T>> {
    return this._options.transport.list<T>(type, params);
  }

  watchLines(
    type: IResourceType,
    resourceVersion: string,
    signal: AbortSignal,
    params?: { labelSelector?: string; fieldSelector?: string }
  ): AsyncIterable<string> {
    const path = this._options.transport.watchPath(
      type,
      resourceVersion,
      params
    );
    return this._subscribe(path, signal);
  }

  /** Ends the open request and every watch's stream. */
  dispose(): void {
    for (const sub of this._subs.values()) {
      sub.finish(null);
    }
    this._close();
  }

  private async *_subscribe(
    path: string,
    signal: AbortSignal
  ): AsyncGenerator<string> {
    if (signal.aborted) {
      return;
    }
    const sub = new Subscription(`w${++this._ids}`, path);
    this._subs.set(sub.id, sub);
    this._join();
    const onAbort = () => sub.wake();
    signal.addEventListener('abort', onAbort);
    try {
      for (;;) {
        await sub.next(signal);
        if (signal.aborted) {
          return;
        }
        const line = sub.take();
        if (line !== undefined) {
          yield line;
          continue;
        }
        if (sub.error) {
          throw sub.error;
        }
        return;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this._subs.delete(sub.id);
      if (this._subs.size === 0) {
        this._close();
      }
    }
  }

  // A request cannot take a new watch: end it (its watches resume and re-join), then open
  // one for everybody once the joiners have gathered.
  private _join(): void {
    this._endRequest();
    if (this._timer !== null) {
      clearTimeout(this._timer);
    }
    this._timer = setTimeout(() => {
      this._timer = null;
      this._open();
    }, this._options.gatherMs ?? 50);
  }

  private _open(): void {
    const subs = [...this._subs.values()].filter(sub => !sub.done);
    if (subs.length === 0) {
      return;
    }
    if (!this._lease || this._lease.isDisposed) {
      this._lease = this._options.budget.tryAcquire({
        // eslint-disable-next-line jupyter/no-untranslated-string -- a holder's id, not a UI string
        label: 'watches',
        priority: 'essential'
      });
    }
    if (!this._lease) {
      const busy = new LwsApiError(
        503,
        'no connection is free for the watches (every slot of the budget is held)'
      );
      subs.forEach(sub => sub.finish(busy));
      return;
    }
    const abort = new AbortController();
    this._abort = abort;
    this._requests += 1;
    void this._pump(subs, abort.signal);
  }

  private async _pump(subs: Subscription[], signal: AbortSignal) {
    const mine = new Map(subs.map(sub => [sub.id, sub]));
    let failure: Error | null = null;
    try {
      const lines = this._options.transport.multiWatchLines(
        new Map(subs.map(sub => [sub.id, sub.path])),
        signal
      );
      for await (const line of lines) {
        const tab = line.indexOf('\t');
        const sub = mine.get(tab < 0 ? line : line.slice(0, tab));
        if (!sub) {
          continue;
        }
        if (tab < 0) {
          sub.finish(null);
        } else {
          sub.push(line.slice(tab + 1));
        }
      }
    } catch (error) {
      failure = signal.aborted ? null : (error as Error);
    }
    // The request ended (or was ended for a restart): its watches resume from where they are.
    for (const sub of mine.values()) {
      sub.finish(failure);
    }
    if (this._abort?.signal === signal) {
      this._abort = null;
    }
  }

  private _endRequest(): void {
    this._abort?.abort();
    this._abort = null;
  }

  private _close(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    this._endRequest();
    this._lease?.dispose();
    this._lease = null;
  }

  private _options: IWatchMultiplexerOptions;
  private _subs = new Map<string, Subscription>();
  private _ids = 0;
  private _requests = 0;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _abort: AbortController | null = null;
  private _lease: IConnectionLease | null = null;
}

/** One watch's lines, queued between the shared request and the watch's consumer. */
class Subscription {
  constructor(
    readonly id: string,
    readonly path: string
  ) {}

  done = false;
  error: Error | null = null;

  push(line: string): void {
    if (!this.done) {
      this._lines.push(line);
      this.wake();
    }
  }

  finish(error: Error | null): void {
    if (!this.done) {
      this.done = true;
      this.error = error;
      this.wake();
    }
  }

  take(): string | undefined {
    return this._lines.shift();
  }

  /** Resolves when a line is queued, the stream finished, or the signal aborted. */
  async next(signal: AbortSignal): Promise<void> {
    while (this._lines.length === 0 && !this.done && !signal.aborted) {
      await new Promise<void>(resolve => (this._wake = resolve));
    }
  }

  wake(): void {
    const wake = this._wake;
    this._wake = null;
    wake?.();
  }

  private _lines: string[] = [];
  private _wake: (() => void) | null = null;
}
