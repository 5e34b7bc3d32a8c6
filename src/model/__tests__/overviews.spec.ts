/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (`yaml` resolves to its CommonJS build under Node's export conditions.)

import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';

import type { ILeaderWorkerSet } from '../lws';
import { deploymentOverview } from '../overview';
import type { IOverviewEntry } from '../overviews';
import { nextOverviews, objectsByDeployment } from '../overviews';
import { event, lwsPod, managedDeployment, NOW } from './deploymentObjects';

// Two deployments whose names overlap ("llama-3-0" could be llama's group 3, worker 0, or
// llama-3's group 0) and one more, with pods and events of all kinds.
function namespaceObjects(): {
  lwsList: ILeaderWorkerSet[];
  pods: V1Pod[];
  events: CoreV1Event[];
} {
  const names = ['llama', 'llama-3', 'qwen'];
  const lwsList = names.map(name => managedDeployment({ name }).lws);
  const pods = names.flatMap(name => [
    lwsPod(name, 0, 0, { ready: false }),
    lwsPod(name, 0, 1)
  ]);
  pods.push(lwsPod('llama', 3, 0, { ready: false }));
  const events = [
    event('LeaderWorkerSet', 'llama', 'Created', 'made', { uid: 'e1' }),
    event('Pod', 'llama-3-0', 'BackOff', 'crash', { uid: 'e2' }),
    event('Pod', 'llama-0-1', 'FailedScheduling', 'no node', { uid: 'e3' }),
    event('StatefulSet', 'llama-3', 'SuccessfulCreate', 'pods', { uid: 'e4' }),
    event('Service', 'qwen', 'Updated', 'ports', { uid: 'e5' }),
    event('Pod', 'qwen-0', 'Pulling', 'image', { uid: 'e6', type: 'Normal' }),
    event('Pod', 'other-0', 'BackOff', 'not ours', { uid: 'e7' }),
    event('Node', 'gpu-node-1', 'NodeReady', 'node', { uid: 'e8' })
  ];
  return { lwsList, pods, events };
}

describe('objectsByDeployment', () => {
  it('gives each deployment its own pods and every event that may be about it', () => {
    const { lwsList, pods, events } = namespaceObjects();
    const byName = objectsByDeployment(
      lwsList.map(lws => lws.metadata?.name ?? ''),
      pods,
      events
    );
    expect(byName.get('llama')?.pods.map(pod => pod.metadata?.name)).toEqual([
      'llama-0',
      'llama-0-1',
      'llama-3'
    ]);
    expect(byName.get('qwen')?.events.map(e => e.metadata?.uid)).toEqual([
      'e5',
      'e6'
    ]);
    // "llama-3-0" goes to both candidates; the overview's filter decides.
    expect(byName.get('llama')?.events.map(e => e.metadata?.uid)).toEqual([
      'e1',
      'e2',
      'e3',
      'e4'
    ]);
    expect(byName.get('llama-3')?.events.map(e => e.metadata?.uid)).toEqual([
      'e2',
      'e4'
    ]);
  });
});

describe('nextOverviews', () => {
  it('computes what deploymentOverview computes from all pods and events', () => {
    const { lwsList, pods, events } = namespaceObjects();
    const { overviews } = nextOverviews(new Map(), lwsList, pods, events, NOW);
    expect(overviews).toEqual(
      lwsList.map(lws => deploymentOverview(lws, pods, events, NOW))
    );
  });

  it('keeps the overview objects of deployments whose objects did not change', () => {
    const { lwsList, pods, events } = namespaceObjects();
    const first = nextOverviews(new Map(), lwsList, pods, events, NOW);
    expect(first.recomputed).toEqual(['llama', 'llama-3', 'qwen']);

    const same = nextOverviews(first.entries, lwsList, pods, events, NOW);
    expect(same.recomputed).toEqual([]);
    same.overviews.forEach((overview, i) =>
      expect(overview).toBe(first.overviews[i])
    );

    // qwen's leader became ready: only qwen is computed again.
    const changedPods = pods.map(pod =>
      pod.metadata?.name === 'qwen-0' ? lwsPod('qwen', 0, 0) : pod
    );
    const next = nextOverviews(same.entries, lwsList, changedPods, events, NOW);
    expect(next.recomputed).toEqual(['qwen']);
    expect(next.overviews[0]).toBe(first.overviews[0]);
    expect(next.overviews[1]).toBe(first.overviews[1]);
    expect(next.overviews[2]).not.toBe(first.overviews[2]);
    expect(next.overviews[2].status.state).toBe('Ready');

    // An event about one of llama-3's workers touches llama-3 only (three number parts are
    // too many for llama's pods).
    const withEvent = [
      ...events,
      event('Pod', 'llama-3-0-1', 'Killing', 'stop', { uid: 'e9' })
    ];
    const later = nextOverviews(
      next.entries,
      lwsList,
      changedPods,
      withEvent,
      NOW
    );
    expect(later.recomputed).toEqual(['llama-3']);
    expect(later.overviews[2]).toBe(next.overviews[2]);
  });

  it('takes a relisted object of the same resourceVersion as unchanged', () => {
    const { lwsList, pods, events } = namespaceObjects();
    const withVersion = <T extends V1Pod | CoreV1Event>(
      object: T,
      i: number
    ) => ({
      ...object,
      metadata: { ...object.metadata, resourceVersion: String(i + 1) }
    });
    const versioned = pods.map(withVersion);
    const versionedEvents = events.map(withVersion);
    const first = nextOverviews(
      new Map(),
      lwsList,
      versioned,
      versionedEvents,
      NOW
    );
    const relisted: {
      lwsList: ILeaderWorkerSet[];
      versioned: V1Pod[];
      events: CoreV1Event[];
    } = JSON.parse(
      JSON.stringify({ lwsList, versioned, events: versionedEvents })
    );
    const again = nextOverviews(
      first.entries,
      relisted.lwsList,
      relisted.versioned,
      relisted.events,
      NOW
    );
    expect(again.recomputed).toEqual([]);

    const newer = relisted.versioned.map(pod =>
      pod.metadata?.name === 'llama-3-0'
        ? { ...pod, metadata: { ...pod.metadata, resourceVersion: '99' } }
        : pod
    );
    const changed = nextOverviews(
      again.entries,
      relisted.lwsList,
      newer,
      relisted.events,
      NOW
    );
    expect(changed.recomputed).toEqual(['llama-3']);
  });

  it('computes every overview again when asked (the clock moved on), and forgets deleted ones', () => {
    const { lwsList, pods, events } = namespaceObjects();
    const first = nextOverviews(new Map(), lwsList, pods, events, NOW);
    const later = new Date(NOW.getTime() + 60_000);
    const ticked = nextOverviews(
      first.entries,
      lwsList,
      pods,
      events,
      later,
      true
    );
    expect(ticked.recomputed).toEqual(['llama', 'llama-3', 'qwen']);
    expect(ticked.overviews[0].age).toBe('11m');

    const entries: Map<string, IOverviewEntry> = nextOverviews(
      ticked.entries,
      lwsList.slice(1),
      pods,
      events,
      later
    ).entries;
    expect([...entries.keys()]).toEqual(['llama-3', 'qwen']);
  });
});
