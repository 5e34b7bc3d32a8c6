// Facts about popular open models and GPUs, for sizing advice. Each entry cites where its
// numbers come from: the model's config.json (layers = num_hidden_layers, attention heads =
// num_attention_heads, KV heads = num_key_value_heads, head_dim) and model card (parameter
// count), or the GPU's product page (memory as marketed, in GB).

/** Weight formats the sizing understands, by storage size per parameter. */
export type WeightDtype =
  'fp32' | 'bf16' | 'fp16' | 'fp8' | 'int8' | 'int4' | 'mxfp4';

/** Bytes per parameter of each weight format (MXFP4: 4-bit values plus one 8-bit scale per 32). */
export const BYTES_PER_PARAMETER: Record<WeightDtype, number> = {
  fp32: 4,
  bf16: 2,
  fp16: 2,
  fp8: 1,
  int8: 1,
  int4: 0.5,
  mxfp4: 4.25 / 8
};

/** What sizing needs to know about a model: size, depth and attention shape. */
export interface IModelFacts {
  /** Hugging Face id, e.g. `meta-llama/Llama-3.3-70B-Instruct`. */
  id: string;
  /** Other ids with the same weights and shape (base/instruct, re-releases). */
  aliases?: string[];
  /** Total parameters in billions (for MoE: all experts, since all must be in memory). */
  parametersB: number;
  /** Parameters used per token, in billions (MoE only; informational). */
  activeParametersB?: number;
  layers: number;
  attentionHeads: number;
  kvHeads: number;
  headDim: number;
  dtype: WeightDtype;
  /** Checkpoint size in GB when parameters x dtype is not exact (mixed-precision weights). */
  weightGB?: number;
  /** KV cache bytes per token when the GQA formula does not apply (MLA, sliding window). */
  kvCacheBytesPerToken?: number;
  /** Longest context the model supports (max_position_embeddings), in tokens. */
  contextLength?: number;
  /** Where the numbers come from. */
  source?: string;
}

/** What sizing needs to know about a GPU. */
export interface IGpuFacts {
  /** Short type name as used in specs and profiles, e.g. `L40S`. */
  type: string;
  /** Other spellings, including the `nvidia.com/gpu.product` node label values. */
  aliases?: string[];
  /** Memory per GPU as marketed, in GB. */
  memoryGB: number;
  source: string;
}

