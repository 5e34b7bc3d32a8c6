import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import type { ILoadingProgress } from '../model/loadingProgress';
import { modelLoadingProgress } from '../model/loadingProgress';
import type { ILogOptions } from './kube';
import { LiveConnectionLost } from './liveChannel';
import { LwsApiError } from './request';
import { displayLine, LogTail } from './logTail';

/** What a log stream needs from the transport: {@link LiveLogSource} provides it. */
export interface ILogSource {
  logLines(
    pod: string,
    options: ILogOptions,
    signal: AbortSignal
  ): AsyncIterable<string>;
  /**
   * Emitted when a lost transport is back: a stream paused by the loss (its lines ended
   * with {@link LiveConnectionLost}) follows again from its last line.
   */
  readonly reconnected?: ISignal<unknown, void>;
}

/** Where a log stream is. */
export type LogStreamState =
  | 'connecting'
  | 'streaming'
  /** The server closed the log: the container stopped, or `follow` was off. */
  | 'ended'
  | 'error'
  /** Not following: the view is hidden, or the connection was lost; the lines read are kept. */
  | 'paused'
  | 'stopped';

/** Options of a {@link LogStream}. */
export interface ILogStreamOptions {
  source: ILogSource;
  pod: string;
  container?: string;
  /** Lines kept (and asked for from the end of the log). */
  tailLines: number;
  /** Keep the request open and receive lines as the container writes them (default true). */
  follow?: boolean;
  /** The log of the previous container (after a crash). */
  previous?: boolean;
  /** Milliseconds over which new lines are gathered into one `changed` (default 100). */
  coalesceMs?: number;
  /** First wait (ms) before following again a log the cluster broke off (default 1000). */
  retryMs?: number;
}

/** The longest wait before following again a log the cluster broke off. */
const LONGEST_RETRY_MS = 30_000;

/** Follow-again attempts (about a minute of doubling waits) through which a refusal is retried. */
const REFUSALS_RETRIED = 6;

/**
 * True when a log request failed on the cluster's side, not for what it asked: the API server
 * restarting or unreachable, the stream cut, too many requests. Following again can succeed.
 */
export function isPassingFailure(error: unknown): boolean {
  return (
    error instanceof LwsApiError &&
    [429, 500, 502, 503, 504].includes(error.status)
  );
}

/**
 * One container log, streamed into a bounded {@link LogTail}: the single owner of the request
 * (its AbortController) for one log view or one loading-progress tap.
 *
 * #### Notes
 * Lines arrive one by one but views repaint at most every `coalesceMs`: a chatty log costs a
 * few renders a second, not one per line. Disposing cancels the request.
 *
 * Lines are asked for with their timestamps, so a paused stream resumes where it stopped
 * (`sinceTime`, duplicates of the last second skipped) instead of reading the tail again.
 * A stream paused by a lost connection resumes by itself when the source is back; one the
 * cluster broke off ({@link isPassingFailure}) follows again after a doubling wait.
 */
export class LogStream implements IDisposable {
  constructor(options: ILogStreamOptions) {
    this._options = options;
    this.tail = new LogTail(options.tailLines);
  }

  /** The kept lines, as displayed (colour codes and progress redraws removed). */
  readonly tail: LogTail;

  get pod(): string {
    return this._options.pod;
  }

  get container(): string | undefined {
    return this._options.container;
  }

