/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (`yaml` resolves to its CommonJS build under Node's export conditions.)

import type { IDeploymentOverview } from '../../model/overview';
import { deploymentOverview } from '../../model/overview';
import {
  lwsPod,
  managedDeployment,
  NOW
} from '../../model/__tests__/deploymentObjects';
import { DeploymentLogs, logTargets, REREAD_FIRST_MS } from '../deploymentLogs';
import type { ILogOptions } from '../kube';
import type { ILogSource } from '../logStream';
import { waitFor as waitForCondition } from '../../__tests__/waitFor';

function overview(
  name: string,
  pods: ReturnType<typeof lwsPod>[]
): IDeploymentOverview {
  return deploymentOverview(managedDeployment({ name }).lws, pods, [], NOW);
}

const loading = (name: string) =>
  overview(name, [
    lwsPod(name, 0, 0, { ready: false }),
    lwsPod(name, 0, 1, { ready: true })
  ]);

describe('logTargets', () => {
  it('follows the leader of a loading deployment', () => {
    const targets = logTargets([loading('llama')], null);
    expect(targets).toEqual([
      {
        deployment: 'llama',
        pod: 'llama-0',
        container: 'vllm-leader',
        follow: true,
        key: 'llama-0-uid:0'
      }
    ]);
  });

  it('follows at most maxFollow leaders, the focused deployment first', () => {
    const all = [loading('a'), loading('b'), loading('c')];
    expect(logTargets(all, null).map(t => t.deployment)).toEqual(['a']);
    expect(logTargets(all, 'c').map(t => t.deployment)).toEqual(['c']);
    expect(logTargets(all, 'c', 2).map(t => t.deployment)).toEqual(['c', 'a']);
    expect(logTargets(all, null, 0)).toEqual([]);
  });

  it('leaves out a deployment whose log a view already follows', () => {
    const all = [loading('a'), loading('b')];
    expect(
      logTargets(all, 'a', 1, new Set(['a'])).map(t => t.deployment)
    ).toEqual(['b']);
  });

  it('reads the tail of crashed pods once, again after each restart, and never a ready one', () => {
    const failed = (restarts: number) =>
      overview('llama', [
        lwsPod('llama', 0, 0, {
          ready: false,
          restarts,
          waiting: 'CrashLoopBackOff',
          terminated: 'Error'
        }),
        lwsPod('llama', 0, 1, { ready: true })
      ]);
    const first = logTargets([failed(5)], null);
    expect(first).toEqual([
      {
        deployment: 'llama',
        pod: 'llama-0',
        container: 'vllm-leader',
        follow: false,
        key: 'llama-0-uid:5:Error'
      }
    ]);
    expect(logTargets([failed(6)], null)[0].key).not.toBe(first[0].key);
  });

  it('reads nothing of a ready deployment or of pods that never ran', () => {
    const ready = overview('ok', [lwsPod('ok', 0, 0), lwsPod('ok', 0, 1)]);
    const unscheduled = overview('big', [
      lwsPod('big', 0, 0, { node: null, ready: false }),
      lwsPod('big', 0, 1, { node: null, ready: false })
    ]);
    expect(logTargets([ready, unscheduled], null)).toEqual([]);
  });

  it('does not follow a leader whose container is still being created', () => {
    const creating = overview('new', [
      lwsPod('new', 0, 0, { ready: false, waiting: 'ContainerCreating' }),
      lwsPod('new', 0, 1, { ready: true })
    ]);
    creating.pods[0].status!.phase = 'Pending';
    creating.status.groups[0].leader!.phase = 'Pending';
    expect(logTargets([creating], null)).toEqual([]);
  });
});

/** A crashed leader of `llama` in its `incarnation` (a recreated group: same name, new uid). */
function crashed(incarnation: number): IDeploymentOverview {
  return overview('llama', [
    lwsPod('llama', 0, 0, {
      uid: `llama-0-uid-${incarnation}`,
      ready: false,
      restarts: 1,
      waiting: 'CrashLoopBackOff',
      terminated: 'Error'
    }),
    lwsPod('llama', 0, 1, { ready: true })
  ]);
}

describe('DeploymentLogs under a crash loop', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => {
    clock = 1_000_000;
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
  });
  afterEach(() => jest.useRealTimers());

  it('reads a recreated pod again only after a back-off that doubles, by pod name', () => {
    const source = new CountingLogs();
    const logs = new DeploymentLogs(source, now);
    logs.update(logTargets([crashed(1)], null));
    expect(source.reads).toEqual(['llama-0']);

    clock += 1000;
    logs.update(logTargets([crashed(2)], null));
    expect(source.reads).toHaveLength(1);
    expect(logs.waiting.map(target => target.pod)).toEqual(['llama-0']);

    clock += REREAD_FIRST_MS;
    jest.advanceTimersByTime(REREAD_FIRST_MS);
    expect(source.reads).toHaveLength(2);
    expect(logs.waiting).toEqual([]);

    // The next incarnation waits twice as long.
    logs.update(logTargets([crashed(3)], null));
    clock += REREAD_FIRST_MS;
    jest.advanceTimersByTime(REREAD_FIRST_MS);
    expect(source.reads).toHaveLength(2);
    clock += REREAD_FIRST_MS;
    jest.advanceTimersByTime(REREAD_FIRST_MS);
    expect(source.reads).toHaveLength(3);
    logs.dispose();
  });

  it('bounds the reads of a group recreated every 5 s for 4 minutes', () => {
    const source = new CountingLogs();
    const logs = new DeploymentLogs(source, now);
    for (let incarnation = 0; incarnation < 48; incarnation++) {
      logs.update(logTargets([crashed(incarnation)], null));
      clock += 5000;
      jest.advanceTimersByTime(5000);
    }
    // 0, 5, 15, 35, 75, 155 s: six reads instead of 48.
    expect(source.reads.length).toBeLessThanOrEqual(7);
    expect(source.reads.length).toBeGreaterThanOrEqual(5);
    logs.dispose();
  });
});

