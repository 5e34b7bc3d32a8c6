import { ServerConnection } from '@jupyterlab/services';
import type { V1Pod } from '@kubernetes/client-node';

import type { ILiveSocket, LiveMessage } from '../liveChannel';
import {
  applyLiveMessage,
  LiveChannel,
  LiveConnectionLost,
  LiveIds,
  liveUrl,
  parseLiveMessage,
  RECONNECT_FIRST_MS,
  RECONNECT_MAX_MS,
  reconnectDelay
} from '../liveChannel';
import { LiveCollection } from '../liveCollection';
import { LiveLogSource, splitLogText } from '../liveLog';
import { LwsApiError } from '../request';

/** A WebSocket the test opens, feeds and drops. */
class FakeSocket implements ILiveSocket {
  constructor(readonly url: string) {}
  readyState = 0;
  sent: any[] = [];
  closed: number | null = null;
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000): void {
    this.readyState = 3;
    this.closed = code;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(message: LiveMessage | string): void {
    this.onmessage?.({
      data: typeof message === 'string' ? message : JSON.stringify(message)
    });
  }
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

function pod(name: string, version = '1'): V1Pod {
  return { metadata: { name, resourceVersion: version } };
}

function setUp(graceMs = 1000) {
  const sockets: FakeSocket[] = [];
  const channel = new LiveChannel({
    url: 'ws://lab/lws/api/live',
    createSocket: url => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    graceMs,
    random: () => 0
  });
  const last = () => sockets[sockets.length - 1];
  return { channel, sockets, last };
}

describe('liveUrl', () => {
  it('is the WebSocket URL of lws/api/live, with the token only when the settings append it', () => {
    const withToken = ServerConnection.makeSettings({
      baseUrl: 'http://lab/user/alice/',
      wsUrl: 'ws://lab/user/alice/',
      token: 'a b',
      appendToken: true
    });
    expect(liveUrl(withToken)).toBe(
      'ws://lab/user/alice/lws/api/live?token=a%20b'
    );
    const cookie = ServerConnection.makeSettings({
      baseUrl: 'http://lab/',
      wsUrl: 'ws://lab/',
      token: 'secret',
      appendToken: false
    });
    expect(liveUrl(cookie)).toBe('ws://lab/lws/api/live');
  });
});

describe('reconnectDelay', () => {
  it('doubles from the first wait up to the longest, of which a random half', () => {
    expect(reconnectDelay(0, 0)).toBe(RECONNECT_FIRST_MS / 2);
    expect(reconnectDelay(0, 0.999)).toBeLessThan(RECONNECT_FIRST_MS);
    expect(reconnectDelay(3, 0)).toBe((RECONNECT_FIRST_MS * 8) / 2);
    expect(reconnectDelay(40, 0)).toBe(RECONNECT_MAX_MS / 2);
    expect(reconnectDelay(40, 0.999)).toBeLessThan(RECONNECT_MAX_MS);
    expect(reconnectDelay(40, 0.999)).toBeGreaterThan(RECONNECT_MAX_MS * 0.99);
  });
});

describe('LiveIds', () => {
  it('hands out distinct ids the server accepts, s for subscriptions and l for logs', () => {
    const ids = new LiveIds();
    const made = Array.from({ length: 2000 }, (_, index) =>
      ids.next(
        index % 2
          ? { op: 'log', pod: 'p' }
          : { op: 'subscribe', resource: 'pods' }
      )
    );
    expect(new Set(made).size).toBe(2000);
    expect(made.slice(0, 2)).toEqual(['s1', 'l2']);
    expect(made.every(id => /^[A-Za-z0-9_-]{1,32}$/.test(id))).toBe(true);
  });
});

describe('applyLiveMessage', () => {
  it('replaces the copy with a snapshot and applies changes in order', () => {
    const items = new Map<string, V1Pod>([['stale', pod('stale')]]);
    expect(
      applyLiveMessage(items, {
        type: 'snapshot',
        id: 's1',
        items: [pod('a'), pod('b')]
      })
    ).toBe(true);
    expect([...items.keys()]).toEqual(['a', 'b']);
    expect(
      applyLiveMessage(items, {
        type: 'changes',
        id: 's1',
        events: [
          { type: 'ADDED', object: pod('c') },
          { type: 'MODIFIED', object: pod('a', '2') },
          { type: 'DELETED', object: pod('b') }
        ]
      })
    ).toBe(true);
    expect([...items.keys()]).toEqual(['a', 'c']);
    expect(items.get('a')?.metadata?.resourceVersion).toBe('2');
    expect(
      applyLiveMessage(items, { type: 'state', id: 's1', state: 'live' })
    ).toBe(false);
  });
});

describe('parseLiveMessage', () => {
  it('accepts a JSON message and nothing else', () => {
    expect(parseLiveMessage('{"type":"log","id":"l1","text":"x"}')).toEqual({
      type: 'log',
      id: 'l1',
      text: 'x'
    });
    expect(parseLiveMessage('not json')).toBeNull();
    expect(parseLiveMessage('[1]')).toBeNull();
    expect(parseLiveMessage(new ArrayBuffer(2))).toBeNull();
  });
});

describe('splitLogText', () => {
  it('gives whole lines and carries the unfinished one', () => {
    expect(splitLogText('', 'a\r\nb\npar')).toEqual({
      lines: ['a', 'b'],
      pending: 'par'
    });
    expect(splitLogText('par', 'tial\n')).toEqual({
      lines: ['partial'],
      pending: ''
    });
  });
});

describe('LiveChannel', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('opens one socket on the first subscription and sends every subscription over it', () => {
    const { channel, sockets, last } = setUp();
    expect(sockets).toHaveLength(0);
    const received: LiveMessage[] = [];
    channel.subscribe(
      { op: 'subscribe', resource: 'pods', labelSelector: 'x' },
      { message: message => received.push(message) }
    );
    expect(channel.state).toBe('connecting');
    channel.subscribe(
      { op: 'subscribe', resource: 'events' },
      { message: () => undefined }
    );
    expect(sockets).toHaveLength(1);
    last().open();
    expect(channel.state).toBe('open');
    expect(last().sent).toEqual([
      { op: 'subscribe', id: 's1', resource: 'pods', labelSelector: 'x' },
      { op: 'subscribe', id: 's2', resource: 'events' }
    ]);
    channel.subscribe({ op: 'log', pod: 'p' }, { message: () => undefined });
    expect(last().sent[2]).toEqual({ op: 'log', id: 'l3', pod: 'p' });
    last().receive({ type: 'snapshot', id: 's1', items: [pod('a')] });
    last().receive({ type: 'snapshot', id: 's9', items: [] });
    expect(received).toEqual([
      { type: 'snapshot', id: 's1', items: [pod('a')] }
    ]);
    expect(sockets).toHaveLength(1);
    channel.dispose();
    expect(last().closed).toBe(1000);
  });

  it('unsubscribes, and closes the socket a grace after the last subscription', () => {
    const { channel, sockets, last } = setUp(1000);
    const first = channel.subscribe(
      { op: 'subscribe', resource: 'pods' },
      { message: () => undefined }
    );
    last().open();
    first.dispose();
    expect(last().sent[1]).toEqual({ op: 'unsubscribe', id: 's1' });
    jest.advanceTimersByTime(500);
    // A view opened again within the grace keeps the socket.
    const second = channel.subscribe(
      { op: 'subscribe', resource: 'pods' },
      { message: () => undefined }
    );
    jest.advanceTimersByTime(5000);
    expect(last().closed).toBeNull();
    second.dispose();
    jest.advanceTimersByTime(999);
    expect(last().closed).toBeNull();
    jest.advanceTimersByTime(1);
    expect(last().closed).toBe(1000);
    expect(channel.state).toBe('closed');
    expect(sockets).toHaveLength(1);
  });

  it('a subscription the server ended needs no unsubscribe', () => {
    const { channel, last } = setUp();
    const ends: LiveMessage[] = [];
    const handle = channel.subscribe(
      { op: 'subscribe', resource: 'pods' },
      { message: message => ends.push(message) }
    );
    last().open();
    last().receive({ type: 'end', id: 's1', code: 403, reason: 'Forbidden' });
    handle.dispose();
    expect(last().sent).toEqual([
      { op: 'subscribe', id: 's1', resource: 'pods' }
    ]);
    expect(ends[0]).toMatchObject({ type: 'end', code: 403 });
    expect(channel.size).toBe(0);
  });

  it('after a loss reconnects with backoff and sends the subscriptions again, not the logs', () => {
    const { channel, sockets, last } = setUp();
    const states: string[] = [];
    channel.stateChanged.connect((_, state) => states.push(state));
    const losses: (Error | null)[] = [];
    channel.subscribe(
      { op: 'subscribe', resource: 'pods' },
      {
        message: () => undefined,
        connection: (state, error) =>
          state === 'reconnecting' && losses.push(error)
      }
    );
    const logLost: string[] = [];
    channel.subscribe(
      { op: 'log', pod: 'p', follow: true },
      {
        message: () => undefined,
        connection: state => logLost.push(state)
      }
    );
    last().open();
    last().drop(1006);
    expect(channel.state).toBe('reconnecting');
    expect(channel.error).toBeInstanceOf(LiveConnectionLost);
    expect(losses[0]).toBeInstanceOf(LiveConnectionLost);
    expect(logLost).toEqual(['open', 'reconnecting']);
    expect(channel.size).toBe(1);

    jest.advanceTimersByTime(reconnectDelay(0, 0) - 1);
    expect(sockets).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    // The next attempt fails too: the wait doubles.
    last().drop(1006);
    jest.advanceTimersByTime(reconnectDelay(1, 0) - 1);
    expect(sockets).toHaveLength(2);
    jest.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);
    last().open();
    expect(last().sent).toEqual([
      { op: 'subscribe', id: 's1', resource: 'pods' }
    ]);
    expect(channel.state).toBe('open');
    expect(channel.error).toBeNull();
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    channel.dispose();
  });

  it('waits longer each time a server accepts and closes at once, and shortest again once it answers', () => {
    const { channel, sockets, last } = setUp();
    channel.subscribe(
      { op: 'subscribe', resource: 'pods' },
      { message: () => undefined }
    );
    for (let attempt = 0; attempt < 3; attempt++) {
      last().open();
      last().drop(1011);
      const before = sockets.length;
      jest.advanceTimersByTime(reconnectDelay(attempt, 0) - 1);
      expect(sockets).toHaveLength(before);
      jest.advanceTimersByTime(1);
      expect(sockets).toHaveLength(before + 1);
    }
    last().open();
    last().receive({ type: 'snapshot', id: 's1', items: [] });
    last().drop(1011);
    jest.advanceTimersByTime(reconnectDelay(0, 0));
    expect(sockets).toHaveLength(5);
    channel.dispose();
  });

  it('stays closed after a loss when only logs were open', () => {
    const { channel, sockets, last } = setUp();
    channel.subscribe({ op: 'log', pod: 'p' }, { message: () => undefined });
    last().open();
    last().drop();
    jest.advanceTimersByTime(RECONNECT_MAX_MS);
    expect(channel.state).toBe('closed');
    expect(sockets).toHaveLength(1);
  });
});

