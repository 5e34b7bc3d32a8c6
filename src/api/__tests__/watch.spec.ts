import type {
  KubernetesListObject,
  KubernetesObject,
  V1Pod
} from '@kubernetes/client-node';

import { LwsApiError } from '../request';
import { Resources } from '../resources';
import type { IWatchSource } from '../watch';
import { applyWatchEvent, ResourceWatch } from '../watch';
import { waitFor as waitForCondition } from '../../__tests__/waitFor';

function pod(name: string, resourceVersion: string, phase = 'Pending'): V1Pod {
  return { metadata: { name, resourceVersion }, status: { phase } };
}

function line(type: string, object: unknown): string {
  return JSON.stringify({ type, object });
}

/** A transport fake: each call to watchLines plays the next scripted stream or throws. */
class ScriptedSource implements IWatchSource {
  lists: KubernetesListObject<V1Pod>[] = [];
  streams: Array<string[] | Error> = [];
  watchedFrom: string[] = [];
  listCalls = 0;

  async list<T extends KubernetesObject>(): Promise<KubernetesListObject<T>> {
    this.listCalls += 1;
    const next = this.lists.shift();
    if (!next) {
      throw new Error('no more lists scripted');
    }
    return next as unknown as KubernetesListObject<T>;
  }

  async *watchLines(
    _type: unknown,
    resourceVersion: string,
    signal: AbortSignal
  ): AsyncGenerator<string> {
    this.watchedFrom.push(resourceVersion);
    const next = this.streams.shift();
    if (next === undefined) {
      // Nothing more scripted: hang like an idle watch until the test disposes it.
      await new Promise<void>(resolve =>
        signal.addEventListener('abort', () => resolve())
      );
      return;
    }
    if (next instanceof Error) {
      throw next;
    }
    yield* next;
  }
}

function waitFor(predicate: () => boolean): Promise<void> {
  return waitForCondition(predicate, 2000, 1);
}

const noSleep = () => Promise.resolve();

describe('applyWatchEvent', () => {
  it('adds, replaces and removes objects by name', () => {
    const items = new Map<string, V1Pod>();
    applyWatchEvent(items, { type: 'ADDED', object: pod('a', '1') });
    applyWatchEvent(items, {
      type: 'MODIFIED',
      object: pod('a', '2', 'Running')
    });
    expect(items.get('a')?.status?.phase).toBe('Running');
    applyWatchEvent(items, { type: 'DELETED', object: pod('a', '3') });
    expect(items.size).toBe(0);
  });

  it('ignores bookmarks', () => {
    const items = new Map<string, V1Pod>([['a', pod('a', '1')]]);
    applyWatchEvent(items, {
      type: 'BOOKMARK',
      object: { metadata: { resourceVersion: '9' } }
    });
    expect([...items.keys()]).toEqual(['a']);
  });
});

describe('ResourceWatch', () => {
  it('lists, then watches from the list resourceVersion', async () => {
    const source = new ScriptedSource();
    source.lists.push({
      metadata: { resourceVersion: '10' },
      items: [pod('a', '5')]
    });
    source.streams.push([
      line('ADDED', pod('b', '11')),
      line('MODIFIED', pod('a', '12', 'Running'))
    ]);
    const watch = new ResourceWatch<V1Pod>({
      source,
      type: Resources.pods,
      sleep: noSleep
    });
    void watch.start();
    await waitFor(
      () =>
        watch.items.length === 2 && watch.items[0].status?.phase === 'Running'
    );
    expect(source.watchedFrom[0]).toBe('10');
    expect(watch.items.map(p => p.metadata?.name)).toEqual(['a', 'b']);
    watch.dispose();
  });

  it('resumes from the last seen resourceVersion after the stream ends', async () => {
    const source = new ScriptedSource();
    source.lists.push({ metadata: { resourceVersion: '10' }, items: [] });
    source.streams.push([line('ADDED', pod('a', '11'))]);
    source.streams.push([
      line('BOOKMARK', { metadata: { resourceVersion: '15' } })
    ]);
    const watch = new ResourceWatch<V1Pod>({
      source,
      type: Resources.pods,
      sleep: noSleep
    });
    void watch.start();
    await waitFor(() => source.watchedFrom.length >= 3);
    expect(source.watchedFrom.slice(0, 3)).toEqual(['10', '11', '15']);
    expect(source.listCalls).toBe(1);
    watch.dispose();
  });

  it('lists again after 410 Gone in the stream', async () => {
    const source = new ScriptedSource();
    source.lists.push({
      metadata: { resourceVersion: '10' },
      items: [pod('old', '3')]
    });
    source.lists.push({
      metadata: { resourceVersion: '50' },
      items: [pod('new', '49')]
    });
    source.streams.push([
      line('ERROR', {
        kind: 'Status',
        code: 410,
        message: 'too old resource version'
      })
    ]);
    const watch = new ResourceWatch<V1Pod>({
      source,
      type: Resources.pods,
      sleep: noSleep
    });
    void watch.start();
    await waitFor(() => source.watchedFrom.length >= 2);
    expect(source.listCalls).toBe(2);
    expect(source.watchedFrom).toEqual(['10', '50']);
    expect(watch.items.map(p => p.metadata?.name)).toEqual(['new']);
    watch.dispose();
  });

  it('lists again when opening the watch answers 410', async () => {
    const source = new ScriptedSource();
    source.lists.push({ metadata: { resourceVersion: '10' }, items: [] });
    source.lists.push({ metadata: { resourceVersion: '60' }, items: [] });
    source.streams.push(new LwsApiError(410, 'Gone'));
    const watch = new ResourceWatch<V1Pod>({
      source,
      type: Resources.pods,
      sleep: noSleep
    });
    void watch.start();
    await waitFor(() => source.watchedFrom.length >= 2);
    expect(source.watchedFrom).toEqual(['10', '60']);
    watch.dispose();
  });

  it('reports a failure, retries, and clears the error once live again', async () => {
    const source = new ScriptedSource();
    source.lists.push({ metadata: { resourceVersion: '10' }, items: [] });
    source.streams.push(new LwsApiError(503, 'apiserver unavailable'));
    source.streams.push([line('ADDED', pod('a', '11'))]);
    const states: string[] = [];
    const watch = new ResourceWatch<V1Pod>({
      source,
      type: Resources.pods,
      sleep: noSleep
    });
    watch.stateChanged.connect((_, s) => states.push(s));
    void watch.start();
    await waitFor(() => watch.items.length === 1);
    expect(states).toEqual(['retrying', 'live']);
    expect(watch.error).toBeNull();
    expect(source.watchedFrom.slice(0, 2)).toEqual(['10', '10']);
    watch.dispose();
  });

  it('stops the open request when disposed', async () => {
    const source = new ScriptedSource();
    source.lists.push({ metadata: { resourceVersion: '1' }, items: [] });
    const watch = new ResourceWatch<V1Pod>({
      source,
      type: Resources.pods,
      sleep: noSleep
    });
    const finished = watch.start();
    await waitFor(() => source.watchedFrom.length === 1);
    watch.dispose();
    await expect(finished).resolves.toBeUndefined();
    expect(watch.state).toBe('stopped');
  });
});
