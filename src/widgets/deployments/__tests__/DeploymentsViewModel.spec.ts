/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (`yaml` resolves to its CommonJS build under Node's export conditions.)

import { ServerConnection } from '@jupyterlab/services';
import type { CoreV1Event, V1Pod, V1Service } from '@kubernetes/client-node';
import { Signal } from '@lumino/signaling';

import type { ILogOptions } from '../../../api/kube';
import type { NamespaceModel } from '../../../api/namespaceModel';
import type { LeaderWorkerSet } from '../../../model/lws';
import * as overviewModel from '../../../model/overview';
import {
  event,
  lwsPod,
  managedDeployment
} from '../../../model/__tests__/deploymentObjects';
import {
  DEPARTED_NOTICE_MS,
  DeploymentsViewModel
} from '../DeploymentsViewModel';
import { waitFor as waitForCondition } from '../../../__tests__/waitFor';

/** The parts of NamespaceModel the view model reads, driven by the test like watches would. */
class FakeNamespace {
  changed = new Signal<this, void>(this);
  serverSettings = ServerConnection.makeSettings({ baseUrl: 'http://lab/' });
  context = {
    namespace: 'project-user-alice',
    lwsInstalled: true,
    permissions: {}
  };
  leaderWorkerSets: LeaderWorkerSet[] = [];
  pods: V1Pod[] = [];
  events: CoreV1Event[] = [];
  services: V1Service[] = [];
  loaded = true;
  logRequests: string[] = [];
  open = new Set<AbortSignal>();

  /** Log requests open now. */
  openLogs(): number {
    return this.open.size;
  }
  client = {};
  logs = {
    logLines: async function* (
      this: FakeNamespace,
      pod: string,
      options: ILogOptions,
      signal: AbortSignal
    ): AsyncGenerator<string> {
      this.logRequests.push(pod);
      this.open.add(signal);
      try {
        yield 'Loading safetensors checkpoint shards:  50% Completed | 15/30 [00:20<00:20,  1.4s/it]';
        if (!options.follow) {
          return;
        }
        await new Promise<void>(resolve =>
          signal.addEventListener('abort', () => resolve())
        );
      } finally {
        this.open.delete(signal);
      }
    }.bind(this)
  };

  set(state: Partial<FakeNamespace>): void {
    Object.assign(this, state);
    this.changed.emit();
  }
}

function waitFor(predicate: () => boolean): Promise<void> {
  return waitForCondition(predicate, 3000, 5);
}

describe('DeploymentsViewModel', () => {
  let namespace: FakeNamespace;
  let model: DeploymentsViewModel;

  beforeEach(() => {
    namespace = new FakeNamespace();
    model = new DeploymentsViewModel(namespace as unknown as NamespaceModel);
  });

  afterEach(() => model.dispose());

  it('follows the watches: a new LWS appears, its pods going Ready change its state', () => {
    const { lws, service } = managedDeployment();
    let changes = 0;
    model.changed.connect(() => (changes += 1));
    namespace.set({ leaderWorkerSets: [lws], services: [service] });
    expect(model.overviews.map(o => o.name)).toEqual(['llama']);
    expect(model.overviews[0].status.state).toBe('Pending');

    namespace.set({
      pods: [
        lwsPod('llama', 0, 0, { ready: false }),
        lwsPod('llama', 0, 1, { ready: false })
      ]
    });
    expect(model.overview('llama')?.status.state).toBe('Loading');

    namespace.set({ pods: [lwsPod('llama', 0, 0), lwsPod('llama', 0, 1)] });
    expect(model.overview('llama')?.status.state).toBe('Ready');
    expect(changes).toBeGreaterThanOrEqual(3);
    expect(model.endpoint('llama')?.service).toBe('llama-leader');
  });

  it('shows the loading progress from the leader log while the model loads', async () => {
    const { lws } = managedDeployment();
    namespace.set({
      leaderWorkerSets: [lws],
      pods: [
        lwsPod('llama', 0, 0, { ready: false }),
        lwsPod('llama', 0, 1, { ready: true })
      ]
    });
    await waitFor(() => model.progress('llama') !== null);
    expect(model.progress('llama')).toEqual({
      done: 15,
      total: 30,
      percent: 50
    });
    expect(namespace.logRequests).toEqual(['llama-0']);
  });

  it('diagnoses an unschedulable deployment from its events, with the fix', () => {
    const { lws } = managedDeployment({ gpusPerNode: 16 } as any);
    namespace.set({
      leaderWorkerSets: [lws],
      pods: [
        lwsPod('llama', 0, 0, { node: null, ready: false, gpus: 16 }),
        lwsPod('llama', 0, 1, { node: null, ready: false, gpus: 16 })
      ],
      events: [
        event(
          'Pod',
          'llama-0',
          'FailedScheduling',
          '0/4 nodes are available: 4 Insufficient nvidia.com/gpu. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod.'
        )
      ]
    });
    expect(model.overview('llama')?.status.state).toBe('Scheduling');
    const [first] = model.diagnoses('llama');
    expect(first.id).toBe('insufficient-gpu');
    expect(first.fix).toMatch(/Lower "GPUs per node"/);
    expect(first.evidence).toContain('Insufficient nvidia.com/gpu');
  });

  it('does not diagnose old events once the deployment serves', () => {
    const { lws } = managedDeployment();
    namespace.set({
      leaderWorkerSets: [lws],
      pods: [lwsPod('llama', 0, 0), lwsPod('llama', 0, 1)],
      events: [
        event(
          'Pod',
          'llama-0',
          'FailedScheduling',
          '0/4 nodes are available: 4 Insufficient nvidia.com/gpu.'
        )
      ]
    });
    expect(model.diagnoses('llama')).toEqual([]);
  });

  it('keeps the diagnosis of a crash-looping group while it is recreated, and counts the recreations', () => {
    const { lws } = managedDeployment();
    const oomKilled = [
      lwsPod('llama', 0, 0, {
        ready: false,
        restarts: 1,
        terminated: 'OOMKilled'
      }),
      lwsPod('llama', 0, 1, { ready: true })
    ];
    namespace.set({ leaderWorkerSets: [lws], pods: oomKilled });
    const before = model.diagnoses('llama').map(found => found.id);
    expect(before.length).toBeGreaterThan(0);

    // The controller recreated the group: new pods that say nothing yet, and its event.
    namespace.set({
      pods: [
        lwsPod('llama', 0, 0, { ready: false, uid: 'new-0', node: null }),
        lwsPod('llama', 0, 1, { ready: false, uid: 'new-1', node: null })
      ],
      events: [
        {
          ...event(
            'LeaderWorkerSet',
            'llama',
            'RecreateGroupOnPodRestart',
            'Worker pod llama-0 failed, deleted leader pod llama-0 to recreate group 0',
            { type: 'Normal' }
          ),
          count: 4
        }
      ]
    });
    expect(model.diagnoses('llama').map(found => found.id)).toEqual(before);
    expect(model.recreations('llama')).toEqual([
      expect.objectContaining({ group: 0, count: 4, failedPod: 'llama-0' })
    ]);

    // Serving: nothing held.
    namespace.set({ pods: [lwsPod('llama', 0, 0), lwsPod('llama', 0, 1)] });
    expect(model.diagnoses('llama')).toEqual([]);
  });

  it('leaves the detail and remembers which deployment went when it is deleted', () => {
    const { lws } = managedDeployment();
    namespace.set({ leaderWorkerSets: [lws] });
    model.selected = 'llama';
    namespace.set({ leaderWorkerSets: [] });
    expect(model.selected).toBeNull();
    expect(model.departed).toBe('llama');
    model.selected = null;
    expect(model.departed).toBe('llama');
  });

  it('says a deployment was deleted for a while, and not once one of that name is back', () => {
    jest.useFakeTimers();
    try {
      const { lws } = managedDeployment();
      namespace.set({ leaderWorkerSets: [lws] });
      model.selected = 'llama';
      namespace.set({ leaderWorkerSets: [] });
      expect(model.departed).toBe('llama');
      jest.advanceTimersByTime(DEPARTED_NOTICE_MS);
      expect(model.departed).toBeNull();

      model.selected = null;
      namespace.set({ leaderWorkerSets: [lws] });
      model.selected = 'llama';
      namespace.set({ leaderWorkerSets: [] });
      expect(model.departed).toBe('llama');
      namespace.set({ leaderWorkerSets: [lws] });
      expect(model.departed).toBeNull();
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('DeploymentsViewModel at scale', () => {
  it('computes again only the deployment a watch event touches, and keeps the others identical', () => {
    const namespace = new FakeNamespace();
    const names = ['a', 'b', 'c', 'd'];
    const pods = names.flatMap(name => [
      lwsPod(name, 0, 0),
      lwsPod(name, 0, 1)
    ]);
    namespace.leaderWorkerSets = names.map(
      name => managedDeployment({ name }).lws
    );
    namespace.pods = pods;
    const compute = jest.spyOn(overviewModel, 'deploymentOverview');
    const model = new DeploymentsViewModel(
      namespace as unknown as NamespaceModel
    );
    try {
      expect(compute).toHaveBeenCalledTimes(4);
      const before = model.overviews;
      compute.mockClear();

      // c's leader stops being ready (a MODIFIED pod), then an event about c's worker.
      namespace.set({
        pods: pods.map(pod =>
          pod.metadata?.name === 'c-0'
            ? lwsPod('c', 0, 0, { ready: false })
            : pod
        )
      });
      namespace.set({
        events: [event('Pod', 'c-0-1', 'Unhealthy', 'Readiness probe failed')]
      });
      expect(compute.mock.calls.map(([lws]) => lws.metadata?.name)).toEqual([
        'c',
        'c'
      ]);
      expect(model.overview('c')?.status.state).not.toBe('Ready');
      for (const [i, name] of names.entries()) {
        if (name !== 'c') {
          expect(model.overviews[i]).toBe(before[i]);
        }
      }
      // An event about no deployment computes nothing.
      compute.mockClear();
      namespace.set({
        events: [
          ...namespace.events,
          event('Node', 'gpu-node-1', 'NodeReady', 'ready')
        ]
      });
      expect(compute).not.toHaveBeenCalled();
    } finally {
      model.dispose();
      compute.mockRestore();
    }
  });
});

describe('DeploymentsViewModel background logs', () => {
  it('follows two loading leaders in the background, beside any log views', async () => {
    const namespace = new FakeNamespace();
    const model = new DeploymentsViewModel(
      namespace as unknown as NamespaceModel
    );
    const loadingPods = (name: string) => [
      lwsPod(name, 0, 0, { ready: false }),
      lwsPod(name, 0, 1, { ready: true })
    ];
    namespace.set({
      leaderWorkerSets: ['a', 'b', 'c'].map(
        name => managedDeployment({ name }).lws
      ),
      pods: [...loadingPods('a'), ...loadingPods('b'), ...loadingPods('c')]
    });
    await waitFor(() => namespace.openLogs() === 2);
    expect(namespace.logRequests).toEqual(['a-0', 'b-0']);
    await waitFor(() => model.progress('a') !== null);

    const { LogStream } = await import('../../../api/logStream');
    const stream = new LogStream({
      source: namespace.logs,
      pod: 'z-0',
      tailLines: 10
    });
    const registration = model.addLogViewer('z', stream);
    stream.start();
    // A log view is one more log on the live channel: the background reads go on.
    await waitFor(() => namespace.openLogs() === 3);
    expect(model.progress('a')).not.toBeNull();

    registration.dispose();
    stream.dispose();
    await waitFor(() => namespace.openLogs() === 2);
    model.dispose();
    await waitFor(() => namespace.openLogs() === 0);
  });
});