describe('LiveCollection', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('holds the snapshot and the changes, sorted by name, the same array until a change', () => {
    const { channel, last } = setUp();
    const pods = new LiveCollection<V1Pod>({
      channel,
      resource: 'pods',
      labelSelector: 'leaderworkerset.sigs.k8s.io/name'
    });
    const changes: string[][] = [];
    pods.changed.connect((_, items) =>
      changes.push(items.map(item => item.metadata!.name!))
    );
    expect(pods.state).toBe('connecting');
    expect(pods.loaded).toBe(false);
    last().open();
    expect(last().sent[0]).toEqual({
      op: 'subscribe',
      id: 's1',
      resource: 'pods',
      labelSelector: 'leaderworkerset.sigs.k8s.io/name'
    });
    last().receive({ type: 'snapshot', id: 's1', items: [pod('b'), pod('a')] });
    expect(pods.loaded).toBe(true);
    expect(pods.state).toBe('live');
    const items = pods.items;
    expect(pods.items).toBe(items);
    last().receive({
      type: 'changes',
      id: 's1',
      events: [{ type: 'ADDED', object: pod('c') }]
    });
    expect(pods.items).not.toBe(items);
    expect(pods.items[0]).toBe(items[0]);
    expect(changes).toEqual([
      ['a', 'b'],
      ['a', 'b', 'c']
    ]);
    pods.dispose();
    expect(last().sent[1]).toEqual({ op: 'unsubscribe', id: 's1' });
    expect(pods.state).toBe('stopped');
  });

  it('says it is retrying while the socket is lost and takes the fresh snapshot after', () => {
    const { channel, last } = setUp();
    const pods = new LiveCollection<V1Pod>({ channel, resource: 'pods' });
    last().open();
    last().receive({ type: 'snapshot', id: 's1', items: [pod('a'), pod('b')] });
    last().drop();
    expect(pods.state).toBe('retrying');
    expect(pods.error).toBeInstanceOf(LiveConnectionLost);
    // What it held stays on screen meanwhile.
    expect(pods.items.map(item => item.metadata?.name)).toEqual(['a', 'b']);
    jest.advanceTimersByTime(RECONNECT_FIRST_MS);
    last().open();
    last().receive({ type: 'snapshot', id: 's1', items: [pod('b', '7')] });
    expect(pods.state).toBe('live');
    expect(pods.error).toBeNull();
    expect(pods.items).toEqual([pod('b', '7')]);
    pods.dispose();
  });

  it("shows the server's retrying state and a refusal with its reason", () => {
    const { channel, last } = setUp();
    const events = new LiveCollection({ channel, resource: 'events' });
    last().open();
    last().receive({
      type: 'state',
      id: 's1',
      state: 'retrying',
      error: { code: 503, reason: 'ServiceUnavailable', message: 'etcd down' }
    });
    expect(events.state).toBe('retrying');
    expect(events.error?.message).toBe('etcd down');
    last().receive({ type: 'state', id: 's1', state: 'live' });
    expect(events.error).toBeNull();
    last().receive({
      type: 'end',
      id: 's1',
      code: 403,
      reason: 'Forbidden',
      message: 'events is not allowed'
    });
    expect(events.state).toBe('stopped');
    expect((events.error as LwsApiError).status).toBe(403);
    events.dispose();
  });
});

