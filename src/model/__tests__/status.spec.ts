import * as fs from 'fs';
import * as path from 'path';

import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';

import type { ILeaderWorkerSet } from '../lws';
import { modelLoadingProgress } from '../loadingProgress';
import { deploymentStatus, podSummary } from '../status';

// Objects as the API server returns them through the proxy: plain JSON, timestamps as strings.
const NOW = new Date('2025-12-24T16:10:00Z');
const CREATED = '2025-12-24T16:00:00Z';

type PodOptions = {
  lws?: string;
  node?: string | null;
  phase?: string;
  ready?: boolean;
  scheduled?: { status: 'True' | 'False'; message?: string };
  waiting?: { reason: string; message?: string };
  runningSince?: string;
  restarts?: number;
  lastTerminated?: string;
  gpus?: number;
  created?: string;
  deleting?: boolean;
  labels?: Record<string, string>;
};

function pod(group: number, worker: number, options: PodOptions = {}): V1Pod {
  const lws = options.lws ?? 'llama-70b';
  const name = worker === 0 ? `${lws}-${group}` : `${lws}-${group}-${worker}`;
  const ready = options.ready ?? false;
  const state = options.waiting
    ? { waiting: options.waiting }
    : options.runningSince
      ? { running: { startedAt: options.runningSince } }
      : undefined;
  const conditions = [
    {
      type: 'PodScheduled',
      status: options.scheduled?.status ?? 'True',
      ...(options.scheduled?.status === 'False'
        ? { reason: 'Unschedulable' }
        : {}),
      ...(options.scheduled?.message
        ? { message: options.scheduled.message }
        : {})
    },
    { type: 'Ready', status: ready ? 'True' : 'False' }
  ];
  return {
    metadata: {
      name,
      creationTimestamp: options.created ?? CREATED,
      ...(options.deleting
        ? { deletionTimestamp: '2025-12-24T16:09:00Z' }
        : {}),
      labels: options.labels ?? {
        'leaderworkerset.sigs.k8s.io/name': lws,
        'leaderworkerset.sigs.k8s.io/group-index': String(group),
        'leaderworkerset.sigs.k8s.io/worker-index': String(worker)
      }
    },
    spec: {
      ...(options.node === null
        ? {}
        : { nodeName: options.node ?? `scs0${4 + worker}` }),
      containers: [
        {
          name: 'engine',
          resources: { limits: { 'nvidia.com/gpu': String(options.gpus ?? 4) } }
        }
      ]
    },
    status: {
      phase: options.phase ?? (options.runningSince ? 'Running' : 'Pending'),
      conditions,
      containerStatuses: state
        ? [
            {
              name: 'engine',
              image: 'lmsysorg/sglang:v0.5.6.post2',
              imageID: '',
              ready,
              restartCount: options.restarts ?? 0,
              state,
              ...(options.lastTerminated
                ? {
                    lastState: {
                      terminated: {
                        reason: options.lastTerminated,
                        exitCode: 137
                      }
                    }
                  }
                : {})
            }
          ]
        : []
    }
  } as unknown as V1Pod;
}

function running(group: number, worker: number, ready: boolean): V1Pod {
  return pod(group, worker, { runningSince: '2025-12-24T16:06:00Z', ready });
}

function lws(
  overrides: {
    replicas?: number;
    size?: number;
    gpus?: number;
    readyReplicas?: number;
    conditions?: Array<{ type: string; status: string }>;
    deleting?: boolean;
  } = {}
): ILeaderWorkerSet {
  const template = {
    spec: {
      containers: [
        {
          name: 'engine',
          resources: {
            limits: { 'nvidia.com/gpu': String(overrides.gpus ?? 4) }
          }
        }
      ]
    }
  };
  return {
    apiVersion: 'leaderworkerset.x-k8s.io/v1',
    kind: 'LeaderWorkerSet',
    metadata: {
      name: 'llama-70b',
      ...(overrides.deleting
        ? { deletionTimestamp: '2025-12-24T16:09:00Z' }
        : {})
    },
    spec: {
      replicas: overrides.replicas ?? 1,
      leaderWorkerTemplate: {
        size: overrides.size ?? 2,
        leaderTemplate: template,
        workerTemplate: template
      }
    },
    status: {
      readyReplicas: overrides.readyReplicas ?? 0,
      replicas: overrides.replicas ?? 1,
      conditions: overrides.conditions ?? []
    }
  } as unknown as ILeaderWorkerSet;
}

