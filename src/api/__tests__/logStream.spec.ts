import { Signal } from '@lumino/signaling';

import type { ILogOptions } from '../kube';
import { LiveConnectionLost } from '../liveChannel';
import type { ILogSource } from '../logStream';
import { LwsApiError } from '../request';
import { LogStream, splitTimestamp } from '../logStream';
import { waitFor as waitForCondition } from '../../__tests__/waitFor';

/** A log source whose lines the test pushes, like a followed container log. */
class PushedLog implements ILogSource {
  calls: { pod: string; options: ILogOptions }[] = [];
  aborted = 0;
  reconnected = new Signal<this, void>(this);
  private _queue: (string | null | Error)[] = [];
  private _wake: (() => void) | null = null;

  async *logLines(
    pod: string,
    options: ILogOptions,
    signal: AbortSignal
  ): AsyncGenerator<string> {
    this.calls.push({ pod, options });
    signal.addEventListener('abort', () => {
      this.aborted += 1;
      this._wake?.();
    });
    for (;;) {
      while (this._queue.length === 0 && !signal.aborted) {
        await new Promise<void>(resolve => (this._wake = resolve));
      }
      if (signal.aborted) {
        return;
      }
      const next = this._queue.shift()!;
      if (next === null) {
        return;
      }
      if (next instanceof Error) {
        throw next;
      }
      yield next;
    }
  }

  write(...lines: string[]): void {
    this._queue.push(...lines);
    this._wake?.();
  }

  end(): void {
    this._queue.push(null);
    this._wake?.();
  }

  /** The open log ends with an error (by default: the transport was lost). */
  fail(error: Error = new LiveConnectionLost(1006)): void {
    this._queue.push(error);
    this._wake?.();
  }
}

function waitFor(predicate: () => boolean): Promise<void> {
  return waitForCondition(predicate, 2000, 1);
}

