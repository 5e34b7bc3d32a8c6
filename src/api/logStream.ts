import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import type { LoadingProgress } from '../model/status';
import { modelLoadingProgress } from '../model/status';
import type { ILogOptions } from './kube';
import { displayLine, LogTail } from './logTail';

/** What a log stream needs from the transport: {@link KubeClient} provides it. */
export interface ILogSource {
  logLines(
    pod: string,
    options: ILogOptions,
    signal: AbortSignal
  ): AsyncIterable<string>;
}

/** Where a log stream is. */
export type LogStreamState =
  | 'connecting'
  | 'streaming'
  /** The server closed the log: the container stopped, or `follow` was off. */
  | 'ended'
  | 'error'
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
}

/**
 * One container log, streamed into a bounded {@link LogTail}: the single owner of the request
 * (its AbortController) for one log view or one loading-progress tap.
 *
 * #### Notes
 * Lines arrive one by one but views repaint at most every `coalesceMs`: a chatty log costs a
 * few renders a second, not one per line. Disposing cancels the request.
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
  get progress(): LoadingProgress | null {
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
    this._abort?.abort();
    const abort = new AbortController();
    this._abort = abort;
    this.tail.clear();
    this._progress = null;
    this._error = null;
    this._setState('connecting');
    void this._run(abort.signal);
  }

  /** Cancels the request and keeps the lines. */
  stop(): void {
    this._abort?.abort();
    this._abort = null;
    if (this._state === 'connecting' || this._state === 'streaming') {
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

  private async _run(signal: AbortSignal): Promise<void> {
    const { source, pod, container, tailLines, previous } = this._options;
    const follow = this._options.follow ?? true;
    const options: ILogOptions = { follow, tailLines };
    if (container) {
      options.container = container;
    }
    if (previous) {
      options.previous = true;
    }
    try {
      for await (const raw of source.logLines(pod, options, signal)) {
        if (signal.aborted) {
          return;
        }
        if (raw.includes('checkpoint shards')) {
          this._progress = modelLoadingProgress(raw) ?? this._progress;
        }
        this.tail.push([displayLine(raw)]);
        this._state = 'streaming';
        this._schedule();
      }
      if (!signal.aborted) {
        this._setState('ended');
      }
    } catch (error) {
      if (!signal.aborted) {
        this._error = error as Error;
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
  private _abort: AbortController | null = null;
  private _state: LogStreamState = 'stopped';
  private _error: Error | null = null;
  private _progress: LoadingProgress | null = null;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}