function event(
  podName: string,
  reason: string,
  message: string,
  at: string
): CoreV1Event {
  return {
    metadata: { name: `${podName}.${reason}` },
    involvedObject: { kind: 'Pod', name: podName },
    reason,
    message,
    type: reason === 'Failed' ? 'Warning' : 'Normal',
    lastTimestamp: at
  } as unknown as CoreV1Event;
}

describe('podSummary', () => {
  it('reads role, group, node, restarts, GPUs and start time of a leader', () => {
    const summary = podSummary(
      pod(0, 0, {
        runningSince: '2025-12-24T16:06:00Z',
        ready: true,
        restarts: 2,
        lastTerminated: 'OOMKilled',
        gpus: 4
      })
    );
    expect(summary).toEqual({
      name: 'llama-70b-0',
      role: 'leader',
      groupIndex: 0,
      workerIndex: 0,
      node: 'scs04',
      phase: 'Running',
      ready: true,
      restarts: 2,
      terminatedReason: 'OOMKilled',
      gpus: 4,
      startedAt: '2025-12-24T16:06:00.000Z'
    });
  });

  it('marks a pod with worker index above 0 as a worker', () => {
    const summary = podSummary(pod(1, 3));
    expect(summary.role).toBe('worker');
    expect(summary.groupIndex).toBe(1);
    expect(summary.workerIndex).toBe(3);
  });

  it('prefers the waiting reason that blocks the pod', () => {
    const summary = podSummary(
      pod(0, 1, { waiting: { reason: 'ImagePullBackOff' } })
    );
    expect(summary.waitingReason).toBe('ImagePullBackOff');
    expect(summary.ready).toBe(false);
  });

  it('falls back to the pod name for the indexes when the index labels are missing', () => {
    const summary = podSummary(
      pod(2, 1, { labels: { 'leaderworkerset.sigs.k8s.io/name': 'llama-70b' } })
    );
    expect(summary.groupIndex).toBe(2);
    expect(summary.workerIndex).toBe(1);
  });

  it('leaves the node empty for a pod that is not scheduled', () => {
    expect(podSummary(pod(0, 0, { node: null })).node).toBeNull();
  });
});

