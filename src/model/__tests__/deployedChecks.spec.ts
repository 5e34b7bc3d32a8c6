import type { ILeaderWorkerSet } from '../lws';
import { describeLws } from '../describe';
import { deployedSpecIssues } from '../deployedChecks';
import { managedDeployment } from './deploymentObjects';

/** A vLLM LWS as a user writes it from the guide: no labels, no spec annotation. */
function handWritten(
  model: string,
  gpus: number,
  size: number
): ILeaderWorkerSet {
  const container = (command: string) => ({
    name: 'vllm',
    image: 'vllm/vllm-openai:v0.10.2',
    command: ['sh', '-c', command],
    resources: { limits: { 'nvidia.com/gpu': String(gpus) } }
  });
  return {
    apiVersion: 'leaderworkerset.x-k8s.io/v1',
    kind: 'LeaderWorkerSet',
    metadata: { name: 'big' },
    spec: {
      replicas: 1,
      leaderWorkerTemplate: {
        size,
        leaderTemplate: {
          spec: {
            containers: [
              container(
                `bash /vllm-workspace/examples/online_serving/multi-node-serving.sh leader --ray_cluster_size=$(LWS_GROUP_SIZE); python3 -m vllm.entrypoints.openai.api_server --port 8080 --model ${model} --tensor-parallel-size ${gpus} --pipeline_parallel_size ${size}`
              )
            ]
          }
        },
        workerTemplate: {
          spec: {
            containers: [
              container(
                'bash /vllm-workspace/examples/online_serving/multi-node-serving.sh worker --ray_address=$(LWS_LEADER_ADDRESS)'
              )
            ]
          }
        }
      }
    }
  } as ILeaderWorkerSet;
}

describe('deployedSpecIssues', () => {
  it('says a 405B model does not fit on one node of 8 GPUs, for a deployment written by hand', () => {
    const issues = deployedSpecIssues(
      describeLws(handWritten('meta-llama/Llama-3.1-405B-Instruct', 8, 1))
    );
    expect(issues.some(issue => issue.severity === 'error')).toBe(true);
    expect(issues.map(issue => issue.field)).toContain('nodes');
  });

  it('warns about a GPU count that is not a power of two', () => {
    const issues = deployedSpecIssues(
      describeLws(handWritten('meta-llama/Llama-3.3-70B-Instruct', 3, 2))
    );
    expect(issues.map(issue => issue.id)).toContain('not-power-of-two');
  });

  it('finds nothing wrong with a deployment the form makes by the rules', () => {
    const { lws } = managedDeployment({
      nodes: 1,
      gpusPerNode: 4,
      tensorParallel: 4,
      pipelineParallel: 1
    });
    expect(deployedSpecIssues(describeLws(lws))).toEqual([]);
  });

  it("raises the guide's own warnings on the guide's 2-node 70B example", () => {
    const ids = deployedSpecIssues(describeLws(managedDeployment().lws)).map(
      issue => issue.id
    );
    expect(ids).toEqual(
      expect.arrayContaining(['partial-node', 'fits-single-node'])
    );
  });

  it('stays quiet when the engine or model cannot be read', () => {
    const lws = handWritten('meta-llama/Llama-3.3-70B-Instruct', 8, 2);
    lws.spec!.leaderWorkerTemplate!.leaderTemplate!.spec!.containers[0].command =
      ['python3', 'serve.py'];
    lws.spec!.leaderWorkerTemplate!.workerTemplate!.spec!.containers[0].command =
      ['python3', 'serve.py'];
    lws.spec!.leaderWorkerTemplate!.leaderTemplate!.spec!.containers[0].image =
      'busybox';
    lws.spec!.leaderWorkerTemplate!.workerTemplate!.spec!.containers[0].image =
      'busybox';
    expect(deployedSpecIssues(describeLws(lws))).toEqual([]);
  });
});