/** The built-in model catalog. */
export const MODEL_CATALOG: readonly IModelFacts[] = [
  {
    // https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct/blob/main/config.json
    id: 'meta-llama/Llama-3.1-8B-Instruct',
    aliases: [
      'meta-llama/Llama-3.1-8B',
      'meta-llama/Meta-Llama-3.1-8B-Instruct'
    ],
    parametersB: 8.03,
    layers: 32,
    attentionHeads: 32,
    kvHeads: 8,
    headDim: 128,
    dtype: 'bf16',
    contextLength: 131072,
    source: 'https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct'
  },
  {
    // https://huggingface.co/meta-llama/Llama-3.1-70B-Instruct/blob/main/config.json
    id: 'meta-llama/Llama-3.1-70B-Instruct',
    aliases: [
      'meta-llama/Llama-3.1-70B',
      'meta-llama/Meta-Llama-3.1-70B-Instruct'
    ],
    parametersB: 70.55,
    layers: 80,
    attentionHeads: 64,
    kvHeads: 8,
    headDim: 128,
    dtype: 'bf16',
    contextLength: 131072,
    source: 'https://huggingface.co/meta-llama/Llama-3.1-70B-Instruct'
  },
  {
    // Same architecture as Llama 3.1 70B; the guide's example model.
    // https://huggingface.co/meta-llama/Llama-3.3-70B-Instruct/blob/main/config.json
    id: 'meta-llama/Llama-3.3-70B-Instruct',
    parametersB: 70.55,
    layers: 80,
    attentionHeads: 64,
    kvHeads: 8,
    headDim: 128,
    dtype: 'bf16',
    contextLength: 131072,
    source: 'https://huggingface.co/meta-llama/Llama-3.3-70B-Instruct'
  },
  {
    // 405.85B = 2 x 128256 x 16384 embeddings + 126 x (attention 570.4M + MLP 2617.2M).
    // https://huggingface.co/meta-llama/Llama-3.1-405B-Instruct/blob/main/config.json
    id: 'meta-llama/Llama-3.1-405B-Instruct',
    aliases: [
      'meta-llama/Llama-3.1-405B',
      'meta-llama/Meta-Llama-3.1-405B-Instruct'
    ],
    parametersB: 405.85,
    layers: 126,
    attentionHeads: 128,
    kvHeads: 8,
    headDim: 128,
    dtype: 'bf16',
    contextLength: 131072,
    source: 'https://huggingface.co/meta-llama/Llama-3.1-405B-Instruct'
  },
  {
    // Meta's FP8 release (a few layers stay BF16, so this slightly understates the size).
    id: 'meta-llama/Llama-3.1-405B-Instruct-FP8',
    aliases: ['meta-llama/Meta-Llama-3.1-405B-Instruct-FP8'],
    parametersB: 405.85,
    layers: 126,
    attentionHeads: 128,
    kvHeads: 8,
    headDim: 128,
    dtype: 'fp8',
    contextLength: 131072,
    source: 'https://huggingface.co/meta-llama/Llama-3.1-405B-Instruct-FP8'
  },
  {
    // Model card: "Number of Parameters: 72.7B", 64 Q / 8 KV heads, 80 layers.
    id: 'Qwen/Qwen2.5-72B-Instruct',
    aliases: ['Qwen/Qwen2.5-72B'],
    parametersB: 72.7,
    layers: 80,
    attentionHeads: 64,
    kvHeads: 8,
    headDim: 128,
    dtype: 'bf16',
    contextLength: 32768,
    source: 'https://huggingface.co/Qwen/Qwen2.5-72B-Instruct'
  },
  {
    // Model card: "Number of Parameters: 32.8B", 64 layers, 64 Q / 8 KV heads.
    id: 'Qwen/Qwen3-32B',
    parametersB: 32.8,
    layers: 64,
    attentionHeads: 64,
    kvHeads: 8,
    headDim: 128,
    dtype: 'bf16',
    contextLength: 40960,
    source: 'https://huggingface.co/Qwen/Qwen3-32B'
  },
  {
    // Model card: 235B total, 22B activated, 94 layers, 64 Q / 4 KV heads, 128 experts.
    id: 'Qwen/Qwen3-235B-A22B',
    aliases: ['Qwen/Qwen3-235B-A22B-Instruct-2507'],
    parametersB: 235,
    activeParametersB: 22,
    layers: 94,
    attentionHeads: 64,
    kvHeads: 4,
    headDim: 128,
    dtype: 'bf16',
    contextLength: 40960,
    source: 'https://huggingface.co/Qwen/Qwen3-235B-A22B'
  },
  {
    // 671B total, 37B activated, FP8 weights, 61 layers, 128 heads (config.json).
    // Multi-head latent attention caches one compressed vector per layer and token:
    // (kv_lora_rank 512 + qk_rope_head_dim 64) x 61 layers x 2 bytes = 70,272 bytes.
    id: 'deepseek-ai/DeepSeek-V3',
    aliases: [
      'deepseek-ai/DeepSeek-V3-0324',
      'deepseek-ai/DeepSeek-R1',
      'deepseek-ai/DeepSeek-R1-0528'
    ],
    parametersB: 671,
    activeParametersB: 37,
    layers: 61,
    attentionHeads: 128,
    kvHeads: 128,
    headDim: 128,
    dtype: 'fp8',
    kvCacheBytesPerToken: 70272,
    contextLength: 163840,
    source: 'https://huggingface.co/deepseek-ai/DeepSeek-V3'
  },
  {
    // 46.7B total, 12.9B active per token (Mistral's announcement), 32 layers, 32 Q / 8 KV.
    id: 'mistralai/Mixtral-8x7B-Instruct-v0.1',
    aliases: ['mistralai/Mixtral-8x7B-v0.1'],
    parametersB: 46.7,
    activeParametersB: 12.9,
    layers: 32,
    attentionHeads: 32,
    kvHeads: 8,
    headDim: 128,
    dtype: 'bf16',
    contextLength: 32768,
    source: 'https://huggingface.co/mistralai/Mixtral-8x7B-Instruct-v0.1'
  },
  {
    // OpenAI's model card: 116.83B total, 5.13B active, MXFP4 experts, checkpoint 60.8 GiB
    // (= 65.3 GB), 36 layers alternating full and 128-token sliding-window attention,
    // 64 Q / 8 KV heads of dim 64. Only the 18 full-attention layers cache every token:
    // 18 x 2 (K, V) x 8 x 64 x 2 bytes = 36,864 bytes per token.
    id: 'openai/gpt-oss-120b',
    parametersB: 116.83,
    activeParametersB: 5.13,
    layers: 36,
    attentionHeads: 64,
    kvHeads: 8,
    headDim: 64,
    dtype: 'mxfp4',
    weightGB: 65.3,
    kvCacheBytesPerToken: 36864,
    contextLength: 131072,
    source: 'https://huggingface.co/openai/gpt-oss-120b'
  }
];