describe('deploymentStatus', () => {
  it('is Pending while the controller has not created pods', () => {
    const status = deploymentStatus(lws(), [], [], NOW);
    expect(status.state).toBe('Pending');
    expect(status.reason).toContain('create the pods');
    expect(status.groups).toEqual([
      { index: 0, leader: null, workers: [], ready: false }
    ]);
  });

  it('waits in Scheduling with the scheduler message and how long it has waited', () => {
    const message =
      '0/4 nodes are available: 4 Insufficient nvidia.com/gpu. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod.';
    const status = deploymentStatus(
      lws(),
      [
        pod(0, 0, { node: null, scheduled: { status: 'False', message } }),
        pod(0, 1, { node: null, scheduled: { status: 'False', message } })
      ],
      [],
      NOW
    );
    expect(status.state).toBe('Scheduling');
    expect(status.reason).toBe(
      `Pod llama-70b-0 waits for a node with enough free resources for 10 min: ${message}`
    );
  });

  it('takes the FailedScheduling event when the pod condition has no message', () => {
    const status = deploymentStatus(
      lws({ size: 1 }),
      [pod(0, 0, { node: null, scheduled: { status: 'False' } })],
      [
        event(
          'llama-70b-0',
          'FailedScheduling',
          '0/2 nodes are available: 2 Insufficient rdma/rdma_shared_device_a.',
          '2025-12-24T16:01:00Z'
        )
      ],
      NOW
    );
    expect(status.state).toBe('Scheduling');
    expect(status.reason).toContain('2 Insufficient rdma/rdma_shared_device_a');
  });

  it('shows PullingImage while the kubelet downloads the image', () => {
    const status = deploymentStatus(
      lws({ size: 1 }),
      [pod(0, 0, { waiting: { reason: 'ContainerCreating' } })],
      [
        event(
          'llama-70b-0',
          'Pulling',
          'Pulling image "lmsysorg/sglang:v0.5.6.post2"',
          '2025-12-24T16:02:00Z'
        )
      ],
      NOW
    );
    expect(status.state).toBe('PullingImage');
    expect(status.reason).toBe(
      'Pod llama-70b-0 is downloading the image lmsysorg/sglang:v0.5.6.post2 for 8 min.'
    );
  });

  it('ignores events of an earlier pod with the same name', () => {
    const status = deploymentStatus(
      lws({ size: 1 }),
      [pod(0, 0, { waiting: { reason: 'ContainerCreating' } })],
      [
        event(
          'llama-70b-0',
          'Pulling',
          'Pulling image "lmsysorg/sglang:v0.5.6.post2"',
          '2025-12-24T15:40:00Z'
        )
      ],
      NOW
    );
    expect(status.state).toBe('Pending');
    expect(status.reason).toBe('Pod llama-70b-0 is starting its containers.');
  });

  it('is Loading while the engine runs but is not ready', () => {
    const status = deploymentStatus(
      lws(),
      [running(0, 0, false), running(0, 1, false)],
      [],
      NOW
    );
    expect(status.state).toBe('Loading');
    expect(status.reason).toBe(
      'Pod llama-70b-0 runs but is not ready yet: the engine is loading the model for 4 min.'
    );
  });

  it('is Ready when every pod of every group is ready', () => {
    const status = deploymentStatus(
      lws({
        readyReplicas: 1,
        conditions: [{ type: 'Available', status: 'True' }]
      }),
      [running(0, 0, true), running(0, 1, true)],
      [],
      NOW
    );
    expect(status.state).toBe('Ready');
    expect(status.readyReplicas).toBe(1);
    expect(status.groups[0].ready).toBe(true);
    expect(status.groups[0].leader?.name).toBe('llama-70b-0');
    expect(status.groups[0].workers.map(worker => worker.name)).toEqual([
      'llama-70b-0-1'
    ]);
  });

  it('is not Ready while a worker of the group is missing', () => {
    const status = deploymentStatus(lws(), [running(0, 0, true)], [], NOW);
    expect(status.state).toBe('Pending');
    expect(status.reason).toBe('Waiting for 1 worker pod to be created.');
  });

  it('is Degraded when some groups serve and others do not', () => {
    const status = deploymentStatus(
      lws({ replicas: 2, readyReplicas: 1 }),
      [
        running(0, 0, true),
        running(0, 1, true),
        running(1, 0, false),
        running(1, 1, false)
      ],
      [],
      NOW
    );
    expect(status.state).toBe('Degraded');
    expect(status.reason).toMatch(
      /^1 of 2 groups serve\. Group 1: Pod llama-70b-1 runs but is not ready yet/
    );
    expect(status.groups.map(group => group.ready)).toEqual([true, false]);
  });

  it('fails on an image that cannot be pulled, quoting the kubelet', () => {
    const status = deploymentStatus(
      lws({ size: 1 }),
      [pod(0, 0, { waiting: { reason: 'ImagePullBackOff' } })],
      [
        event(
          'llama-70b-0',
          'Failed',
          'Failed to pull image "lmsysorg/sglang:v0.5.6.post3": not found',
          '2025-12-24T16:03:00Z'
        )
      ],
      NOW
    );
    expect(status.state).toBe('Failed');
    expect(status.reason).toBe(
      'Pod llama-70b-0 cannot download its container image (ImagePullBackOff): Failed to pull image "lmsysorg/sglang:v0.5.6.post3": not found'
    );
  });

  it('fails on a crash loop and names the last exit reason', () => {
    const status = deploymentStatus(
      lws(),
      [
        running(0, 0, false),
        pod(0, 1, {
          waiting: { reason: 'CrashLoopBackOff' },
          restarts: 3,
          lastTerminated: 'OOMKilled'
        })
      ],
      [],
      NOW
    );
    expect(status.state).toBe('Failed');
    expect(status.reason).toBe(
      'Pod llama-70b-0-1 keeps crashing (3 restarts). The last exit was OOMKilled. Its log shows why.'
    );
    expect(status.restarts).toBe(3);
  });

  it('counts ready groups from the pods, not the controller status that lags behind them', () => {
    const status = deploymentStatus(
      lws({ readyReplicas: 1 }),
      [
        running(0, 0, false),
        pod(0, 1, { waiting: { reason: 'CrashLoopBackOff' }, restarts: 2 })
      ],
      [],
      NOW
    );
    expect(status.state).toBe('Failed');
    expect(status.readyReplicas).toBe(0);
    // No pods (scaled to zero, or not created yet): the status is all there is.
    expect(
      deploymentStatus(lws({ readyReplicas: 1 }), [], [], NOW).readyReplicas
    ).toBe(1);
  });

  it('fails when a container cannot start and passes on the kubelet message', () => {
    const status = deploymentStatus(
      lws({ size: 1 }),
      [
        pod(0, 0, {
          waiting: {
            reason: 'CreateContainerConfigError',
            message: 'secret "hf-token" not found'
          }
        })
      ],
      [],
      NOW
    );
    expect(status.state).toBe('Failed');
    expect(status.reason).toContain('secret "hf-token" not found');
  });

  it('reports a failing group over a slower one', () => {
    const status = deploymentStatus(
      lws({ replicas: 2, size: 1 }),
      [
        pod(0, 0, { node: null, scheduled: { status: 'False' } }),
        pod(1, 0, { waiting: { reason: 'CrashLoopBackOff' }, restarts: 1 })
      ],
      [],
      NOW
    );
    expect(status.state).toBe('Failed');
    expect(status.reason).toMatch(/^Group 1: Pod llama-70b-1 keeps crashing/);
  });

  it('is Deleting once the LWS has a deletion timestamp', () => {
    const status = deploymentStatus(
      lws({ deleting: true }),
      [running(0, 0, true)],
      [],
      NOW
    );
    expect(status.state).toBe('Deleting');
    expect(status.reason).toBe(
      'Deleting the deployment: 1 pod still shutting down.'
    );
  });

  it('says a group restarts while its pods are being replaced', () => {
    const status = deploymentStatus(
      lws({ size: 1 }),
      [pod(0, 0, { runningSince: '2025-12-24T16:06:00Z', deleting: true })],
      [],
      NOW
    );
    expect(status.state).toBe('Pending');
    expect(status.reason).toContain('is being replaced');
  });

  it('adds up the GPUs the deployment requests', () => {
    const status = deploymentStatus(
      lws({ replicas: 2, size: 2, gpus: 4 }),
      [],
      [],
      NOW
    );
    expect(status.gpus).toEqual({ requested: 16, perPod: 4 });
  });

  it('counts GPUs from the pods when the LWS is not known', () => {
    const status = deploymentStatus(
      null,
      [running(0, 0, true), running(0, 1, true)],
      [],
      NOW
    );
    expect(status.gpus).toEqual({ requested: 8, perPod: 4 });
    expect(status.state).toBe('Ready');
  });

  it('leaves out pods of other LeaderWorkerSets', () => {
    const status = deploymentStatus(
      lws(),
      [
        running(0, 0, true),
        running(0, 1, true),
        pod(0, 0, { lws: 'other', waiting: { reason: 'CrashLoopBackOff' } })
      ],
      [],
      NOW
    );
    expect(status.state).toBe('Ready');
    expect(status.groups).toHaveLength(1);
  });

  it('mentions a rollout in progress', () => {
    const status = deploymentStatus(
      lws({
        readyReplicas: 1,
        conditions: [{ type: 'UpdateInProgress', status: 'True' }]
      }),
      [running(0, 0, true), running(0, 1, true)],
      [],
      NOW
    );
    expect(status.state).toBe('Ready');
    expect(status.reason).toBe(
      'The model is served. A new version is rolling out.'
    );
  });

  it('trusts the LWS status when no pods are given', () => {
    const status = deploymentStatus(
      lws({
        readyReplicas: 1,
        conditions: [{ type: 'Available', status: 'True' }]
      }),
      [],
      [],
      NOW
    );
    expect(status.state).toBe('Ready');
  });

  it('is Pending when scaled to zero replicas', () => {
    const status = deploymentStatus(lws({ replicas: 0 }), [], [], NOW);
    expect(status.state).toBe('Pending');
    expect(status.reason).toContain('zero replicas');
  });

  it('accepts Date objects where the API types declare them', () => {
    const leader = pod(0, 0, { node: null, scheduled: { status: 'False' } });
    leader.metadata!.creationTimestamp = new Date('2025-12-24T16:05:00Z');
    const status = deploymentStatus(lws({ size: 1 }), [leader], [], NOW);
    expect(status.reason).toBe(
      'Pod llama-70b-0 waits to be placed on a node for 5 min.'
    );
  });
});

