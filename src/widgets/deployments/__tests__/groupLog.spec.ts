import type { V1Pod } from '@kubernetes/client-node';

import type { ILogOptions } from '../../../api/kube';
import type { ILogSource } from '../../../api/logStream';
import { lwsPod } from '../../../model/__tests__/deploymentObjects';
import { GroupLog } from '../groupLog';
import { waitFor } from '../../../__tests__/waitFor';

/**
 * A log transport whose logs are given per pod uid: each request yields that pod's lines
 * (from `sinceTime`'s second on, as the API server does), then stays open until aborted.
 */
class FakeLogs implements ILogSource {
  lines = new Map<string, string[]>();
  requests: { pod: string; options: ILogOptions }[] = [];
  uidOf = new Map<string, string>();

  async *logLines(
    pod: string,
    options: ILogOptions,
    signal: AbortSignal
  ): AsyncIterable<string> {
    this.requests.push({ pod, options: { ...options } });
    const all = this.lines.get(this.uidOf.get(pod) ?? `${pod}-uid`) ?? [];
    const since = options.sinceTime;
    for (const line of all) {
      if (!since || line.slice(0, 19) >= since.slice(0, 19)) {
        yield line;
      }
    }
    await new Promise<void>(resolve =>
      signal.addEventListener('abort', () => resolve())
    );
  }
}

function running(pod: V1Pod, uid?: string): V1Pod {
  return {
    ...pod,
    metadata: { ...pod.metadata, uid: uid ?? pod.metadata?.uid },
    status: {
      ...pod.status,
      containerStatuses: [
        {
          name: pod.spec?.containers[0].name ?? '',
          image: '',
          imageID: '',
          ready: true,
          restartCount: 0,
          state: { running: { startedAt: new Date() } }
        }
      ]
    }
  };
}

const leader = running(lwsPod('llama', 0, 0));
const worker = running(lwsPod('llama', 0, 1));
const members = (pods: V1Pod[]) =>
  pods.map(pod => {
    const index = pod.metadata?.name === 'llama-0' ? 0 : 1;
    return {
      name: pod.metadata?.name ?? '',
      role: index === 0 ? ('leader' as const) : ('worker' as const),
      workerIndex: index,
      pod
    };
  });

function setup() {
  const source = new FakeLogs();
  source.lines.set('llama-0-uid', [
    '2026-12-02T10:00:01.000000001Z leader starts',
    '2026-12-02T10:00:03.5Z leader waits for rank 1',
    '2026-12-02T10:00:05Z leader: NCCL timeout'
  ]);
  source.lines.set('llama-0-1-uid', [
    '2026-12-02T10:00:02Z worker starts',
    '2026-12-02T10:00:04Z worker: NCCL WARN socket error \u001b[31mred\u001b[0m'
  ]);
  const log = new GroupLog({
    source,
    tailLines: 100,
    separator: (member, action) => `── ${member.name} ${action} ──`
  });
  return { source, log };
}

const texts = (log: GroupLog) =>
  log.lines().map(({ entry, line }) => `${entry.member.name}: ${line.text}`);

describe('GroupLog', () => {
  it('follows every pod with timestamps and merges their lines in time order', async () => {
    const { source, log } = setup();
    log.update(members([worker, leader]));
    await waitFor(() => log.lines().length === 5, 2000, 5);
    expect(texts(log)).toEqual([
      'llama-0: leader starts',
      'llama-0-1: worker starts',
      'llama-0: leader waits for rank 1',
      // Colour codes go, as in the single-pod view.
      'llama-0-1: worker: NCCL WARN socket error red',
      'llama-0: leader: NCCL timeout'
    ]);
    expect(log.entries.map(entry => entry.member.name)).toEqual([
      'llama-0',
      'llama-0-1'
    ]);
    expect(source.requests.map(request => request.pod).sort()).toEqual([
      'llama-0',
      'llama-0-1'
    ]);
    for (const { options } of source.requests) {
      expect(options).toMatchObject({ follow: true, timestamps: true });
    }
    log.dispose();
  });

  it('goes on below a separator when LWS recreates a pod of the group', async () => {
    const { source, log } = setup();
    log.update(members([leader, worker]));
    await waitFor(() => log.lines().length === 5, 2000, 5);
    source.lines.set('llama-0-uid-2', [
      '2026-12-02T10:01:00Z new leader starts'
    ]);
    source.uidOf.set('llama-0', 'llama-0-uid-2');
    // Gone first (the group is deleted), then back under the same name with a new uid.
    log.update(members([worker]));
    expect(log.entries[0].follow.phase).toBe('gone');
    log.update(members([running(leader, 'llama-0-uid-2'), worker]));
    await waitFor(() => log.lines().length === 7, 2000, 5);
    const lines = log.lines();
    expect(texts(log).slice(-2)).toEqual([
      'llama-0: ── llama-0 recreated ──',
      'llama-0: new leader starts'
    ]);
    expect(lines[5].separator).toBe(true);
    log.dispose();
  });

  it('reads nothing while hidden and goes on without repeats when shown', async () => {
    const { source, log } = setup();
    log.update(members([leader, worker]));
    await waitFor(() => log.lines().length === 5, 2000, 5);
    log.pause();
    expect(log.entries.map(entry => entry.stream.state)).toEqual([
      'paused',
      'paused'
    ]);
    source.lines
      .get('llama-0-uid')
      ?.push('2026-12-02T10:00:05.2Z leader exits');
    log.resume();
    await waitFor(() => log.lines().length === 6, 2000, 5);
    const resumed = source.requests.filter(
      request => request.options.sinceTime !== undefined
    );
    expect(resumed).toHaveLength(2);
    expect(texts(log).slice(-2)).toEqual([
      'llama-0: leader: NCCL timeout',
      'llama-0: leader exits'
    ]);
    log.dispose();
  });
});