/** The built-in GPU catalog. */
export const GPU_CATALOG: readonly IGpuFacts[] = [
  {
    type: 'L40S',
    aliases: ['NVIDIA-L40S'],
    memoryGB: 48,
    source: 'https://www.nvidia.com/en-us/data-center/l40s/'
  },
  {
    type: 'A100-40GB',
    aliases: ['NVIDIA-A100-SXM4-40GB', 'NVIDIA-A100-PCIE-40GB'],
    memoryGB: 40,
    source: 'https://www.nvidia.com/en-us/data-center/a100/'
  },
  {
    type: 'A100-80GB',
    aliases: ['NVIDIA-A100-SXM4-80GB', 'NVIDIA-A100-80GB-PCIe'],
    memoryGB: 80,
    source: 'https://www.nvidia.com/en-us/data-center/a100/'
  },
  {
    type: 'H100',
    aliases: ['H100-80GB', 'H100-SXM', 'H100-PCIe', 'NVIDIA-H100-80GB-HBM3'],
    memoryGB: 80,
    source: 'https://www.nvidia.com/en-us/data-center/h100/'
  },
  {
    type: 'H100-NVL',
    aliases: ['NVIDIA-H100-NVL'],
    memoryGB: 94,
    source: 'https://www.nvidia.com/en-us/data-center/h100/'
  },
  {
    type: 'H200',
    aliases: ['H200-SXM', 'H200-NVL', 'NVIDIA-H200', 'NVIDIA-H200-NVL'],
    memoryGB: 141,
    source: 'https://www.nvidia.com/en-us/data-center/h200/'
  },
  {
    // HGX B200: 8 GPUs with 1,440 GB in total.
    type: 'B200',
    aliases: ['NVIDIA-B200'],
    memoryGB: 180,
    source: 'https://www.nvidia.com/en-us/data-center/hgx/'
  },
  {
    type: 'RTX-PRO-6000',
    aliases: [
      'RTX-PRO-6000-Blackwell',
      'NVIDIA-RTX-PRO-6000-Blackwell-Server-Edition'
    ],
    memoryGB: 96,
    source:
      'https://www.nvidia.com/en-us/data-center/rtx-pro-6000-blackwell-server-edition/'
  }
];

function normalizeModelId(id: string): string {
  return id.trim().toLowerCase();
}

function lastPathSegment(id: string): string {
  const segments = normalizeModelId(id).split('/');
  return segments[segments.length - 1];
}

/**
 * The catalog entry for a model id, or undefined.
 *
 * Matches the Hugging Face id or an alias, case-insensitively; failing that, the last path
 * segment, so a local directory named like the model (`/models/Llama-3.3-70B-Instruct`) or a
 * mirror under another organisation still finds its facts.
 */
export function findModel(
  id: string,
  catalog: readonly IModelFacts[] = MODEL_CATALOG
): IModelFacts | undefined {
  const wanted = normalizeModelId(id);
  if (wanted === '') {
    return undefined;
  }
  const names = (model: IModelFacts) => [model.id, ...(model.aliases ?? [])];
  return (
    catalog.find(model =>
      names(model).some(name => normalizeModelId(name) === wanted)
    ) ??
    catalog.find(model =>
      names(model).some(name => lastPathSegment(name) === lastPathSegment(id))
    )
  );
}

function normalizeGpuType(type: string): string {
  return type
    .toLowerCase()
    .replace(/^nvidia[-_ ]?/, '')
    .replace(/[^a-z0-9]/g, '');
}

/** The catalog entry for a GPU type (`L40S`, `h100`, `NVIDIA-H100-80GB-HBM3`), or undefined. */
export function findGpu(
  type: string,
  catalog: readonly IGpuFacts[] = GPU_CATALOG
): IGpuFacts | undefined {
  const wanted = normalizeGpuType(type);
  if (wanted === '') {
    return undefined;
  }
  return catalog.find(gpu =>
    [gpu.type, ...(gpu.aliases ?? [])].some(
      name => normalizeGpuType(name) === wanted
    )
  );
}
