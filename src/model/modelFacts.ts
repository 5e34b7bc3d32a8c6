// The one place that completes a model's facts for sizing: the catalog's entry, the spec's
// `modelConfig` on top, the defaults for what neither says, and the facts (with a parameter
// estimate) read from a Hugging Face `config.json` for models not in the catalog.

import type { IModelFacts, WeightDtype } from './catalog';
import { findModel, MODEL_CATALOG } from './catalog';
import type { IDeploymentSpec } from './spec';

/** What is known of a spec's model: partly, for the rules on heads and layers; completely, for memory. */
export interface ISpecModelFacts {
  /** The catalog's facts overridden by the spec's modelConfig; absent when neither has any. */
  known?: Partial<IModelFacts>;
  /** `known` with defaults filled in, when it has what the memory estimate needs. */
  complete?: IModelFacts;
}

/** The facts of `spec`'s model: the catalog's, completed or overridden by the spec's modelConfig. */
export function specModelFacts(
  spec: Pick<IDeploymentSpec, 'model' | 'modelConfig'>,
  catalog: readonly IModelFacts[] = MODEL_CATALOG
): ISpecModelFacts {
  const found =
    typeof spec.model === 'string' ? findModel(spec.model, catalog) : undefined;
  if (!found && !spec.modelConfig) {
    return {};
  }
  const known: Partial<IModelFacts> = { ...found, ...spec.modelConfig };
  const complete = completeModelFacts(known, spec.model);
  return complete ? { known, complete } : { known };
}

/** The catalog's facts for a model id, with `parametersB` (a user's count) instead of its own. */
export function catalogModelFacts(
  id: string,
  parametersB?: number,
  catalog: readonly IModelFacts[] = MODEL_CATALOG
): IModelFacts | undefined {
  const known = findModel(id, catalog);
  return known && parametersB !== undefined ? { ...known, parametersB } : known;
}

/**
 * Partial facts with the defaults filled in (KV heads = attention heads, head dim 128,
 * BF16), or undefined without layers, attention heads and a size (parameters or weights).
 */
export function completeModelFacts(
  facts: Partial<IModelFacts>,
  id: string
): IModelFacts | undefined {
  const { layers, attentionHeads } = facts;
  if (
    layers === undefined ||
    attentionHeads === undefined ||
    (facts.parametersB === undefined && facts.weightGB === undefined)
  ) {
    return undefined;
  }
  return {
    ...facts,
    id: facts.id ?? id,
    parametersB: facts.parametersB ?? 0,
    layers,
    attentionHeads,
    kvHeads: facts.kvHeads ?? attentionHeads,
    // Most current models use 128; only the KV cache estimate depends on it.
    headDim: facts.headDim ?? 128,
    dtype: facts.dtype ?? 'bf16'
  };
}

/**
 * Model facts from a Hugging Face `config.json`, for models not in the catalog. The
 * parameter count is not in config.json: it is estimated from the shapes (dense, GQA,
 * mixture of experts, DeepSeek's latent attention) unless `overrides` gives it.
 */