describe('LogStream', () => {
  it('follows a container log from its tail into a bounded buffer', async () => {
    const source = new PushedLog();
    const stream = new LogStream({
      source,
      pod: 'llama-0',
      container: 'vllm-leader',
      tailLines: 3,
      coalesceMs: 0
    });
    stream.start();
    source.write('a', 'b', 'c', 'd');
    await waitFor(() => stream.tail.size === 3 && stream.tail.at(3) === 'd');
    expect(stream.state).toBe('streaming');
    expect(stream.tail.lines()).toEqual(['b', 'c', 'd']);
    expect(source.calls[0]).toEqual({
      pod: 'llama-0',
      options: {
        follow: true,
        tailLines: 3,
        timestamps: true,
        container: 'vllm-leader'
      }
    });
    stream.dispose();
  });

  it('gathers a burst of lines into few change signals', async () => {
    const source = new PushedLog();
    const stream = new LogStream({
      source,
      pod: 'p',
      tailLines: 1000,
      coalesceMs: 30
    });
    let signals = 0;
    stream.changed.connect(() => (signals += 1));
    stream.start();
    source.write(...Array.from({ length: 500 }, (_, i) => `line ${i}`));
    await waitFor(() => stream.tail.size === 500 && signals >= 2);
    await new Promise(resolve => setTimeout(resolve, 60));
    // "connecting", then one or two batches: not one signal per line.
    expect(signals).toBeLessThan(5);
    stream.dispose();
  });

  it('reads the weight-loading progress from the lines that pass', async () => {
    const source = new PushedLog();
    const stream = new LogStream({
      source,
      pod: 'p',
      tailLines: 10,
      coalesceMs: 0
    });
    stream.start();
    source.write(
      'Loading safetensors checkpoint shards:   0% Completed | 0/30 [00:00<?, ?it/s]',
      'Loading safetensors checkpoint shards:  47% Completed | 14/30 [00:20<00:23,  1.45s/it]',
      'INFO unrelated'
    );
    await waitFor(() => stream.tail.size === 3);
    expect(stream.progress).toEqual({ done: 14, total: 30, percent: 47 });
    stream.dispose();
  });

  it('says when the log ended (the container stopped)', async () => {
    const source = new PushedLog();
    const stream = new LogStream({
      source,
      pod: 'p',
      tailLines: 10,
      coalesceMs: 0
    });
    stream.start();
    source.write('last words');
    source.end();
    await waitFor(() => stream.state === 'ended');
    expect(stream.tail.lines()).toEqual(['last words']);
  });

  it('reports a failed request as an error state', async () => {
    const source: ILogSource = {
      // eslint-disable-next-line require-yield
      async *logLines() {
        throw new Error('container "x" in pod "p" is waiting to start');
      }
    };
    const stream = new LogStream({ source, pod: 'p', tailLines: 10 });
    stream.start();
    await waitFor(() => stream.state === 'error');
    expect(stream.error?.message).toMatch(/waiting to start/);
  });

  it('cancels its request on dispose, and a restart starts a fresh tail', async () => {
    const source = new PushedLog();
    const stream = new LogStream({
      source,
      pod: 'p',
      tailLines: 10,
      coalesceMs: 0
    });
    stream.start();
    source.write('old');
    await waitFor(() => stream.tail.size === 1);
    stream.start();
    await waitFor(() => source.calls.length === 2);
    expect(source.aborted).toBe(1);
    expect(stream.tail.size).toBe(0);
    stream.dispose();
    expect(source.aborted).toBe(2);
    expect(stream.isDisposed).toBe(true);
  });

  it('continues with a new container below a separator, keeping the lines read', async () => {
    const source = new PushedLog();
    const stream = new LogStream({
      source,
      pod: 'llama-0',
      tailLines: 100,
      coalesceMs: 0
    });
    stream.start();
    source.write('2026-01-01T00:00:01Z old 1', '2026-01-01T00:00:02Z old 2');
    source.end();
    await waitFor(() => stream.state === 'ended');

    stream.continueWith('-- recreated --');
    // The new pod's log starts earlier than the last line read: nothing of it is skipped.
    source.write('2026-01-01T00:00:00Z new 1');
    await waitFor(() => stream.tail.size === 4);
    expect(stream.tail.lines()).toEqual([
      'old 1',
      'old 2',
      '-- recreated --',
      'new 1'
    ]);
    expect(stream.state).toBe('streaming');
    expect(source.calls[1].options.sinceTime).toBeUndefined();
    stream.dispose();
  });

  it('asks for the previous container when told', async () => {
    const source = new PushedLog();
    const stream = new LogStream({
      source,
      pod: 'p',
      tailLines: 10,
      previous: true,
      follow: false
    });
    stream.start();
    await waitFor(() => source.calls.length === 1);
    expect(source.calls[0].options).toEqual({
      follow: false,
      tailLines: 10,
      timestamps: true,
      previous: true
    });
    stream.dispose();
  });

  it('follows, and cancels its request when disposed', async () => {
    const source = new PushedLog();
    const stream = new LogStream({ source, pod: 'p', tailLines: 10 });
    stream.start();
    await waitFor(() => source.calls.length === 1);
    expect(source.calls[0].options.follow).toBe(true);
    stream.dispose();
    expect(source.aborted).toBe(1);
  });

  it('a lost connection pauses it with its lines; it follows from its last line when the source is back', async () => {
    const source = new PushedLog();
    const stream = new LogStream({
      source,
      pod: 'p',
      tailLines: 10,
      coalesceMs: 0
    });
    stream.start();
    await waitFor(() => source.calls.length === 1);
    source.write(
      '2026-01-01T00:00:01.5Z first',
      '2026-01-01T00:00:02.25Z second'
    );
    source.fail();
    await waitFor(() => stream.state === 'paused');
    expect(stream.error).toBeInstanceOf(LiveConnectionLost);
    expect(stream.tail.lines()).toEqual(['first', 'second']);

    source.reconnected.emit();
    await waitFor(() => source.calls.length === 2);
    expect(source.calls[1].options).toEqual({
      follow: true,
      tailLines: 10,
      timestamps: true,
      sinceTime: '2026-01-01T00:00:02.25Z'
    });
    // The server repeats what it has from that time on; only the new lines are kept.
    source.write('2026-01-01T00:00:02.25Z second');
    await waitFor(() => stream.state === 'streaming');
    expect(stream.tail.size).toBe(2);
    source.write('2026-01-01T00:00:02.250000001Z third');
    await waitFor(() => stream.tail.size === 3);
    expect(stream.tail.lines()).toEqual(['first', 'second', 'third']);
    expect(stream.error).toBeNull();
    stream.dispose();
  });

  it('a log the cluster broke off is followed again from its last line after a wait', async () => {
    const source = new PushedLog();
    const stream = new LogStream({
      source,
      pod: 'p',
      tailLines: 10,
      coalesceMs: 0,
      retryMs: 1
    });
    stream.start();
    await waitFor(() => source.calls.length === 1);
    source.write('2026-01-01T00:00:01Z first');
    // The API server restarts: the proxy ends the log with a 502, then cannot reach it (503).
    source.fail(new LwsApiError(502, 'the log was cut', 'LogStreamCut'));
    await waitFor(() => source.calls.length === 2);
    expect(source.calls[1].options.sinceTime).toBe('2026-01-01T00:00:01Z');
    source.fail(new LwsApiError(503, 'not reachable', 'UpstreamUnreachable'));
    await waitFor(() => source.calls.length === 3);
    source.write('2026-01-01T00:00:01Z first', '2026-01-01T00:00:02Z second');
    await waitFor(() => stream.tail.size === 2);
    expect(stream.tail.lines()).toEqual(['first', 'second']);
    expect(stream.state).toBe('streaming');
    stream.dispose();
  });

  it('a refusal while following again is retried a few times (a restarting API server), then counts', async () => {
    const source = new PushedLog();
    const stream = new LogStream({
      source,
      pod: 'p',
      tailLines: 10,
      coalesceMs: 0,
      retryMs: 1
    });
    stream.start();
    await waitFor(() => source.calls.length === 1);
    source.write('2026-01-01T00:00:01Z first');
    source.fail(new LwsApiError(503, 'the log was cut', 'LogStreamCut'));
    await waitFor(() => source.calls.length === 2);
    // Its RBAC caches not synced yet, the API server refuses for a moment.
    source.fail(new LwsApiError(403, 'forbidden', 'Forbidden'));
    await waitFor(() => source.calls.length === 3);
    source.write('2026-01-01T00:00:02Z second');
    await waitFor(() => stream.tail.size === 2);
    expect(stream.state).toBe('streaming');

    // A refusal that lasts ends it: five more attempts after the cut, then the error.
    source.fail(new LwsApiError(503, 'the log was cut', 'LogStreamCut'));
    for (let call = 4; call <= 9; call++) {
      await waitFor(() => source.calls.length === call);
      source.fail(new LwsApiError(403, 'forbidden', 'Forbidden'));
    }
    await waitFor(() => stream.state === 'error');
    expect(source.calls.length).toBe(9);
    stream.dispose();
  });

  it('a refusal is not retried: it ends with the error', async () => {
    const source = new PushedLog();
    const stream = new LogStream({
      source,
      pod: 'p',
      tailLines: 10,
      retryMs: 1
    });
    stream.start();
    await waitFor(() => source.calls.length === 1);
    source.fail(new LwsApiError(403, 'forbidden', 'Forbidden'));
    await waitFor(() => stream.state === 'error');
    expect(source.calls.length).toBe(1);
    stream.dispose();
  });

  it('any other error ends it with the error, and a reconnect does not restart it', async () => {
    const source = new PushedLog();
    const stream = new LogStream({ source, pod: 'p', tailLines: 10 });
    stream.start();
    await waitFor(() => source.calls.length === 1);
    source.write('2026-01-01T00:00:01Z x');
    source.fail(new Error('container not found'));
    await waitFor(() => stream.state === 'error');
    source.reconnected.emit();
    expect(stream.state).toBe('error');
    expect(source.calls.length).toBe(1);
    stream.dispose();
  });

  it('a hidden view pauses and does not follow again by itself', async () => {
    const source = new PushedLog();
    const stream = new LogStream({ source, pod: 'p', tailLines: 10 });
    stream.start();
    await waitFor(() => source.calls.length === 1);
    stream.pause();
    expect(stream.state).toBe('paused');
    expect(source.aborted).toBe(1);
    source.reconnected.emit();
    expect(stream.state).toBe('paused');
    stream.resume();
    expect(stream.state).toBe('connecting');
    await waitFor(() => source.calls.length === 2);
    stream.dispose();
  });
});

describe('splitTimestamp', () => {
  it('splits the timestamp off, with a key that sorts as the time does', () => {
    const short = splitTimestamp('2026-01-01T00:00:00.5Z INFO a');
    const long = splitTimestamp('2026-01-01T00:00:00.123456789Z INFO b');
    expect(short).toEqual({
      stamp: '2026-01-01T00:00:00.5Z',
      key: '2026-01-01T00:00:00.500000000',
      text: 'INFO a'
    });
    expect(long.key! < short.key!).toBe(true);
    expect(splitTimestamp('2026-01-01T00:00:07Z x').key).toBe(
      '2026-01-01T00:00:07.000000000'
    );
  });

  it('keeps a line without a timestamp whole', () => {
    expect(splitTimestamp('plain text')).toEqual({
      stamp: '',
      key: null,
      text: 'plain text'
    });
  });
});
