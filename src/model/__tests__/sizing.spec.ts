/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (Node export conditions: `yaml` resolves to its CommonJS build; see guide.spec.ts.)

import {
  estimateMemory,
  estimateParametersB,
  findGpu,
  findModel,
  GPU_CATALOG,
  HEADS_NOT_DIVISIBLE,
  headsNotDivisibleText,
  MODEL_CATALOG,
  modelFactsFromConfig,
  NOT_POWER_OF_TWO,
  notPowerOfTwoIssue,
  planParallelism,
  tensorParallelFits,
  validateSpec
} from '..';
import { diagnose } from '../diagnose';
import type { IGpuFacts, IModelFacts } from '..';

function model(id: string): IModelFacts {
  const found = findModel(id);
  expect(found).toBeDefined();
  return found!;
}

function gpu(type: string): IGpuFacts {
  const found = findGpu(type);
  expect(found).toBeDefined();
  return found!;
}

function plan(modelId: string, gpuType: string, gpusPerNode: number) {
  return planParallelism({
    model: model(modelId),
    gpu: gpu(gpuType),
    gpusPerNode
  });
}

// Llama 3.3 70B's config.json, from
// https://huggingface.co/meta-llama/Llama-3.3-70B-Instruct/blob/main/config.json
const llama70bConfig = {
  architectures: ['LlamaForCausalLM'],
  hidden_size: 8192,
  intermediate_size: 28672,
  max_position_embeddings: 131072,
  num_attention_heads: 64,
  num_hidden_layers: 80,
  num_key_value_heads: 8,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
  vocab_size: 128256
};

// DeepSeek-V3's config.json (shapes only), from
// https://huggingface.co/deepseek-ai/DeepSeek-V3/blob/main/config.json
const deepseekV3Config = {
  hidden_size: 7168,
  intermediate_size: 18432,
  moe_intermediate_size: 2048,
  num_hidden_layers: 61,
  num_attention_heads: 128,
  num_key_value_heads: 128,
  n_routed_experts: 256,
  n_shared_experts: 1,
  first_k_dense_replace: 3,
  q_lora_rank: 1536,
  kv_lora_rank: 512,
  qk_nope_head_dim: 128,
  qk_rope_head_dim: 64,
  v_head_dim: 128,
  vocab_size: 129280,
  tie_word_embeddings: false,
  quantization_config: { quant_method: 'fp8' }
};