  /** Emitted (coalesced) when lines arrive or the state changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get state(): LogStreamState {
    return this._state;
  }

  get error(): Error | null {
    return this._error;
  }

  /** The engine's weight-loading progress, from the last progress line seen. */
  get progress(): ILoadingProgress | null {
    return this._progress;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Starts (or restarts, from a fresh tail of the log) the request. */
  start(): void {
    if (this._disposed) {
      return;
    }
    this._close();
    this.tail.clear();
    this._progress = null;
    this._last = null;
    this._open(false);
  }

  /**
   * Reads the log of a new container under the same pod name (restarted, or its pod recreated)
   * from its start, below a `separator` line: the earlier lines stay, the tail bounds them all.
   */
  continueWith(separator: string): void {
    if (this._disposed) {
      return;
    }
    this._close();
    this.tail.push([separator]);
    this._progress = null;
    this._last = null;
    this._open(false);
  }

  /** Follows again from the last line read (after a pause, an end or an error). */
  resume(): void {
    if (
      this._disposed ||
      this._state === 'connecting' ||
      this._state === 'streaming'
    ) {
      return;
    }
    this._close();
    this._open(this._last !== null);
  }

  /** Ends the request; the lines are kept for {@link resume}. */
  pause(): void {
    this._close();
    if (this._state === 'connecting' || this._state === 'streaming') {
      this._setState('paused');
    }
  }

  /** Cancels the request and keeps the lines. */
  stop(): void {
    this._close();
    if (
      this._state === 'connecting' ||
      this._state === 'streaming' ||
      this._state === 'paused'
    ) {
      this._setState('stopped');
    }
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this.stop();
    this._disposed = true;
    if (this._timer !== null) {
      clearTimeout(this._timer);
    }
    Signal.clearData(this);
  }

  private _open(resume: boolean): void {
    const abort = new AbortController();
    this._abort = abort;
    this._error = null;
    this._setState('connecting');
    void this._run(abort.signal, resume);
  }

  private _close(): void {
    this._abort?.abort();
    this._abort = null;
    this._waitForSource(false);
    if (this._retry !== null) {
      clearTimeout(this._retry);
      this._retry = null;
    }
  }

  // Follows again from the last line after a wait that doubles while attempts fail.
  private _retryLater(): void {
    const first = this._options.retryMs ?? 1000;
    const wait = Math.min(LONGEST_RETRY_MS, first * 2 ** this._retries);
    this._retries += 1;
    this._retry = setTimeout(() => {
      this._retry = null;
      if (this._state === 'paused') {
        this.resume();
      }
    }, wait);
  }

  // A kube-apiserver that is starting again answers 403 (its RBAC caches not synced yet) or
  // 404 for a moment: while following again after an interruption, a refusal is retried a
  // few times before it counts (the informers do the same, jupyterlab_lws/informers.py).
  private _refusedWhileRecovering(error: unknown): boolean {
    return (
      this._retries > 0 &&
      this._retries < REFUSALS_RETRIED &&
      error instanceof LwsApiError &&
      [403, 404].includes(error.status)
    );
  }

  // Follows again when the lost transport is back.
  private _waitForSource(wait: boolean): void {
    const reconnected = this._options.source.reconnected;
    if (!reconnected || wait === this._waiting) {
      return;
    }
    this._waiting = wait;
    if (wait) {
      reconnected.connect(this._onReconnected, this);
    } else {
      reconnected.disconnect(this._onReconnected, this);
    }
  }

  private _onReconnected(): void {
    if (this._waiting && this._state === 'paused') {
      this.resume();
    }
  }

  private async _run(signal: AbortSignal, resume: boolean): Promise<void> {
    const { source, pod, container, tailLines, previous } = this._options;
    const follow = this._options.follow ?? true;
    const options: ILogOptions = { follow, tailLines, timestamps: true };
    if (container) {
      options.container = container;
    }
    if (previous) {
      options.previous = true;
    }
    // Lines of the last second already read come again (sinceTime has whole seconds at most).
    const last = resume ? this._last : null;
    if (last) {
      options.sinceTime = last.stamp;
    }
    let repeated = last?.count ?? 0;
    try {
      for await (const raw of source.logLines(pod, options, signal)) {
        if (signal.aborted) {
          return;
        }
        const { stamp, key, text } = splitTimestamp(raw);
        if (last && key !== null) {
          if (key < last.key || (key === last.key && repeated-- > 0)) {
            // Already shown, but the log answered: it is followed again.
            if (this._state !== 'streaming') {
              this._state = 'streaming';
              this._schedule();
            }
            continue;
          }
        }
        if (key !== null) {
          this._last =
            this._last?.key === key
              ? { ...this._last, count: this._last.count + 1 }
              : { stamp, key, count: 1 };
        }
        if (text.includes('checkpoint shards')) {
          this._progress = modelLoadingProgress(text) ?? this._progress;
        }
        this.tail.push([displayLine(text)]);
        this._state = 'streaming';
        this._retries = 0;
        this._schedule();
      }
      if (!signal.aborted) {
        this._setState('ended');
      }
    } catch (error) {
      if (signal.aborted) {
        return;
      }
      this._error = error as Error;
      if (error instanceof LiveConnectionLost && follow) {
        // The lines read stay; following goes on from the last one once the source is back.
        this._setState('paused');
        this._waitForSource(true);
      } else if (
        follow &&
        (isPassingFailure(error) || this._refusedWhileRecovering(error))
      ) {
        // E.g. the API server restarted: the lines read stay, following goes on after a wait.
        this._setState('paused');
        this._retryLater();
      } else {
        this._setState('error');
      }
    }
  }

  private _schedule(): void {
    if (this._timer === null) {
      this._timer = setTimeout(
        () => this._flush(),
        this._options.coalesceMs ?? 100
      );
    }
  }

  private _flush(): void {
    this._timer = null;
    if (!this._disposed) {
      this._changed.emit();
    }
  }

  private _setState(state: LogStreamState): void {
    // One signal announces the state and any lines still waiting for the timer.
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    this._state = state;
    if (!this._disposed) {
      this._changed.emit();
    }
  }

  private _options: ILogStreamOptions;
  private _retry: ReturnType<typeof setTimeout> | null = null;
  private _retries = 0;
  private _abort: AbortController | null = null;
  private _waiting = false;
  /** The newest timestamp read, and how many lines carried it. */
  private _last: { stamp: string; key: string; count: number } | null = null;
  private _state: LogStreamState = 'stopped';
  private _error: Error | null = null;
  private _progress: ILoadingProgress | null = null;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}

// `2026-01-01T00:00:00.123456789Z text` (the API server's `timestamps=true`; RFC 3339 with up
// to nine fraction digits, trailing zeros dropped).
const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z /;

/**
 * Splits a `timestamps=true` log line into its timestamp, a key that sorts as the time does
 * (fraction padded to nine digits), and the text; a line without one keeps its text whole.
 */
export function splitTimestamp(raw: string): {
  stamp: string;
  key: string | null;
  text: string;
} {
  const match = TIMESTAMP.exec(raw);
  if (!match) {
    return { stamp: '', key: null, text: raw };
  }
  const stamp = match[0].slice(0, -1);
  return {
    stamp,
    key: `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}`,
    text: raw.slice(match[0].length)
  };
}
