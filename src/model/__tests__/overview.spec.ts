/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (`yaml` resolves to its CommonJS build under Node's export conditions.)

import { diagnose } from '../diagnose';
import { age } from '../events';
import {
  deploymentEvents,
  deploymentOverview,
  diagnosisEvents,
  diagnosisSpec,
  gpusInUse,
  podStatusEvidence
} from '../overview';
import {
  event,
  guideDeployment,
  lwsPod,
  managedDeployment,
  NOW
} from './deploymentObjects';

describe('age', () => {
  it('reads like kubectl: seconds, then minutes, hours and days', () => {
    const now = new Date('2025-12-24T16:00:00Z');
    const ago = (seconds: number) =>
      new Date(now.getTime() - seconds * 1000).toISOString();
    expect(age(ago(45), now)).toBe('45s');
    expect(age(ago(119), now)).toBe('119s');
    expect(age(ago(12 * 60), now)).toBe('12m');
    expect(age(ago(3 * 3600), now)).toBe('3h');
    expect(age(ago(3 * 86400), now)).toBe('3d');
    expect(age(undefined, now)).toBe('');
  });
});

describe('gpusInUse', () => {
  it('counts the GPUs of pods placed on a node, not of pending or finished ones', () => {
    const finished = lwsPod('llama', 1, 0);
    finished.status!.phase = 'Succeeded';
    expect(
      gpusInUse([
        lwsPod('llama', 0, 0, { gpus: 4 }),
        lwsPod('llama', 0, 1, { gpus: 4 }),
        lwsPod('llama', 1, 1, { node: null, gpus: 4 }),
        finished
      ])
    ).toBe(8);
  });
});

describe('deploymentEvents', () => {
  it("keeps the events of the LWS, its StatefulSets and pods, newest first, and not another LWS's", () => {
    const events = [
      event('Pod', 'llama-0', 'Scheduled', 'a', {
        type: 'Normal',
        at: '2025-12-24T16:01:00Z'
      }),
      event('StatefulSet', 'llama-0', 'SuccessfulCreate', 'b', {
        type: 'Normal',
        at: '2025-12-24T16:00:30Z'
      }),
      event('LeaderWorkerSet', 'llama', 'GroupsProgressing', 'c', {
        type: 'Normal',
        at: '2025-12-24T16:00:10Z'
      }),
      event('Pod', 'llama-0-1', 'BackOff', 'd', { at: '2025-12-24T16:03:00Z' }),
      event('Pod', 'llama-big-0', 'Scheduled', 'other LWS'),
      event('Pod', 'llama2-0', 'Scheduled', 'other LWS'),
      event('Service', 'llama-leader', 'Whatever', 'other object')
    ];
    expect(deploymentEvents('llama', [], events).map(e => e.message)).toEqual([
      'd',
      'a',
      'b',
      'c'
    ]);
  });
});

describe('deploymentEvents of an LWS made again under the same name', () => {
  it("leaves out the earlier LWS's events (other uid) and its objects' older events", () => {
    const events = [
      {
        ...event('LeaderWorkerSet', 'llama', 'GroupsProgressing', 'old lws', {
          type: 'Normal',
          at: '2025-12-24T17:00:30Z'
        }),
        involvedObject: { kind: 'LeaderWorkerSet', name: 'llama', uid: 'old' }
      },
      {
        ...event('LeaderWorkerSet', 'llama', 'GroupsProgressing', 'new lws', {
          type: 'Normal',
          at: '2025-12-24T17:00:40Z'
        }),
        involvedObject: { kind: 'LeaderWorkerSet', name: 'llama', uid: 'new' }
      },
      event('Pod', 'llama-0', 'BackOff', 'old pod', {
        at: '2025-12-24T16:59:00Z'
      }),
      event('Pod', 'llama-0', 'Scheduled', 'new pod', {
        type: 'Normal',
        at: '2025-12-24T17:00:20Z'
      })
    ];
    const owner = { uid: 'new', created: Date.parse('2025-12-24T17:00:00Z') };
    expect(
      deploymentEvents('llama', [], events, owner).map(e => e.message)
    ).toEqual(['new lws', 'new pod']);
  });
});

describe('deploymentOverview', () => {
  it('combines what the LWS says with its live pods', () => {
    const { lws } = managedDeployment();
    const overview = deploymentOverview(
      lws,
      [lwsPod('llama', 0, 0), lwsPod('llama', 0, 1), lwsPod('other', 0, 0)],
      [],
      NOW
    );
    expect(overview.name).toBe('llama');
    expect(overview.pods.map(pod => pod.metadata?.name)).toEqual([
      'llama-0',
      'llama-0-1'
    ]);
    expect(overview.summary).toMatchObject({
      engine: 'vllm',
      model: 'meta-llama/Llama-3.3-70B-Instruct',
      managed: true
    });
    expect(overview.status.state).toBe('Ready');
    expect(overview.gpusInUse).toBe(8);
    expect(overview.age).toBe('10m');
  });

  it('shows a deployment made by hand from the guide, reading engine and model from its command', () => {
    const { lws } = guideDeployment();
    const overview = deploymentOverview(lws, [], [], NOW);
    expect(overview.summary).toMatchObject({
      engine: 'vllm',
      model: 'meta-llama/Llama-3.3-70B-Instruct',
      managed: false
    });
  });
});

describe('diagnosisEvents', () => {
  const scheduling =
    '0/4 nodes are available: 4 Insufficient nvidia.com/gpu. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod.';

  it('keeps the scheduling failure of a pod that is still unplaced, and diagnose names it', () => {
    const { lws } = managedDeployment({ gpusPerNode: 16 } as any);
    const pods = [lwsPod('llama', 0, 0, { node: null, ready: false })];
    const overview = deploymentOverview(
      lws,
      pods,
      [event('Pod', 'llama-0', 'FailedScheduling', scheduling)],
      NOW
    );
    const found = diagnose({
      events: diagnosisEvents(overview),
      spec: diagnosisSpec(lws, overview.summary)
    });
    expect(found[0].id).toBe('insufficient-gpu');
    expect(found[0].fix).toContain('16 GPUs');
  });

  it('drops what no longer explains anything: placed pods, ready pods, earlier pods of the same name, normal events', () => {
    const { lws } = managedDeployment();
    const pods = [
      lwsPod('llama', 0, 0, { ready: false, created: '2025-12-24T16:04:00Z' }),
      lwsPod('llama', 0, 1, { ready: true })
    ];
    const overview = deploymentOverview(
      lws,
      pods,
      [
        event('Pod', 'llama-0', 'FailedScheduling', scheduling, {
          at: '2025-12-24T16:05:00Z'
        }),
        event('Pod', 'llama-0', 'BackOff', 'before the pod was recreated', {
          at: '2025-12-24T16:03:00Z'
        }),
        event('Pod', 'llama-0-1', 'BackOff', 'ready pod'),
        event('Pod', 'llama-0', 'Pulled', 'normal', { type: 'Normal' }),
        event(
          'Pod',
          'llama-0',
          'BackOff',
          'Back-off restarting failed container',
          { at: '2025-12-24T16:06:00Z' }
        )
      ],
      NOW
    );
    expect(diagnosisEvents(overview).map(e => e.message)).toEqual([
      'Back-off restarting failed container'
    ]);
  });
});

describe('diagnosisSpec', () => {
  it('gives diagnosis the GPUs, parallelism and RDMA of a hand-written LWS', () => {
    const { lws } = guideDeployment();
    const overview = deploymentOverview(lws, [], [], NOW);
    expect(diagnosisSpec(lws, overview.summary)).toMatchObject({
      name: 'vllm-llama-70b-2rdma-pvc',
      engine: 'vllm',
      nodes: 2,
      gpusPerNode: 4,
      tensorParallel: 4,
      pipelineParallel: 2,
      rdma: true
    });
  });
});

describe('diagnosisSpec: the facts fixes name', () => {
  it("names a hand-written deployment's own token variable and Secret", () => {
    const { lws } = guideDeployment();
    const overview = deploymentOverview(lws, [], [], NOW);
    // The guide's manifest writes the token into the manifest itself.
    expect(diagnosisSpec(lws, overview.summary)).toMatchObject({
      madeByForm: false,
      token: { variable: 'HF_TOKEN', literal: true }
    });
    for (const template of [
      lws.spec!.leaderWorkerTemplate!.leaderTemplate!,
      lws.spec!.leaderWorkerTemplate!.workerTemplate!
    ]) {
      template.spec!.containers[0].env = [
        { name: 'HF_HOME', value: '/models' },
        {
          name: 'HF_TOKEN',
          valueFrom: { secretKeyRef: { name: 'team-hf', key: 'hf-token' } }
        }
      ];
    }
    const spec = diagnosisSpec(
      lws,
      deploymentOverview(lws, [], [], NOW).summary
    );
    expect(spec.token).toEqual({
      variable: 'HF_TOKEN',
      secret: { name: 'team-hf', key: 'hf-token' }
    });
    const [found] = diagnose({
      logs: 'huggingface_hub.errors.GatedRepoError: 403 Client Error.',
      spec
    });
    expect(found.fix).toContain(`https://huggingface.co/${spec.model}`);
    expect(found.fix).toContain(
      'the Secret "team-hf" under the key "hf-token"'
    );
  });

  it("keeps the form's Secret field for a deployment the form made", () => {
    const { lws } = managedDeployment({ hfTokenSecret: 'llama-hf-token' });
    const spec = diagnosisSpec(
      lws,
      deploymentOverview(lws, [], [], NOW).summary
    );
    expect(spec).toMatchObject({
      model: 'meta-llama/Llama-3.3-70B-Instruct',
      hfTokenSecret: 'llama-hf-token'
    });
    expect(spec.madeByForm).toBeUndefined();
    const [found] = diagnose({
      logs: 'huggingface_hub.errors.GatedRepoError: 403 Client Error.',
      spec
    });
    expect(found.fix).toContain(
      'https://huggingface.co/meta-llama/Llama-3.3-70B-Instruct'
    );
    expect(found.fix).toContain('in the Secret "llama-hf-token"');
  });
});

describe('podStatusEvidence', () => {
  it('turns an OOM kill, which only the container status records, into evidence diagnose reads', () => {
    const { lws } = managedDeployment();
    const overview = deploymentOverview(
      lws,
      [
        lwsPod('llama', 0, 0, {
          ready: false,
          restarts: 5,
          waiting: 'CrashLoopBackOff',
          terminated: 'OOMKilled'
        }),
        lwsPod('llama', 0, 1, { terminated: 'Error' })
      ],
      [],
      NOW
    );
    const evidence = podStatusEvidence(overview);
    expect(evidence.map(e => `${e.reason}: ${e.message}`)).toEqual([
      'Terminated: container vllm-leader of pod llama-0 exited: OOMKilled (exit code 1)',
      'CrashLoopBackOff: container vllm-leader of pod llama-0'
    ]);
    expect(diagnose({ events: evidence }).map(d => d.id)).toEqual([
      'host-oom',
      'crash-loop'
    ]);
  });
});
