/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (`yaml` resolves to its CommonJS build under Node's export conditions.)

import type { IJsonPatchOperation } from '../deploymentActions';
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

/** Applies a JSON Patch (RFC 6902) as the API server does: all or nothing. */
function applyPatch(target: any, operations: IJsonPatchOperation[]): any {
  const result = JSON.parse(JSON.stringify(target));
  for (const { op, path, value } of operations) {
    const keys = path
      .split('/')
      .slice(1)
      .map(key => key.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop()!;
    const parent = keys.reduce((node, key) => node[key], result);
    if (op === 'test') {
      if (JSON.stringify(parent[last]) !== JSON.stringify(value)) {
        throw new Error(`test failed at ${path}`);
      }
    } else if (op === 'remove') {
      if (Array.isArray(parent)) {
        parent.splice(Number(last), 1);
      } else {
        delete parent[last];
      }
    } else {
      parent[last] = value;
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
    const patched = applyPatch(lws, ncclDebugOffPatch(lws)!);
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

  it('tests every entry it removes, so a changed template makes it fail instead of removing the wrong variable', () => {
    const { lws } = managedDeployment({ env: { A: '1' } });
    const patch = ncclDebugOffPatch(lws)!;
    const moved = JSON.parse(JSON.stringify(lws));
    // Someone removed HF_HOME meanwhile: the indexes shift under the patch.
    for (const role of ['leaderTemplate', 'workerTemplate']) {
      const container =
        moved.spec.leaderWorkerTemplate[role].spec.containers[0];
      container.env = container.env.filter(
        (env: any) => env.name !== 'HF_HOME'
      );
    }
    expect(() => applyPatch(moved, patch)).toThrow(/test failed/);
    expect(
      ncclDebugLevel(applyPatch(moved, ncclDebugOffPatch(moved)!))
    ).toBeNull();
  });

  it('removes every NCCL_DEBUG entry of every container', () => {
    const { lws } = managedDeployment();
    const container =
      lws.spec.leaderWorkerTemplate.workerTemplate.spec!.containers[0];
    container.env = [
      { name: 'NCCL_DEBUG', value: 'WARN' },
      ...(container.env ?? [])
    ];
    expect(ncclDebugLevel(applyPatch(lws, ncclDebugOffPatch(lws)!))).toBeNull();
  });

  it('drops ncclDebug from the spec annotation so the deployment reads back without it', () => {
    const { lws } = managedDeployment();
    expect(
      JSON.parse(lws.metadata.annotations![SPEC_ANNOTATION]).ncclDebug
    ).toBe('INFO');
    const patched = applyPatch(lws, ncclDebugOffPatch(lws)!);
    const spec = JSON.parse(patched.metadata.annotations[SPEC_ANNOTATION]);
    expect(spec.ncclDebug).toBeUndefined();
    expect(spec.model).toBe('meta-llama/Llama-3.3-70B-Instruct');
  });

  it("works on the guide's hand-written LWS, which has no spec annotation", () => {
    const { lws } = guideDeployment();
    const patch = ncclDebugOffPatch(lws)!;
    expect(
      patch.some(operation => operation.path.startsWith('/metadata'))
    ).toBe(false);
    expect(ncclDebugLevel(applyPatch(lws, patch))).toBeNull();
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
      [
        service,
        headlessService(lws),
        other.service,
        headlessService(other.lws)
      ],
      [lws, other.lws]
    );
    expect(plan).toEqual({
      name: 'llama',
      pods: ['llama-0', 'llama-0-1'],
      headlessService: 'llama',
      services: ['llama-leader'],
      keptServices: [],
      keptClaims: ['models-pvc'],
      keptSecrets: ['hf-token'],
      secretUsers: { 'hf-token': [] }
    });
  });

  it('names the other deployments that read the same token Secret', () => {
    const { lws } = managedDeployment({ hfTokenSecret: 'hf-token' });
    const sharing = managedDeployment({
      name: 'other',
      hfTokenSecret: 'hf-token'
    }).lws;
    const unrelated = managedDeployment({ name: 'third' }).lws;
    expect(
      deletionPlan(lws, [], [], [lws, sharing, unrelated]).secretUsers
    ).toEqual({ 'hf-token': ['other'] });
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