describe('modelLoadingProgress', () => {
  it('reads the vLLM progress line', () => {
    expect(
      modelLoadingProgress(
        'Loading safetensors checkpoint shards:  47% Completed | 14/30 [00:12<00:13,  1.15it/s]'
      )
    ).toEqual({ done: 14, total: 30, percent: 47 });
  });

  it('takes the last of several lines, also across carriage-return redraws', () => {
    const redrawn =
      'Loading safetensors checkpoint shards:  47% Completed | 14/30 [00:12<00:13,  1.15it/s]\r' +
      'Loading safetensors checkpoint shards:  50% Completed | 15/30 [00:13<00:12,  1.16it/s]\r';
    expect(modelLoadingProgress(redrawn)).toEqual({
      done: 15,
      total: 30,
      percent: 50
    });
  });

  it("reads tqdm's default bar", () => {
    // tqdm's default format, as vLLM prints it for "Capturing CUDA graphs" (gpustack#3098).
    expect(
      modelLoadingProgress(
        'Loading safetensors checkpoint shards:  46%|████▌     | 16/35 [00:02<00:02,  8.85it/s]'
      )
    ).toEqual({ done: 16, total: 35, percent: 46 });
  });

  it('is null before any shard line appears', () => {
    expect(
      modelLoadingProgress(
        "INFO 08-02 15:41:10 weight_utils.py:225] Using model weights format ['*.safetensors']"
      )
    ).toBeNull();
  });

  const corpus = path.join(__dirname, 'corpus');
  const withProgress = fs
    .readdirSync(corpus)
    .map(file => ({
      file,
      text: fs.readFileSync(path.join(corpus, file), 'utf8')
    }))
    .map(({ file, text }) => ({
      file,
      text,
      expected: /^# progress: (\d+)\/(\d+) (\d+)$/m.exec(text)
    }))
    .filter(entry => entry.expected !== null);

  it('has real transcripts to read', () => {
    expect(withProgress.length).toBeGreaterThanOrEqual(4);
  });

  it.each(withProgress.map(entry => [entry.file, entry]))(
    'reads the last progress of %s',
    (_file, entry) => {
      const [, done, total, percent] = entry.expected!;
      expect(modelLoadingProgress(entry.text)).toEqual({
        done: Number(done),
        total: Number(total),
        percent: Number(percent)
      });
    }
  );
});