describe('LiveLogSource', () => {
  async function collect(lines: AsyncIterable<string>): Promise<string[]> {
    const result: string[] = [];
    for await (const line of lines) {
      result.push(line);
    }
    return result;
  }

  it('yields whole lines of the log messages until the log ends', async () => {
    const { channel, last } = setUp();
    const source = new LiveLogSource(channel);
    const reading = collect(
      source.logLines(
        'llama-0',
        { follow: true, tailLines: 5 },
        new AbortController().signal
      )
    );
    last().open();
    expect(last().sent[0]).toEqual({
      op: 'log',
      id: 'l1',
      pod: 'llama-0',
      follow: true,
      tailLines: 5
    });
    last().receive({ type: 'log', id: 'l1', text: 'one\ntw' });
    last().receive({ type: 'log', id: 'l1', text: 'o\nthree' });
    last().receive({ type: 'end', id: 'l1' });
    await expect(reading).resolves.toEqual(['one', 'two', 'three']);
    channel.dispose();
  });

  it("ends with the server's error", async () => {
    const { channel, last } = setUp();
    const source = new LiveLogSource(channel);
    const reading = collect(
      source.logLines('gone', {}, new AbortController().signal)
    );
    last().open();
    last().receive({
      type: 'end',
      id: 'l1',
      code: 404,
      reason: 'NotFound',
      message: 'pods "gone" not found'
    });
    await expect(reading).rejects.toThrow('pods "gone" not found');
    channel.dispose();
  });

  it('unsubscribes when its reader aborts', async () => {
    const { channel, last } = setUp();
    const source = new LiveLogSource(channel);
    const abort = new AbortController();
    const reading = collect(
      source.logLines('p', { follow: true }, abort.signal)
    );
    last().open();
    last().receive({ type: 'log', id: 'l1', text: 'a\n' });
    await Promise.resolve();
    abort.abort();
    await expect(reading).resolves.toEqual(['a']);
    expect(last().sent[1]).toEqual({ op: 'unsubscribe', id: 'l1' });
    channel.dispose();
  });

  it('ends with LiveConnectionLost on a loss and announces the reconnect', async () => {
    jest.useFakeTimers();
    try {
      const { channel, last } = setUp();
      const pods = new LiveCollection({ channel, resource: 'pods' });
      const source = new LiveLogSource(channel);
      let reconnected = 0;
      source.reconnected.connect(() => (reconnected += 1));
      const reading = collect(
        source.logLines('p', { follow: true }, new AbortController().signal)
      );
      last().open();
      last().drop();
      await expect(reading).rejects.toBeInstanceOf(LiveConnectionLost);
      expect(reconnected).toBe(0);
      jest.advanceTimersByTime(RECONNECT_FIRST_MS);
      last().open();
      expect(reconnected).toBe(1);
      // Only the subscription went again; the log is its reader's to resume.
      expect(last().sent).toEqual([
        { op: 'subscribe', id: 's1', resource: 'pods' }
      ]);
      pods.dispose();
      channel.dispose();
    } finally {
      jest.useRealTimers();
    }
  });
});