describe('planParallelism', () => {
  it('fits Llama-3.3-70B on one node of L40S with 4 GPUs', () => {
    const result = plan('meta-llama/Llama-3.3-70B-Instruct', 'L40S', 8);
    expect(result).toMatchObject({
      nodes: 1,
      gpusPerNode: 4,
      tensorParallel: 4,
      pipelineParallel: 1,
      fits: true
    });
    expect(result.warnings.map(issue => issue.id)).toEqual([
      'fits-single-node'
    ]);
    expect(result.warnings[0].fix).toEqual({
      nodes: 1,
      gpusPerNode: 4,
      tensorParallel: 4,
      pipelineParallel: 1
    });
  });

  it('needs 2 nodes of 8 x H100 for Llama-3.1-405B in BF16 (TP 8, PP 2)', () => {
    const result = plan('meta-llama/Llama-3.1-405B-Instruct', 'H100', 8);
    expect(result).toMatchObject({
      nodes: 2,
      gpusPerNode: 8,
      tensorParallel: 8,
      pipelineParallel: 2,
      totalGpus: 16,
      fits: true
    });
    expect(result.warnings).toEqual([]);
  });

  it('fits Llama-3.1-405B in FP8 on one node of 8 x H100', () => {
    expect(
      plan('meta-llama/Llama-3.1-405B-Instruct-FP8', 'H100', 8)
    ).toMatchObject({
      nodes: 1,
      tensorParallel: 8
    });
  });

  it('puts DeepSeek-V3 on one H200 node but two H100 nodes', () => {
    expect(plan('deepseek-ai/DeepSeek-V3', 'H200', 8).nodes).toBe(1);
    expect(plan('deepseek-ai/DeepSeek-R1', 'H100', 8)).toMatchObject({
      nodes: 2,
      tensorParallel: 8,
      pipelineParallel: 2
    });
  });

  it('fits gpt-oss-120b on a single 80 GB GPU, as OpenAI states', () => {
    expect(plan('openai/gpt-oss-120b', 'H100', 8)).toMatchObject({
      nodes: 1,
      gpusPerNode: 1,
      tensorParallel: 1
    });
  });

  it('uses whole nodes when a model spans nodes', () => {
    const result = plan('Qwen/Qwen3-235B-A22B', 'L40S', 8);
    expect(result.nodes).toBe(2);
    expect(result.gpusPerNode).toBe(8);
    expect(result.memory.fits).toBe(true);
  });

  it('warns about GPU counts that are not a power of 2 when nodes have 6 GPUs', () => {
    // 2 nodes (12 GPUs, 816 GB usable) are short of 829 GB; node counts stay powers of 2.
    const result = plan('meta-llama/Llama-3.1-405B-Instruct', 'H100', 6);
    expect(result.nodes).toBe(4);
    expect(result.totalGpus).toBe(24);
    expect(result.warnings.map(issue => issue.id)).toContain(
      'not-power-of-two'
    );
  });

  it('lowers TP in favour of PP when the attention heads do not divide', () => {
    const odd: IModelFacts = {
      ...model('meta-llama/Llama-3.1-405B-Instruct'),
      id: 'odd-heads',
      attentionHeads: 100,
      kvHeads: 4
    };
    const result = planParallelism({
      model: odd,
      gpu: gpu('H100'),
      gpusPerNode: 8
    });
    expect(result.tensorParallel).toBe(4);
    expect(result.pipelineParallel).toBe(4);
    expect(result.warnings.map(issue => issue.id)).toContain(
      'heads-not-divisible'
    );
  });

  it('warns when there are more pipeline stages than layers', () => {
    const shallow: IModelFacts = {
      id: 'shallow',
      parametersB: 400,
      layers: 1,
      attentionHeads: 64,
      kvHeads: 8,
      headDim: 128,
      dtype: 'bf16'
    };
    const result = planParallelism({
      model: shallow,
      gpu: gpu('H100'),
      gpusPerNode: 8
    });
    expect(result.pipelineParallel).toBe(2);
    expect(result.warnings.map(issue => issue.id)).toContain(
      'pp-exceeds-layers'
    );
  });

  it('reports a model too large for any plan', () => {
    const huge: IModelFacts = {
      ...model('meta-llama/Llama-3.1-8B-Instruct'),
      parametersB: 1e6
    };
    const result = planParallelism({
      model: huge,
      gpu: gpu('L40S'),
      gpusPerNode: 8
    });
    expect(result.fits).toBe(false);
    expect(
      result.warnings.map(issue => [issue.id, issue.severity])
    ).toContainEqual(['model-too-large', 'error']);
  });
});

describe('estimateMemory', () => {
  it('counts 2 bytes per BF16 parameter and a GQA KV cache', () => {
    const memory = estimateMemory(
      model('meta-llama/Llama-3.3-70B-Instruct'),
      gpu('L40S'),
      4
    );
    expect(memory.weightGB).toBeCloseTo(141.1, 1);
    // 2 x 80 layers x 8 KV heads x 128 x 2 bytes = 327,680 bytes per token, 32k tokens.
    expect(memory.kvCacheGB).toBeCloseTo((327680 * 32768) / 1e9, 6);
    expect(memory.usableGB).toBeCloseTo(4 * 48 * 0.85, 6);
    expect(memory.fits).toBe(true);
    expect(
      estimateMemory(model('meta-llama/Llama-3.3-70B-Instruct'), gpu('L40S'), 2)
        .fits
    ).toBe(false);
  });
});

