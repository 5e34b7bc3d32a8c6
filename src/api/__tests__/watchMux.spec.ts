import type {
  CoreV1Event,
  KubernetesListObject,
  KubernetesObject,
  V1Pod
} from '@kubernetes/client-node';

import { ConnectionBudget } from '../connectionBudget';
import type { IResourceType } from '../resources';
import { Resources } from '../resources';
import { ResourceWatch } from '../watch';
import type { IMultiWatchTransport } from '../watchMux';
import { WatchMultiplexer } from '../watchMux';
import { waitFor as waitForCondition } from '../../__tests__/waitFor';

/** One request of the fake `lws/api/watches` route: the test writes its lines. */
class FakeRequest {
  constructor(
    readonly paths: ReadonlyMap<string, string>,
    readonly signal: AbortSignal
  ) {}
  lines: (string | null | Error)[] = [];
  wake: (() => void) | null = null;

  /** The id the client gave the watch of `plural`. */
  id(plural: string): string {
    return [...this.paths].find(([, path]) => path.includes(plural))![0];
  }

  event(plural: string, type: string, object: unknown): void {
    this.write(`${this.id(plural)}\t${JSON.stringify({ type, object })}`);
  }

  write(line: string | null | Error): void {
    this.lines.push(line);
    this.wake?.();
  }
}

/** The transport edge, faked: lists answer at once, the watch route is scripted per request. */
class FakeTransport implements IMultiWatchTransport {
  requests: FakeRequest[] = [];
  listed: string[] = [];
  resourceVersions = new Map<string, string>([
    ['pods', '10'],
    ['events', '20']
  ]);

  async list<T extends KubernetesObject>(
    type: IResourceType
  ): Promise<KubernetesListObject<T>> {
    this.listed.push(type.plural);
    return {
      metadata: { resourceVersion: this.resourceVersions.get(type.plural) },
      items: []
    };
  }

  watchPath(type: IResourceType, resourceVersion: string): string {
    return `api/v1/namespaces/alice/${type.plural}?watch=1&resourceVersion=${resourceVersion}`;
  }

  async *multiWatchLines(
    paths: ReadonlyMap<string, string>,
    signal: AbortSignal
  ): AsyncGenerator<string> {
    const request = new FakeRequest(paths, signal);
    this.requests.push(request);
    signal.addEventListener('abort', () => request.wake?.());
    for (;;) {
      while (request.lines.length === 0 && !signal.aborted) {
        await new Promise<void>(resolve => (request.wake = resolve));
      }
      if (signal.aborted) {
        return;
      }
      const line = request.lines.shift()!;
      if (line === null) {
        return;
      }
      if (line instanceof Error) {
        throw line;
      }
      yield line;
    }
  }

  /** The newest request, still open. */
  get open(): FakeRequest {
    return this.requests[this.requests.length - 1];
  }
}

function waitFor(predicate: () => boolean): Promise<void> {
  return waitForCondition(predicate, 2000, 1);
}

function pod(name: string, resourceVersion: string): V1Pod {
  return { metadata: { name, resourceVersion } };
}

function setUp() {
  const transport = new FakeTransport();
  const budget = new ConnectionBudget(3);
  const mux = new WatchMultiplexer({ transport, budget, gatherMs: 5 });
  const noSleep = () => Promise.resolve();
  const pods = new ResourceWatch<V1Pod>({
    source: mux,
    type: Resources.pods,
    sleep: noSleep
  });
  const events = new ResourceWatch<CoreV1Event>({
    source: mux,
    type: Resources.events,
    sleep: noSleep
  });
  void pods.start();
  void events.start();
  return { transport, budget, mux, pods, events };
}

