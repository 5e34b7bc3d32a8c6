/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (Node export conditions: `yaml` resolves to its CommonJS build; see guide.spec.ts.)

import { hasErrors, lwsNameMaxLength, PCAI_GEN1, validateSpec } from '..';
import type { IClusterProfile, IDeploymentSpec, IIssue } from '..';

/** A spec with no issues at all: 405B on two whole nodes of 8 x H100 with RDMA. */
const good: IDeploymentSpec = {
  name: 'llama-405b',
  engine: 'vllm',
  image: 'vllm/vllm-openai:v0.12.0',
  model: 'meta-llama/Llama-3.1-405B-Instruct',
  nodes: 2,
  gpusPerNode: 8,
  gpuType: 'H100',
  rdma: true,
  hfTokenSecret: 'hf-token'
};

function ids(
  spec: Partial<IDeploymentSpec>,
  profile?: IClusterProfile
): string[] {
  return validateSpec({ ...good, ...spec } as IDeploymentSpec, profile).map(
    issue => issue.id
  );
}

function issue(
  id: string,
  spec: Partial<IDeploymentSpec>,
  profile?: IClusterProfile
): IIssue {
  const found = validateSpec(
    { ...good, ...spec } as IDeploymentSpec,
    profile
  ).find(candidate => candidate.id === id);
  expect(found).toBeDefined();
  return found!;
}