describe('tensorParallelFits', () => {
  it('requires TP to divide the attention heads', () => {
    expect(tensorParallelFits({ attentionHeads: 64, kvHeads: 8 }, 8)).toBe(
      true
    );
    expect(tensorParallelFits({ attentionHeads: 64, kvHeads: 8 }, 6)).toBe(
      false
    );
  });

  it('accepts more TP ranks than KV heads when they replicate evenly', () => {
    expect(tensorParallelFits({ attentionHeads: 64, kvHeads: 4 }, 8)).toBe(
      true
    );
    expect(tensorParallelFits({ attentionHeads: 48, kvHeads: 8 }, 12)).toBe(
      false
    );
  });
});

describe('the catalog', () => {
  it('has the guide model and the popular open models', () => {
    for (const id of [
      'meta-llama/Llama-3.1-8B-Instruct',
      'meta-llama/Llama-3.1-70B-Instruct',
      'meta-llama/Llama-3.3-70B-Instruct',
      'meta-llama/Llama-3.1-405B-Instruct',
      'Qwen/Qwen2.5-72B-Instruct',
      'Qwen/Qwen3-32B',
      'Qwen/Qwen3-235B-A22B',
      'deepseek-ai/DeepSeek-V3',
      'deepseek-ai/DeepSeek-R1',
      'mistralai/Mixtral-8x7B-Instruct-v0.1',
      'openai/gpt-oss-120b'
    ]) {
      expect(findModel(id)).toBeDefined();
    }
  });

  it('records the shapes of the configs', () => {
    expect(model('meta-llama/Llama-3.3-70B-Instruct')).toMatchObject({
      layers: 80,
      attentionHeads: 64,
      kvHeads: 8
    });
    expect(model('meta-llama/Llama-3.1-405B-Instruct')).toMatchObject({
      layers: 126,
      attentionHeads: 128,
      kvHeads: 8
    });
    expect(model('Qwen/Qwen3-235B-A22B')).toMatchObject({
      layers: 94,
      kvHeads: 4
    });
    expect(model('deepseek-ai/DeepSeek-V3')).toMatchObject({
      layers: 61,
      dtype: 'fp8'
    });
  });

  it('cites a source for every model and GPU', () => {
    for (const entry of [...MODEL_CATALOG, ...GPU_CATALOG]) {
      expect(entry.source).toMatch(/^https:\/\//);
    }
  });

  it('has the GPU memory sizes as marketed', () => {
    expect(
      Object.fromEntries(GPU_CATALOG.map(entry => [entry.type, entry.memoryGB]))
    ).toMatchObject({
      L40S: 48,
      'A100-40GB': 40,
      'A100-80GB': 80,
      H100: 80,
      H200: 141,
      B200: 180
    });
  });

  it('finds models by alias, case and local directory name', () => {
    expect(findModel('META-LLAMA/llama-3.3-70b-instruct')?.id).toBe(
      'meta-llama/Llama-3.3-70B-Instruct'
    );
    expect(findModel('/models/Llama-3.3-70B-Instruct')?.id).toBe(
      'meta-llama/Llama-3.3-70B-Instruct'
    );
    expect(findModel('deepseek-ai/DeepSeek-R1-0528')?.id).toBe(
      'deepseek-ai/DeepSeek-V3'
    );
    expect(findModel('someone/unknown-model')).toBeUndefined();
  });

  it('finds GPUs by the node label of the NVIDIA GPU operator', () => {
    expect(findGpu('NVIDIA-H100-80GB-HBM3')?.type).toBe('H100');
    expect(findGpu('l40s')?.type).toBe('L40S');
    expect(findGpu('TPU-v5')).toBeUndefined();
  });
});

describe('modelFactsFromConfig', () => {
  it('reads shapes and estimates parameters from a dense config.json', () => {
    const { facts, missing } = modelFactsFromConfig(llama70bConfig, {
      id: 'my/llama'
    });
    expect(missing).toEqual([]);
    expect(facts).toMatchObject({
      id: 'my/llama',
      layers: 80,
      attentionHeads: 64,
      kvHeads: 8,
      headDim: 128,
      dtype: 'bf16',
      contextLength: 131072
    });
    expect(facts!.parametersB).toBeCloseTo(70.55, 1);
  });

  it('estimates a mixture of experts with latent attention (DeepSeek-V3: 671B)', () => {
    expect(estimateParametersB(deepseekV3Config)).toBeCloseTo(671, -1);
    const { facts } = modelFactsFromConfig(deepseekV3Config);
    expect(facts?.dtype).toBe('fp8');
    expect(facts?.kvCacheBytesPerToken).toBe(61 * (512 + 64) * 2);
  });

  it('names what is missing', () => {
    const { facts, missing } = modelFactsFromConfig({ num_hidden_layers: 10 });
    expect(facts).toBeUndefined();
    expect(missing).toContain('num_attention_heads');
  });

  it('gives the same plan as the catalog for the same model', () => {
    const { facts } = modelFactsFromConfig(llama70bConfig);
    const fromConfig = planParallelism({
      model: facts!,
      gpu: gpu('L40S'),
      gpusPerNode: 8
    });
    expect(fromConfig.tensorParallel).toBe(4);
    expect(fromConfig.nodes).toBe(1);
  });
});

describe('one id, one rule', () => {
  it('words heads-not-divisible the same in validation, the plan and diagnosis', () => {
    const spec = {
      name: 'odd',
      engine: 'vllm' as const,
      model: 'acme/odd-40b',
      nodes: 1,
      gpusPerNode: 8,
      modelConfig: { attentionHeads: 36, kvHeads: 4, layers: 60 }
    };
    const fromValidation = validateSpec(spec).find(
      issue => issue.id === HEADS_NOT_DIVISIBLE
    );
    const shared = headsNotDivisibleText(36, 8, 4);
    expect(fromValidation?.message.startsWith(shared)).toBe(true);
    const odd: IModelFacts = {
      ...model('meta-llama/Llama-3.1-405B-Instruct'),
      id: 'odd-heads',
      attentionHeads: 100,
      kvHeads: 4
    };
    const fromPlan = planParallelism({
      model: odd,
      gpu: gpu('H100'),
      gpusPerNode: 8
    }).warnings.find(issue => issue.id === HEADS_NOT_DIVISIBLE);
    expect(fromPlan?.message.startsWith(headsNotDivisibleText(100, 8, 4))).toBe(
      true
    );
    const [fromLog] = diagnose({
      logs: 'ValueError: Total number of attention heads (36) must be divisible by tensor parallel size (8).'
    });
    expect(fromLog.id).toBe(HEADS_NOT_DIVISIBLE);
    expect(fromLog.cause).toBe(headsNotDivisibleText(36, 8));
  });

  it('issues not-power-of-two from one function for the form and the plan', () => {
    expect(notPowerOfTwoIssue(2, 8)).toBeUndefined();
    const issue = notPowerOfTwoIssue(3, 8)!;
    expect(issue.id).toBe(NOT_POWER_OF_TWO);
    expect(
      validateSpec({
        name: 'x',
        engine: 'vllm',
        model: 'meta-llama/Llama-3.1-405B-Instruct',
        nodes: 3,
        gpusPerNode: 8
      })
    ).toContainEqual(issue);
    const plan = planParallelism({
      model: model('meta-llama/Llama-3.1-405B-Instruct'),
      gpu: gpu('H100'),
      gpusPerNode: 6
    });
    expect(plan.warnings).toContainEqual(
      notPowerOfTwoIssue(plan.nodes, plan.gpusPerNode)
    );
  });
});
