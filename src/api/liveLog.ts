import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import type { ILogOptions } from './kube';
import type { LiveChannel, LiveChannelState } from './liveChannel';
import { LiveConnectionLost } from './liveChannel';
import { statusError } from './liveCollection';
import type { ILogSource } from './logStream';

/**
 * Splits log text into whole lines: `pending` is the unfinished line of the previous text;
 * returns the lines completed now (without `\n` or `\r\n`) and the new unfinished line.
 */
export function splitLogText(
  pending: string,
  text: string
): { lines: string[]; pending: string } {
  const parts = (pending + text).split('\n');
  const rest = parts.pop() ?? '';
  return { lines: parts.map(line => line.replace(/\r$/, '')), pending: rest };
}

/**
 * Container logs over the page's {@link LiveChannel} (`log` requests), line by line: the
 * {@link ILogSource} of {@link LogStream} and {@link DeploymentLogs}.
 *
 * #### Notes
 * A log's lines end with an error for a refusal or a Kubernetes error (its Status), and with
 * {@link LiveConnectionLost} when the socket is lost; {@link reconnected} then says when the
 * channel is open again, and the stream resumes from its last line.
 */
export class LiveLogSource implements ILogSource {
  constructor(readonly channel: LiveChannel) {
    channel.stateChanged.connect(this._onChannelState, this);
  }

  /** Emitted when the channel is open again after a loss. */
  get reconnected(): ISignal<this, void> {
    return this._reconnected;
  }

  async *logLines(
    pod: string,
    options: ILogOptions,
    signal: AbortSignal
  ): AsyncGenerator<string> {
    if (signal.aborted) {
      return;
    }
    const queue: string[] = [];
    let pending = '';
    let done = false;
    let failure: Error | null = null;
    let wake: (() => void) | null = null;
    const notify = () => {
      const resolve = wake;
      wake = null;
      resolve?.();
    };
    const subscription = this.channel.subscribe(
      { op: 'log', pod, ...options },
      {
        message: message => {
          if (message.type === 'log') {
            const split = splitLogText(pending, message.text);
            pending = split.pending;
            queue.push(...split.lines);
          } else if (message.type === 'end' || message.type === 'error') {
            if (pending) {
              queue.push(pending);
              pending = '';
            }
            done = true;
            if (message.code !== undefined) {
              failure = statusError(message);
            }
          }
          notify();
        },
        connection: (state, error) => {
          if (state === 'reconnecting') {
            done = true;
            failure = error ?? new LiveConnectionLost(1006);
            notify();
          }
        }
      },
      false
    );
    const onAbort = () => notify();
    signal.addEventListener('abort', onAbort);
    try {
      for (;;) {
        while (queue.length === 0 && !done && !signal.aborted) {
          await new Promise<void>(resolve => (wake = resolve));
        }
        if (signal.aborted) {
          return;
        }
        if (queue.length > 0) {
          yield* queue.splice(0, queue.length);
          continue;
        }
        if (failure) {
          throw failure;
        }
        return;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      subscription.dispose();
    }
  }

  private _onChannelState(_: LiveChannel, state: LiveChannelState): void {
    if (state === 'reconnecting') {
      this._lost = true;
    } else if (state === 'open' && this._lost) {
      this._lost = false;
      this._reconnected.emit();
    }
  }

  private _lost = false;
  private _reconnected = new Signal<this, void>(this);
}