describe('DeploymentLogs evidence', () => {
  it('lets a one-off read under way finish when its pod goes, and keeps its lines', async () => {
    let release: () => void = () => undefined;
    const source: ILogSource = {
      async *logLines(): AsyncGenerator<string> {
        yield 'RuntimeError: CUDA error: out of memory';
        await new Promise<void>(resolve => (release = resolve));
        yield 'Traceback (most recent call last):';
      }
    };
    const logs = new DeploymentLogs(source);
    const keep = new Set(['llama']);
    logs.update(logTargets([crashed(1)], null), keep);
    await waitFor(() => logs.text('llama') !== '');
    logs.update([], keep);
    release();
    await waitFor(() => logs.text('llama').includes('Traceback'));
    expect(logs.podTexts('llama')).toEqual([
      {
        name: 'llama-0',
        logs: 'RuntimeError: CUDA error: out of memory\nTraceback (most recent call last):'
      }
    ]);
    logs.dispose();
  });

  it('keeps what a gone pod said while its deployment is kept, and drops it after', async () => {
    const source: ILogSource = {
      async *logLines(): AsyncGenerator<string> {
        yield 'torch.distributed.DistNetworkError: failed to connect';
      }
    };
    const logs = new DeploymentLogs(source);
    const keep = new Set(['llama']);
    logs.update(logTargets([crashed(1)], null), keep);
    await waitFor(() => logs.text('llama') !== '');

    // The group is recreated: no pod of it has a log yet.
    logs.update([], keep);
    expect(logs.podTexts('llama')).toEqual([
      {
        name: 'llama-0',
        logs: 'torch.distributed.DistNetworkError: failed to connect'
      }
    ]);

    // Ready again (or deleted): the old evidence goes.
    logs.update([], new Set());
    expect(logs.podTexts('llama')).toEqual([]);
    logs.dispose();
  });
});

/** Counts reads; every log is empty and ends at once. */
class CountingLogs implements ILogSource {
  reads: string[] = [];
  // eslint-disable-next-line require-yield
  async *logLines(pod: string): AsyncGenerator<string> {
    this.reads.push(pod);
  }
}

/** A log source that answers every pod with scripted lines and then stays open. */
class ScriptedLogs implements ILogSource {
  open = new Set<string>();
  constructor(private readonly _lines: Record<string, string[]>) {}

  async *logLines(
    pod: string,
    _options: ILogOptions,
    signal: AbortSignal
  ): AsyncGenerator<string> {
    this.open.add(pod);
    try {
      yield* this._lines[pod] ?? [];
      await new Promise<void>(resolve =>
        signal.addEventListener('abort', () => resolve())
      );
    } finally {
      this.open.delete(pod);
    }
  }
}

function waitFor(predicate: () => boolean): Promise<void> {
  return waitForCondition(predicate, 3000, 5);
}

describe('DeploymentLogs', () => {
  it('gives the loading progress and log text of a deployment, and cancels reads no longer wanted', async () => {
    const source = new ScriptedLogs({
      'llama-0': [
        'INFO Starting vLLM API server',
        'Loading safetensors checkpoint shards:  40% Completed | 12/30 [00:20<00:23,  1.45s/it]'
      ]
    });
    const logs = new DeploymentLogs(source);
    logs.update(logTargets([loading('llama')], null));
    await waitFor(() => logs.progress('llama') !== null);
    expect(logs.progress('llama')).toEqual({
      done: 12,
      total: 30,
      percent: 40
    });
    expect(logs.text('llama')).toContain('Starting vLLM API server');
    expect(source.open.has('llama-0')).toBe(true);

    logs.update([]);
    await waitFor(() => !source.open.has('llama-0'));
    expect(logs.progress('llama')).toBeNull();
    expect(logs.targets).toEqual([]);
    logs.dispose();
  });

  it('keeps a read that is still wanted instead of opening it again', async () => {
    const source = new ScriptedLogs({ 'llama-0': ['x'] });
    const logs = new DeploymentLogs(source);
    const targets = logTargets([loading('llama')], null);
    logs.update(targets);
    await waitFor(() => logs.text('llama') === 'x');
    logs.update(targets);
    expect(logs.text('llama')).toBe('x');
    logs.dispose();
    await waitFor(() => source.open.size === 0);
  });
});