describe('validateSpec', () => {
  it('finds nothing wrong with a whole-node plan that needs two nodes', () => {
    expect(validateSpec(good)).toEqual([]);
  });

  describe('names', () => {
    it('rejects names that are not DNS-1035 labels and suggests one', () => {
      const found = issue('invalid-name', { name: 'Llama_70B' });
      expect(found.severity).toBe('error');
      expect(found.fix).toEqual({ name: 'llama-70b' });
      expect(ids({ name: '70b-llama' })).toContain('invalid-name');
      expect(ids({ name: '' })).toContain('invalid-name');
    });

    it('rejects names too long for the pods LWS derives from them', () => {
      expect(ids({ name: 'a'.repeat(51) })).not.toContain('name-too-long');
      const found = issue('name-too-long', { name: 'a'.repeat(52) });
      expect(found.message).toContain('at most 51');
      expect(found.fix).toEqual({ name: 'a'.repeat(51) });
    });

    it('says a 70-character name once, on the name, not again for the Service it implies', () => {
      const errors = validateSpec({ ...good, name: 'a'.repeat(70) }).filter(
        found => found.severity === 'error'
      );
      expect(errors.map(found => found.id)).toEqual(['name-too-long']);
      // A Service name the user chose is still checked.
      expect(ids({ name: 'a'.repeat(70), serviceName: 'Bad_Name' })).toContain(
        'invalid-service-name'
      );
    });

    it('allows one character less from 10 replicas on', () => {
      expect(lwsNameMaxLength(9)).toBe(51);
      expect(lwsNameMaxLength(10)).toBe(50);
      expect(ids({ name: 'a'.repeat(51), replicas: 10 })).toContain(
        'name-too-long'
      );
    });

    it('rejects a Service named like the LWS, explaining the headless Service', () => {
      const found = issue('service-name-collision', {
        serviceName: 'llama-405b'
      });
      expect(found.severity).toBe('error');
      expect(found.message).toContain('headless Service');
      expect(found.fix).toEqual({ serviceName: 'llama-405b-leader' });
    });

    it('rejects an invalid Service name', () => {
      expect(ids({ serviceName: 'Leader!' })).toContain('invalid-service-name');
    });
  });

  describe('fields', () => {
    it('rejects an unknown engine', () => {
      expect(ids({ engine: 'tgi' as never })).toEqual(['unknown-engine']);
    });

    it('says a required field is missing rather than invalid', () => {
      const spec = { name: 'x', model: 'm/x' } as IDeploymentSpec;
      const messages = validateSpec(spec).map(found => found.message);
      expect(messages).toContain(
        'No engine: set engine to one of sglang, vllm.'
      );
      expect(
        messages.some(message => message.startsWith('nodes is missing'))
      ).toBe(true);
    });

    it('rejects an empty model', () => {
      const found = issue('empty-model', { model: ' ' });
      expect(found.field).toBe('model');
    });

    it('rejects a bad image reference', () => {
      expect(ids({ image: 'vllm/vllm-openai:v0.10.2:extra' })).toContain(
        'invalid-image'
      );
      expect(ids({ image: 'VLLM/Upper' })).toContain('invalid-image');
      expect(
        ids({ image: 'registry.local:5000/vllm/vllm-openai:v0.12.0' })
      ).toEqual([]);
    });

    it('warns when the image belongs to the other engine', () => {
      expect(ids({ image: 'lmsysorg/sglang:v0.5.6.post2' })).toContain(
        'image-engine-mismatch'
      );
    });

    it('rejects counts that are not positive whole numbers', () => {
      expect(ids({ nodes: 0 })).toContain('invalid-number');
      expect(ids({ gpusPerNode: 2.5 })).toContain('invalid-number');
      expect(ids({ nodes: '2' as never })).toContain('invalid-number');
      expect(ids({ port: 70000 })).toContain('invalid-port');
    });
  });

  describe('GPUs', () => {
    it('warns about a GPU count that is not a power of 2', () => {
      const found = issue('not-power-of-two', { nodes: 3 });
      expect(found.severity).toBe('warning');
      expect(found.message).toContain('24 GPUs');
    });

    it('warns about partial nodes across nodes and offers whole nodes', () => {
      const found = issue('partial-node', { gpusPerNode: 4, gpuType: 'H200' });
      expect(found.severity).toBe('warning');
      expect(found.fix).toEqual({
        nodes: 1,
        gpusPerNode: 8,
        tensorParallel: 8,
        pipelineParallel: 1
      });
      expect(ids({ nodes: 1, gpusPerNode: 4 })).not.toContain('partial-node');
    });

    it('rejects more GPUs per pod than a node has', () => {
      expect(ids({ gpusPerNode: 16, nodes: 1 })).toContain('exceeds-node-gpus');
    });

    it('rejects TP x PP that does not use every GPU, explaining the engine', () => {
      const vllm = issue('parallelism-mismatch', {
        tensorParallel: 8,
        pipelineParallel: 1
      });
      expect(vllm.message).toContain('per pipeline stage');
      expect(vllm.fix).toEqual({ tensorParallel: 8, pipelineParallel: 2 });
      const sglang = issue('parallelism-mismatch', {
        engine: 'sglang',
        image: undefined,
        tensorParallel: 8,
        pipelineParallel: 1
      });
      expect(sglang.message).toContain('across all nodes');
    });

    it('warns when tensor parallelism crosses nodes', () => {
      expect(ids({ tensorParallel: 16, pipelineParallel: 1 })).toContain(
        'tp-spans-nodes'
      );
    });
  });

  describe('the guide rules on model shape', () => {
    it('rejects a TP that does not divide the attention heads', () => {
      const found = issue('heads-not-divisible', {
        nodes: 3,
        gpusPerNode: 8,
        tensorParallel: 24,
        pipelineParallel: 1
      });
      expect(found.severity).toBe('error');
      // The largest TP below 24 that divides both the heads and the 24 GPUs.
      expect(found.fix).toEqual({ tensorParallel: 8, pipelineParallel: 3 });
      expect(found.message).toContain('128 attention heads');
    });

    it('uses the config values of a model not in the catalog', () => {
      const spec = {
        model: 'acme/odd-40b',
        modelConfig: { attentionHeads: 36, kvHeads: 4, layers: 60 }
      };
      expect(ids(spec)).toContain('heads-not-divisible');
      expect(
        ids({ ...spec, modelConfig: { ...spec.modelConfig, layers: 1 } })
      ).toContain('pp-exceeds-layers');
    });

    it('rejects more pipeline stages than layers', () => {
      expect(
        ids({
          model: 'acme/tiny',
          modelConfig: { attentionHeads: 64, layers: 1 }
        })
      ).toContain('pp-exceeds-layers');
    });

    it('warns that the guide 70B examples fit one node and offers the single-node plan', () => {
      const found = issue(
        'fits-single-node',
        {
          name: 'llama-70b',
          model: 'meta-llama/Llama-3.3-70B-Instruct',
          gpusPerNode: 4,
          gpuType: 'L40S'
        },
        PCAI_GEN1
      );
      expect(found.severity).toBe('warning');
      expect(found.message).toContain('fits 4 x L40S');
      expect(found.fix).toEqual({
        nodes: 1,
        gpusPerNode: 4,
        tensorParallel: 4,
        pipelineParallel: 1
      });
    });

    it('does not warn about a single node for a model that needs two', () => {
      expect(ids({})).not.toContain('fits-single-node');
    });

    it('rejects a deployment too small to load the weights', () => {
      expect(ids({ nodes: 1, gpusPerNode: 8 })).toContain(
        'insufficient-memory'
      );
    });

    it('warns about an unknown GPU type', () => {
      expect(ids({ gpuType: 'TPU-v5' })).toContain('unknown-gpu-type');
    });
  });

  describe('ports', () => {
    it('rejects an API port inside SGLang dist-init port range', () => {
      const found = issue('port-clash', {
        engine: 'sglang',
        image: undefined,
        port: 31003,
        distPort: 31000
      });
      expect(found.message).toContain('dist-init port + 3');
    });

    it('rejects the API port on the Ray head port', () => {
      expect(
        issue('port-clash', { image: 'vllm/vllm-openai:v0.10.2', port: 6379 })
          .message
      ).toContain('Ray head');
      expect(ids({ image: 'vllm/vllm-openai:v0.10.2', port: 8265 })).toContain(
        'port-clash'
      );
    });

    it('rejects the API port on vLLM native master port', () => {
      expect(ids({ port: 29501 })).toContain('port-clash');
    });

    it('accepts the guide ports', () => {
      expect(
        ids({
          engine: 'sglang',
          image: undefined,
          port: 31000,
          distPort: 31001
        })
      ).not.toContain('port-clash');
    });
  });

  describe('RDMA, NCCL, storage, token and env', () => {
    it('warns about multi-node serving without RDMA, offering the profile switch', () => {
      const found = issue('rdma-off', { rdma: false });
      expect(found.fix).toEqual({ rdma: true });
      expect(
        ids({ rdma: false, nodes: 1, gpusPerNode: 8, model: 'Qwen/Qwen3-32B' })
      ).not.toContain('rdma-off');
    });

    it('rejects RDMA without networks when the profile has none', () => {
      const bare: IClusterProfile = {
        id: 'bare',
        label: 'bare',
        gpusPerNode: 8
      };
      expect(ids({}, bare)).toContain('rdma-incomplete');
    });

    it('rejects malformed RDMA networks, resources and address families', () => {
      expect(ids({ rdma: { networks: ['Not A Network'] } })).toContain(
        'invalid-rdma-network'
      );
      expect(ids({ rdma: { resources: { rdma_a: 1 } } })).toContain(
        'invalid-rdma-resource'
      );
      expect(ids({ rdma: { addrFamily: 'IPv6' } })).toContain(
        'invalid-addr-family'
      );
    });

    it('rejects an NCCL_DEBUG level NCCL does not know', () => {
      expect(ids({ ncclDebug: 'LOUD' })).toContain('invalid-nccl-debug');
      expect(ids({ ncclDebug: 'info' })).toEqual([]);
    });

    it('rejects a bad PVC, mount path or Secret name', () => {
      expect(ids({ storage: { pvc: 'Models_PVC' } })).toContain(
        'invalid-pvc-name'
      );
      expect(ids({ storage: { mountPath: 'models' } })).toContain(
        'invalid-mount-path'
      );
      expect(ids({ hfTokenSecret: 'HF token' })).toContain(
        'invalid-secret-name'
      );
    });

    it('rejects a token in env, pointing to hfTokenSecret', () => {
      const found = issue('token-in-spec', { env: { HF_TOKEN: 'hf_abc' } });
      expect(found.severity).toBe('error');
      expect(found.message).toContain('hfTokenSecret');
    });

    it('warns when env replaces a generated variable and rejects bad names', () => {
      expect(ids({ env: { NCCL_IB_ADDR_FAMILY: 'AF_INET' } })).toContain(
        'env-overrides-generated'
      );
      expect(ids({ env: { '1BAD': 'x' } })).toContain('invalid-env-name');
    });

    it('warns when engine arguments repeat flags the spec sets', () => {
      expect(ids({ engineArgs: ['--tensor-parallel-size', '4'] })).toContain(
        'engine-args-override'
      );
      expect(ids({ engineArgs: ['--max-model-len', '8192'] })).toEqual([]);
    });
  });

  describe('vLLM start mode', () => {
    it('warns that the mode is a guess for a latest tag', () => {
      const found = issue('vllm-mode-guessed', {
        image: 'vllm/vllm-openai:latest'
      });
      expect(found.severity).toBe('warning');
    });

    it('rejects native mode on an image without it', () => {
      expect(
        ids({ image: 'vllm/vllm-openai:v0.10.2', vllmMode: 'native' })
      ).toContain('vllm-native-unsupported');
    });

    it('warns that Ray may be missing from new images', () => {
      expect(
        ids({ image: 'vllm/vllm-openai:v0.18.0', vllmMode: 'ray' })
      ).toContain('vllm-ray-unavailable');
    });

    it('warns about Ray mode across pods on the vLLM releases with the local_world_size bug (vllm#28997)', () => {
      for (const tag of ['v0.11.1', 'v0.11.2']) {
        expect(
          ids({ image: `vllm/vllm-openai:${tag}`, vllmMode: 'ray' })
        ).toContain('vllm-ray-local-world-size');
      }
      for (const tag of ['v0.11.0', 'v0.12.0']) {
        expect(
          ids({ image: `vllm/vllm-openai:${tag}`, vllmMode: 'ray' })
        ).not.toContain('vllm-ray-local-world-size');
      }
      expect(
        ids({ image: 'vllm/vllm-openai:v0.11.1', vllmMode: 'native' })
      ).not.toContain('vllm-ray-local-world-size');
      expect(
        ids({ image: 'vllm/vllm-openai:v0.11.1', vllmMode: 'ray', nodes: 1 })
      ).not.toContain('vllm-ray-local-world-size');
    });

    it('warns that Ray-mode workers ignore workerArgs', () => {
      expect(
        ids({ image: 'vllm/vllm-openai:v0.10.2', workerArgs: ['--x'] })
      ).toContain('worker-args-ignored');
    });

    it('rejects an unknown mode', () => {
      expect(ids({ vllmMode: 'fast' as never })).toContain('invalid-vllm-mode');
    });
  });

  it('counts errors and warnings apart', () => {
    expect(hasErrors(validateSpec({ ...good, nodes: 3 }))).toBe(false);
    expect(hasErrors(validateSpec({ ...good, serviceName: good.name }))).toBe(
      true
    );
  });
});
