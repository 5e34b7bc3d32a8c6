/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (`yaml` resolves to its CommonJS build under Node's export conditions.)

import {
  deletionPlan,
  groupRestartTarget,
  ncclDebugLevel,
  ncclDebugOffPatch,
  replicasProblem,
  scalePatch
} from '../deploymentActions';
import { SPEC_ANNOTATION } from '../manifests';
import {
  guideDeployment,
  headlessService,
  lwsPod,
  managedDeployment
} from './deploymentObjects';

/** Applies a JSON merge patch (RFC 7386), as the API server does. */
function mergePatch(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    return patch;
  }
  const result =
    target && typeof target === 'object' && !Array.isArray(target)
      ? { ...target }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      result[key] = mergePatch(result[key], value);
    }
  }
  return result;
}

describe('scaling', () => {
  it('accepts whole numbers from 0 to a million and patches spec.replicas', () => {
    expect(replicasProblem(0)).toBeNull();
    expect(replicasProblem(3)).toBeNull();
    expect(replicasProblem(1.5)).toMatch(/whole number/);
    expect(replicasProblem(-1)).toMatch(/between 0 and/);
    expect(replicasProblem(1_000_001)).toMatch(/between 0 and/);
    expect(scalePatch(2)).toEqual({ spec: { replicas: 2 } });
  });
});

describe('NCCL debug off', () => {
  it('reads the level the templates set', () => {
    expect(ncclDebugLevel(managedDeployment().lws)).toBe('INFO');
    expect(
      ncclDebugLevel(managedDeployment({ ncclDebug: null }).lws)
    ).toBeNull();
    expect(ncclDebugLevel(guideDeployment().lws)).toBe('INFO');
  });

  it('removes NCCL_DEBUG from both templates and keeps every other variable and field', () => {
    const { lws } = managedDeployment({ env: { VLLM_LOGGING_LEVEL: 'DEBUG' } });
    const patched = mergePatch(lws, ncclDebugOffPatch(lws));
    const template = patched.spec.leaderWorkerTemplate;
    for (const role of ['leaderTemplate', 'workerTemplate']) {
      const before = (lws.spec.leaderWorkerTemplate as any)[role].spec;
      const after = template[role].spec;
      const names = after.containers[0].env.map((env: any) => env.name);
      expect(names).not.toContain('NCCL_DEBUG');
      expect(names).toEqual(
        before.containers[0].env
          .map((env: any) => env.name)
          .filter((name: string) => name !== 'NCCL_DEBUG')
      );
      expect(after.containers[0].command).toEqual(before.containers[0].command);
      expect(after.volumes).toEqual(before.volumes);
    }
    expect(ncclDebugLevel(patched)).toBeNull();
    expect(template.size).toBe(2);
  });

  it('guards the patch with the resourceVersion it was built from', () => {
    const { lws } = managedDeployment();
    expect((ncclDebugOffPatch(lws) as any).metadata.resourceVersion).toBe(
      '1000'
    );
  });

  it('drops ncclDebug from the spec annotation so the deployment reads back without it', () => {
    const { lws } = managedDeployment();
    expect(
      JSON.parse(lws.metadata.annotations![SPEC_ANNOTATION]).ncclDebug
    ).toBe('INFO');
    const patched = mergePatch(lws, ncclDebugOffPatch(lws));
    const spec = JSON.parse(patched.metadata.annotations[SPEC_ANNOTATION]);
    expect(spec.ncclDebug).toBeUndefined();
    expect(spec.model).toBe('meta-llama/Llama-3.3-70B-Instruct');
  });

  it("works on the guide's hand-written LWS, which has no spec annotation", () => {
    const { lws } = guideDeployment();
    const patch: any = ncclDebugOffPatch(lws);
    expect(patch.metadata.annotations).toBeUndefined();
    expect(ncclDebugLevel(mergePatch(lws, patch))).toBeNull();
  });

  it('is null when there is nothing to remove', () => {
    expect(
      ncclDebugOffPatch(managedDeployment({ ncclDebug: null }).lws)
    ).toBeNull();
  });
});

describe('groupRestartTarget', () => {
  it("is the group's leader pod", () => {
    const pods = [
      lwsPod('llama', 0, 1),
      lwsPod('llama', 0, 0),
      lwsPod('llama', 1, 0),
      lwsPod('llama', 1, 1),
      lwsPod('other', 1, 0)
    ];
    expect(groupRestartTarget('llama', pods, 1)?.metadata?.name).toBe(
      'llama-1'
    );
    expect(groupRestartTarget('llama', pods, 0)?.metadata?.name).toBe(
      'llama-0'
    );
    expect(groupRestartTarget('llama', pods, 2)).toBeNull();
  });
});

describe('deletionPlan', () => {
  it('deletes the LWS, its pods, headless Service and our API Service; keeps the PVC and the token Secret', () => {
    const { lws, service } = managedDeployment({ hfTokenSecret: 'hf-token' });
    const other = managedDeployment({ name: 'other' });
    const plan = deletionPlan(
      lws,
      [lwsPod('llama', 0, 0), lwsPod('llama', 0, 1), lwsPod('other', 0, 0)],
      [service, headlessService(lws), other.service, headlessService(other.lws)]
    );
    expect(plan).toEqual({
      name: 'llama',
      pods: ['llama-0', 'llama-0-1'],
      headlessService: 'llama',
      services: ['llama-leader'],
      keptServices: [],
      keptClaims: ['models-pvc'],
      keptSecrets: ['hf-token']
    });
  });

  it("keeps a hand-written Service that selects the leader (the guide's), and says so", () => {
    const { lws, service } = guideDeployment();
    const plan = deletionPlan(lws, [], [service]);
    expect(plan.services).toEqual([]);
    expect(plan.keptServices).toEqual(['vllm-leader-ib']);
    expect(plan.keptClaims).toEqual(['models-pvc']);
    expect(plan.headlessService).toBeNull();
  });
});
