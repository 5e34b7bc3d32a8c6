/**
 * Diagnoses that fit the deployment (issue 14, items 5 and 6), for hand-written
 * LeaderWorkerSets applied as the admin, as the LWS project's docs/examples are: the
 * scheduler's reasons read per node group (memory, not GPUs), and a gated-model fix that
 * names the deployment's own token Secret instead of a form field. Pods are driven by
 * kwok's stages; the leader's log is served by a kwok Logs object.
 */
import { expect, test } from '@jupyterlab/galata';

import { applyManifest } from './helpers/cluster';
import {
  corpusTranscript,
  remove,
  serveLog,
  SIM_STATE
} from './helpers/fixtures';
import { LwsHelper } from './helpers/LwsHelper';

/**
 * A two-pod vLLM group written by hand, in the shape of the LWS project's
 * docs/examples/vllm (no jupyterlab-lws labels, no spec annotation).
 */
function handWritten(
  name: string,
  pod: {
    resources: object;
    env?: object[];
    annotations?: Record<string, string>;
  }
): object {
  const template = (role: 'leader' | 'worker', command: string) => ({
    metadata: { annotations: pod.annotations ?? {} },
    spec: {
      containers: [
        {
          name: `vllm-${role}`,
          image: 'vllm/vllm-openai:v0.10.2',
          command: ['sh', '-c', command],
          env: pod.env ?? [],
          resources: pod.resources
        }
      ]
    }
  });
  return {
    apiVersion: 'leaderworkerset.x-k8s.io/v1',
    kind: 'LeaderWorkerSet',
    metadata: { name },
    spec: {
      replicas: 1,
      leaderWorkerTemplate: {
        size: 2,
        // Crash loops are reported at once by kwok's stage; no group recreation here.
        restartPolicy: 'None',
        leaderTemplate: template(
          'leader',
          'bash /vllm-workspace/examples/online_serving/multi-node-serving.sh leader --ray_cluster_size=$(LWS_GROUP_SIZE); python3 -m vllm.entrypoints.openai.api_server --port 8080 --model meta-llama/Llama-3.2-1B-Instruct --tensor-parallel-size 1 --pipeline_parallel_size 2'
        ),
        workerTemplate: template(
          'worker',
          'bash /vllm-workspace/examples/online_serving/multi-node-serving.sh worker --ray_address=$(LWS_LEADER_ADDRESS)'
        )
      }
    }
  };
}

test.describe('diagnoses fit the deployment', () => {
  test('a pod no node has the memory for is diagnosed as memory, not GPUs', async ({
    page
  }) => {
    const name = 'ui-fit-memory';
    remove(name);
    // The kwok nodes (scripts/cluster/manifests/nodes.yaml) have 1Ti of memory and 8 GPUs:
    // one GPU fits anywhere, 2Ti of memory nowhere.
    applyManifest(
      handWritten(name, {
        resources: {
          requests: { memory: '2Ti' },
          limits: { 'nvidia.com/gpu': '1', memory: '2Ti' }
        }
      })
    );
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    await lws.openSidebar();
    try {
      await expect(deployments.rowDiagnosis(name)).toHaveAttribute(
        'data-diagnosis-id',
        'insufficient-resources',
        // The scheduler's first FailedScheduling event can take a while on a busy machine.
        { timeout: 60_000 }
      );
      await deployments.open(name);
      const diagnosis = deployments.diagnosis('insufficient-resources');
      await expect(diagnosis).toContainText('Insufficient memory');
      await expect(diagnosis).toContainText(
        "lack free memory for the pod's memory request"
      );
      await expect(
        deployments.diagnosisFix('insufficient-resources')
      ).toContainText('resources.requests.memory');
      await expect(deployments.diagnosis('insufficient-gpu')).toHaveCount(0);
    } finally {
      remove(name);
    }
  });

  test("a hand-written deployment's gated-model fix names its own token Secret", async ({
    page
  }) => {
    const name = 'ui-fit-token';
    remove(name);
    // A real gated-repo transcript (SGLang PR #14644, see the corpus' SOURCES.md).
    const transcript = corpusTranscript('hf-auth--sglang-pr-14644.txt');
    serveLog(`${name}-0`, 'vllm-leader', transcript);
    applyManifest(
      handWritten(name, {
        resources: { limits: { 'nvidia.com/gpu': '1' } },
        annotations: { [SIM_STATE]: 'crash-loop' },
        env: [
          {
            name: 'HF_TOKEN',
            valueFrom: { secretKeyRef: { name: 'team-hf', key: 'hf-token' } }
          }
        ]
      })
    );
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    await lws.openSidebar();
    try {
      await expect(deployments.row(name)).toHaveAttribute(
        'data-state',
        'Failed',
        { timeout: 30_000 }
      );
      await deployments.open(name);
      const fix = deployments.diagnosisFix('hf-auth');
      await expect(fix).toContainText(
        'the Secret "team-hf" under the key "hf-token", which the containers read as HF_TOKEN',
        { timeout: 20_000 }
      );
      await expect(fix).toContainText(
        'https://huggingface.co/meta-llama/Llama-3.2-1B-Instruct'
      );
      await expect(fix).not.toContainText('hfTokenSecret');
    } finally {
      remove(name);
    }
  });
});