export function modelFactsFromConfig(
  config: Record<string, unknown>,
  overrides: Partial<IModelFacts> = {}
): { facts?: IModelFacts; missing: string[] } {
  const text = (
    isRecord(config.text_config) ? { ...config, ...config.text_config } : config
  ) as Record<string, unknown>;
  const num = (...keys: string[]): number | undefined => {
    for (const key of keys) {
      const value = text[key];
      if (typeof value === 'number' && Number.isFinite(value)) {
        return value;
      }
    }
    return undefined;
  };
  const layers =
    overrides.layers ?? num('num_hidden_layers', 'n_layer', 'num_layers');
  const attentionHeads =
    overrides.attentionHeads ?? num('num_attention_heads', 'n_head');
  const hidden = num('hidden_size', 'n_embd', 'd_model');
  const kvHeads =
    overrides.kvHeads ?? num('num_key_value_heads') ?? attentionHeads;
  const headDim =
    overrides.headDim ??
    num('head_dim') ??
    (hidden !== undefined && attentionHeads
      ? hidden / attentionHeads
      : undefined);
  const parametersB = overrides.parametersB ?? estimateParametersB(text);
  const missing = [
    ['num_hidden_layers', layers],
    ['num_attention_heads', attentionHeads],
    ['head_dim or hidden_size', headDim],
    [
      'parameters (estimated from hidden_size, intermediate_size, vocab_size)',
      parametersB
    ]
  ]
    .filter(([, value]) => value === undefined)
    .map(([name]) => name as string);
  if (
    missing.length > 0 ||
    layers === undefined ||
    attentionHeads === undefined ||
    kvHeads === undefined ||
    headDim === undefined ||
    parametersB === undefined
  ) {
    return { missing };
  }
  const facts: IModelFacts = {
    id:
      overrides.id ??
      (typeof config._name_or_path === 'string'
        ? config._name_or_path
        : 'custom model'),
    parametersB,
    layers,
    attentionHeads,
    kvHeads,
    headDim,
    dtype: overrides.dtype ?? dtypeFromConfig(config)
  };
  const kvLoraRank = num('kv_lora_rank');
  if (overrides.kvCacheBytesPerToken !== undefined) {
    facts.kvCacheBytesPerToken = overrides.kvCacheBytesPerToken;
  } else if (kvLoraRank !== undefined) {
    // Latent attention caches one compressed vector (plus the RoPE key) per layer.
    facts.kvCacheBytesPerToken =
      layers * (kvLoraRank + (num('qk_rope_head_dim') ?? 0)) * 2;
  }
  const contextLength =
    overrides.contextLength ?? num('max_position_embeddings');
  if (contextLength !== undefined) {
    facts.contextLength = contextLength;
  }
  if (overrides.weightGB !== undefined) {
    facts.weightGB = overrides.weightGB;
  }
  return { facts, missing: [] };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function dtypeFromConfig(config: Record<string, unknown>): WeightDtype {
  const quantization = isRecord(config.quantization_config)
    ? config.quantization_config
    : undefined;
  const method = String(quantization?.quant_method ?? '').toLowerCase();
  if (method === 'fp8' || method === 'compressed-tensors') {
    return 'fp8';
  }
  if (method === 'mxfp4') {
    return 'mxfp4';
  }
  if (method !== '') {
    return quantization?.bits === 8 ? 'int8' : 'int4';
  }
  const dtype = String(config.torch_dtype ?? config.dtype ?? 'bfloat16');
  if (dtype === 'float32') {
    return 'fp32';
  }
  return dtype === 'float16' ? 'fp16' : 'bf16';
}

/**
 * Parameters in billions from a config.json's shapes: embeddings, attention (grouped-query
 * or DeepSeek's multi-head latent attention) and MLP (dense or mixture of experts, with
 * shared experts and leading dense layers). Norms and biases are left out (< 0.1%).
 */
export function estimateParametersB(
  config: Record<string, unknown>
): number | undefined {
  const num = (key: string): number | undefined =>
    typeof config[key] === 'number' ? (config[key] as number) : undefined;
  const hidden = num('hidden_size');
  const layers = num('num_hidden_layers');
  const heads = num('num_attention_heads');
  const vocab = num('vocab_size');
  const intermediate = num('intermediate_size');
  if (
    hidden === undefined ||
    layers === undefined ||
    heads === undefined ||
    vocab === undefined ||
    intermediate === undefined
  ) {
    return undefined;
  }
  const kvHeads = num('num_key_value_heads') ?? heads;
  const headDim = num('head_dim') ?? hidden / heads;
  const kvLoraRank = num('kv_lora_rank');
  let attention: number;
  if (kvLoraRank !== undefined) {
    const qLoraRank = num('q_lora_rank');
    const nope = num('qk_nope_head_dim') ?? 0;
    const rope = num('qk_rope_head_dim') ?? 0;
    const valueDim = num('v_head_dim') ?? headDim;
    const query = qLoraRank
      ? hidden * qLoraRank + qLoraRank * heads * (nope + rope)
      : hidden * heads * (nope + rope);
    const keyValue =
      hidden * (kvLoraRank + rope) + kvLoraRank * heads * (nope + valueDim);
    attention = query + keyValue + heads * valueDim * hidden;
  } else {
    attention = hidden * heads * headDim * 2 + hidden * kvHeads * headDim * 2;
  }
  const experts =
    num('num_local_experts') ?? num('num_experts') ?? num('n_routed_experts');
  const denseMlp = 3 * hidden * intermediate;
  let mlp = layers * denseMlp;
  if (experts !== undefined && experts > 1) {
    const expertSize =
      3 * hidden * (num('moe_intermediate_size') ?? intermediate);
    const shared = num('n_shared_experts') ?? 0;
    const sharedIntermediate = num('shared_expert_intermediate_size');
    const sharedSize = sharedIntermediate
      ? 3 * hidden * sharedIntermediate
      : shared * expertSize;
    const denseLayers = num('first_k_dense_replace') ?? 0;
    mlp =
      denseLayers * denseMlp +
      (layers - denseLayers) *
        (experts * expertSize + sharedSize + hidden * experts);
  }
  const embeddings = vocab * hidden * (config.tie_word_embeddings ? 1 : 2);
  return (layers * attention + mlp + embeddings) / 1e9;
}