describe('WatchMultiplexer', () => {
  it('carries several watches over one request and one slot of the budget', async () => {
    const { transport, budget, pods, events } = setUp();
    await waitFor(() => transport.requests.length === 1);
    const request = transport.open;
    expect([...request.paths.values()].sort()).toEqual([
      'api/v1/namespaces/alice/events?watch=1&resourceVersion=20',
      'api/v1/namespaces/alice/pods?watch=1&resourceVersion=10'
    ]);
    expect(budget.holders).toEqual(['watches']);

    request.event('pods', 'ADDED', pod('llama-0', '11'));
    request.event('events', 'ADDED', {
      metadata: { name: 'llama.1', resourceVersion: '21' },
      reason: 'Scheduled'
    });
    await waitFor(() => pods.items.length === 1 && events.items.length === 1);
    expect(pods.items[0].metadata?.name).toBe('llama-0');
    expect(events.items[0].reason).toBe('Scheduled');
    expect(pods.state).toBe('live');
    expect(transport.requests).toHaveLength(1);

    pods.dispose();
    events.dispose();
    await waitFor(() => request.signal.aborted);
    expect(budget.used).toBe(0);
  });

  it('resumes every watch from its own resourceVersion when one of them ends', async () => {
    const { transport, mux, pods, events } = setUp();
    await waitFor(() => transport.requests.length === 1);
    const first = transport.open;
    first.event('pods', 'ADDED', pod('a', '15'));
    await waitFor(() => pods.items.length === 1);
    // The API server's timeout ended the pods watch: `<id>` alone.
    first.write(first.id('pods'));
    await waitFor(() => transport.requests.length === 2);
    expect(first.signal.aborted).toBe(true);
    expect([...transport.open.paths.values()].sort()).toEqual([
      'api/v1/namespaces/alice/events?watch=1&resourceVersion=20',
      'api/v1/namespaces/alice/pods?watch=1&resourceVersion=15'
    ]);
    // Nothing was listed again: the watches resumed.
    expect(transport.listed.sort()).toEqual(['events', 'pods']);
    expect(mux.requests).toBe(2);
    pods.dispose();
    events.dispose();
  });

  it('passes an in-band 410 Gone to its watch only, which lists again', async () => {
    const { transport, pods, events } = setUp();
    await waitFor(() => transport.requests.length === 1);
    transport.resourceVersions.set('pods', '99');
    transport.open.event('pods', 'ERROR', {
      kind: 'Status',
      code: 410,
      message: 'too old resource version'
    });
    await waitFor(() => transport.requests.length === 2);
    expect(transport.listed.sort()).toEqual(['events', 'pods', 'pods']);
    expect([...transport.open.paths.values()]).toContain(
      'api/v1/namespaces/alice/pods?watch=1&resourceVersion=99'
    );
    pods.dispose();
    events.dispose();
  });

  it('reports a failed request to every watch, which retry together', async () => {
    const { transport, pods, events } = setUp();
    await waitFor(() => transport.requests.length === 1);
    const states: string[] = [];
    pods.stateChanged.connect((_, state) => states.push(state));
    // The request itself fails (e.g. the Jupyter server restarted).
    transport.open.write(new TypeError('Failed to fetch'));
    await waitFor(() => transport.requests.length === 2);
    expect(states).toContain('retrying');
    expect(pods.error?.message).toBe('Failed to fetch');
    expect(transport.open.paths.size).toBe(2);
    pods.dispose();
    events.dispose();
  });

  it('gives up the slot when the budget has none for it', async () => {
    const transport = new FakeTransport();
    const budget = new ConnectionBudget(1);
    const held = budget.tryAcquire({ label: 'other', priority: 'essential' });
    const mux = new WatchMultiplexer({ transport, budget, gatherMs: 1 });
    const pods = new ResourceWatch<V1Pod>({
      source: mux,
      type: Resources.pods,
      sleep: () => new Promise(resolve => setTimeout(resolve, 1))
    });
    void pods.start();
    await waitFor(() => pods.state === 'retrying');
    expect(pods.error?.message).toMatch(/no connection is free/);
    expect(transport.requests).toHaveLength(0);
    held!.dispose();
    await waitFor(() => transport.requests.length === 1);
    expect(budget.holders).toEqual(['watches']);
    pods.dispose();
  });
});
