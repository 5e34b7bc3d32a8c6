/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
import { buildManifests, PCAI_GEN2 } from '..';
import type { IDeploymentSpec } from '..';
import type { IResourceQuota } from '../quota';
import {
  checkQuota,
  deploymentNeeds,
  formatAmount,
  parseQuantity
} from '../quota';

const spec: IDeploymentSpec = {
  name: 'llama-70b',
  engine: 'vllm',
  model: 'meta-llama/Llama-3.3-70B-Instruct',
  nodes: 2,
  gpusPerNode: 8,
  rdma: true
};

function lwsOf(change: Partial<IDeploymentSpec> = {}) {
  return buildManifests({ ...spec, ...change }, { profile: PCAI_GEN2 })
    .leaderWorkerSet;
}

function quota(
  name: string,
  hard: Record<string, string>,
  used: Record<string, string> = {}
): IResourceQuota {
  return { metadata: { name }, spec: { hard }, status: { hard, used } };
}

describe('parseQuantity', () => {
  it.each([
    ['16', 16],
    ['0', 0],
    ['500m', 0.5],
    ['2k', 2000],
    ['1Gi', 2 ** 30],
    ['1.5', 1.5],
    ['1e3', 1000],
    [' 8 ', 8]
  ])('reads %p as %p', (text, value) => {
    expect(parseQuantity(text)).toBe(value);
  });

  it.each(['', 'lots', '8 GPUs', '1Xi', undefined])('refuses %p', text => {
    expect(parseQuantity(text)).toBeUndefined();
  });
});

describe('deploymentNeeds', () => {
  it('counts GPUs, RDMA devices and pods of every group (leader and workers)', () => {
    const needs = deploymentNeeds(lwsOf({ replicas: 2 }));
    expect(needs.pods).toBe(4);
    expect(needs['requests.nvidia.com/gpu']).toBe(32);
    expect(needs['limits.nvidia.com/gpu']).toBe(32);
    expect(needs['nvidia.com/gpu']).toBe(32);
    expect(needs['requests.rdma/rdma_shared_device_a']).toBe(4);
  });

  it('counts one pod for a single-node deployment', () => {
    const needs = deploymentNeeds(lwsOf({ nodes: 1, rdma: false }));
    expect(needs.pods).toBe(1);
    expect(needs['requests.nvidia.com/gpu']).toBe(8);
    expect(needs['requests.rdma/rdma_shared_device_a']).toBeUndefined();
  });

  it('takes requests where a container sets them and limits otherwise', () => {
    const needs = deploymentNeeds({
      apiVersion: 'leaderworkerset.x-k8s.io/v1',
      kind: 'LeaderWorkerSet',
      metadata: { name: 'x' },
      spec: {
        leaderWorkerTemplate: {
          size: 3,
          workerTemplate: {
            spec: {
              containers: [
                {
                  name: 'w',
                  resources: {
                    requests: { cpu: '500m' },
                    limits: { cpu: '2', 'nvidia.com/gpu': '4' }
                  }
                }
              ]
            }
          }
        }
      }
    });
    expect(needs).toMatchObject({
      pods: 3,
      'requests.cpu': 1.5,
      'limits.cpu': 6,
      'requests.nvidia.com/gpu': 12
    });
  });
});

describe('checkQuota', () => {
  const needs = deploymentNeeds(lwsOf()); // 2 pods x 8 GPUs

  it('fits: needs 16 GPUs, the quota has 32 with 8 in use', () => {
    const check = checkQuota(
      [
        quota(
          'gpus',
          { 'requests.nvidia.com/gpu': '32', pods: '10' },
          {
            'requests.nvidia.com/gpu': '8',
            pods: '1'
          }
        )
      ],
      needs
    );
    expect(check.quotas).toBe(1);
    expect(check.exceeded).toEqual([]);
    expect(check.gpu).toEqual({
      quota: 'gpus',
      resource: 'requests.nvidia.com/gpu',
      need: 16,
      hard: 32,
      used: 8,
      exceeds: false
    });
    expect(check.lines.map(line => line.resource)).toEqual([
      'requests.nvidia.com/gpu',
      'pods'
    ]);
  });

  it('exceeds when used + need is over hard, and names each exceeded resource', () => {
    const check = checkQuota(
      [
        quota(
          'gpus',
          { 'requests.nvidia.com/gpu': '16' },
          {
            'requests.nvidia.com/gpu': '8'
          }
        ),
        quota('pods', { pods: '2', 'requests.rdma/rdma_shared_device_a': '1' })
      ],
      needs
    );
    expect(
      check.exceeded.map(line => `${line.quota}/${line.resource}`)
    ).toEqual([
      'gpus/requests.nvidia.com/gpu',
      'pods/requests.rdma/rdma_shared_device_a'
    ]);
    expect(check.gpu?.exceeds).toBe(true);
  });

  it('exactly full is allowed (the API server refuses only over hard)', () => {
    const check = checkQuota(
      [quota('gpus', { 'requests.nvidia.com/gpu': '16' })],
      needs
    );
    expect(check.exceeded).toEqual([]);
    expect(check.gpu?.used).toBe(0);
  });

  it('headlines the tightest of several GPU quotas', () => {
    const check = checkQuota(
      [
        quota(
          'wide',
          { 'requests.nvidia.com/gpu': '64' },
          {
            'requests.nvidia.com/gpu': '8'
          }
        ),
        quota(
          'team',
          { 'limits.nvidia.com/gpu': '24' },
          {
            'limits.nvidia.com/gpu': '16'
          }
        )
      ],
      needs
    );
    expect(check.gpu?.quota).toBe('team');
    expect(check.exceeded.map(line => line.quota)).toEqual(['team']);
  });

  it('says there is no quota, and ignores resources the deployment does not use', () => {
    expect(checkQuota([], needs)).toEqual({
      quotas: 0,
      lines: [],
      exceeded: []
    });
    const check = checkQuota(
      [quota('cpu', { 'requests.memory': '1Gi' })],
      needs
    );
    expect(check.quotas).toBe(1);
    expect(check.lines).toEqual([]);
    expect(check.gpu).toBeUndefined();
  });

  it('reads spec.hard when the quota has no status yet', () => {
    const check = checkQuota(
      [{ metadata: { name: 'new' }, spec: { hard: { pods: '1' } } }],
      needs
    );
    expect(check.exceeded).toHaveLength(1);
  });
});

describe('formatAmount', () => {
  it('keeps integers and rounds fractions', () => {
    expect(formatAmount(16)).toBe('16');
    expect(formatAmount(1.5)).toBe('1.5');
    expect(formatAmount(1 / 3)).toBe('0.33');
  });
});
