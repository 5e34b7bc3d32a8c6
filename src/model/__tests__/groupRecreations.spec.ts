import type { CoreV1Event } from '@kubernetes/client-node';

import { groupRecreations } from '../groupRecreations';
import { managedDeployment } from './deploymentObjects';

function recreated(
  message: string,
  options: { count?: number; last?: string; uid?: string; series?: number } = {}
): CoreV1Event {
  return {
    metadata: { name: `llama.${message.length}` },
    involvedObject: {
      kind: 'LeaderWorkerSet',
      name: 'llama',
      uid: options.uid ?? 'llama-uid'
    },
    reason: 'RecreateGroupOnPodRestart',
    type: 'Normal',
    message,
    count: options.count,
    lastTimestamp: (options.last ?? '2026-12-02T06:00:00Z') as any,
    ...(options.series !== undefined
      ? {
          series: {
            count: options.series,
            lastObservedTime: (options.last ?? '2026-12-02T06:00:00Z') as any
          }
        }
      : {})
  };
}

describe('groupRecreations', () => {
  const { lws } = managedDeployment({ name: 'llama' });
  lws.metadata!.uid = 'llama-uid';

  it("counts each group's recreations from the LWS controller's events", () => {
    const events = [
      recreated(
        'Worker pod llama-0-1 failed, deleted leader pod llama-0 to recreate group 0',
        { count: 5, last: '2026-12-02T06:00:10Z' }
      ),
      recreated(
        'Worker pod llama-0 failed, deleted leader pod llama-0 to recreate group 0',
        { count: 2, last: '2026-12-02T06:00:30Z' }
      ),
      recreated(
        'Worker pod llama-1-1 failed, deleted leader pod llama-1 to recreate group 1',
        { series: 3 }
      )
    ];
    expect(groupRecreations(lws, events)).toEqual([
      {
        group: 0,
        count: 7,
        last: '2026-12-02T06:00:30Z',
        failedPod: 'llama-0'
      },
      {
        group: 1,
        count: 3,
        last: '2026-12-02T06:00:00Z',
        failedPod: 'llama-1-1'
      }
    ]);
  });

  it('reads the group from the leader name when the message has no group index', () => {
    const events = [
      recreated('Worker pod llama-2-1 failed, deleted leader pod llama-2')
    ];
    expect(groupRecreations(lws, events).map(entry => entry.group)).toEqual([
      2
    ]);
  });

  it('ignores events of an earlier LWS of the same name, other reasons and other objects', () => {
    const events: CoreV1Event[] = [
      recreated(
        'Worker pod llama-0-1 failed, deleted leader pod llama-0 to recreate group 0',
        { uid: 'old-uid', count: 40 }
      ),
      {
        ...recreated('Created worker statefulset for leader pod llama-0'),
        reason: 'GroupsProgressing'
      },
      {
        ...recreated(
          'Worker pod other-0-1 failed, deleted leader pod other-0 to recreate group 0'
        ),
        involvedObject: { kind: 'LeaderWorkerSet', name: 'other' }
      }
    ];
    expect(groupRecreations(lws, events)).toEqual([]);
  });
});
