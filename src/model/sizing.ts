// Sizing advice: how many nodes and GPUs a model needs, and how to split it (TP, PP).
//
// The memory rule. An engine may use GPU_MEMORY_UTILIZATION of each GPU (vLLM's
// --gpu-memory-utilization defaults to 0.9, https://docs.vllm.ai/en/stable/configuration/
// engine_args/; SGLang's --mem-fraction-static is similar); the rest is for the CUDA
// context, NCCL buffers and CUDA graphs. Within that share the engine profiles a forward
// pass for activations (ACTIVATION_RESERVE) and fills what is left with KV cache; vLLM
// refuses to start when the KV cache cannot hold one sequence of the served length. So a
// plan must fit
//     weights + KV cache for DEFAULT_KV_CACHE_TOKENS <= GPUs x memory x (0.9 - 0.05),
// with weights = parameters x bytes per parameter and the KV cache per token
// 2 (K, V) x layers x KV heads x head dim x 2 bytes (BF16 cache). GPU memory is the
// marketed number, which is conservative for HBM parts that count GiB.
//
// The guide's rules on top: power-of-2 GPU counts, whole nodes when spanning nodes, and a
// model that fits one node stays on one node (tensor parallel only). Across nodes the
// plan is vLLM's (parallelism_scaling.md): TP = GPUs per node, PP = nodes.

import type { IGpuFacts, IModelFacts } from './catalog';
import { BYTES_PER_PARAMETER } from './catalog';
import type { IIssue } from './issues';
import { error, warning } from './issues';
import type { IDeploymentSpec } from './spec';

/** Share of each GPU's memory the engine may use (vLLM's default). */
export const GPU_MEMORY_UTILIZATION = 0.9;

/** Share of each GPU's memory kept for activations of the profiled forward pass. */
export const ACTIVATION_RESERVE = 0.05;

/** KV cache a plan must leave room for, in tokens: one long request or several short ones. */
export const DEFAULT_KV_CACHE_TOKENS = 32768;

/** Most nodes a plan considers. */
export const MAX_PLAN_NODES = 64;

/** How a model's memory compares with a set of GPUs. */
export interface IMemoryEstimate {
  weightGB: number;
  kvCacheGB: number;
  /** weights + KV cache. */
  requiredGB: number;
  /** What the engine can use of these GPUs after the activation reserve. */
  usableGB: number;
  fits: boolean;
}

/** A parallelism plan: what to put in the spec, and why. */
export interface IParallelismPlan {
  nodes: number;
  /** GPUs each pod requests (may be fewer than the node has, on a single node). */
  gpusPerNode: number;
  tensorParallel: number;
  pipelineParallel: number;
  totalGpus: number;
  memory: IMemoryEstimate;
  /** False when even MAX_PLAN_NODES nodes are too small (an error in `warnings`). */
  fits: boolean;
  /** The guide's rules that apply to this plan, as issues with reasons. */
  warnings: IIssue[];
}

/** Input of `planParallelism`. */
export interface IPlanRequest {
  model: IModelFacts;
  gpu: IGpuFacts;
  /** GPUs in each node. */
  gpusPerNode: number;
  /** KV cache to leave room for, in tokens (DEFAULT_KV_CACHE_TOKENS). */
  kvCacheTokens?: number;
}

/** Weights in GB: the checkpoint size when known, else parameters x bytes per parameter. */
export function weightGB(model: IModelFacts): number {
  return model.weightGB ?? model.parametersB * BYTES_PER_PARAMETER[model.dtype];
}

/** KV cache bytes per token (GQA formula with a BF16 cache, unless the model says otherwise). */
export function kvCacheBytesPerToken(model: IModelFacts): number {
  return (
    model.kvCacheBytesPerToken ??
    2 * model.layers * model.kvHeads * model.headDim * 2
  );
}

/** Memory needed by `model` against `gpus` GPUs of type `gpu`. */
export function estimateMemory(
  model: IModelFacts,
  gpu: IGpuFacts,
  gpus: number,
  kvCacheTokens: number = DEFAULT_KV_CACHE_TOKENS
): IMemoryEstimate {
  const tokens = Math.min(kvCacheTokens, model.contextLength ?? kvCacheTokens);
  const weights = weightGB(model);
  const kvCache = (kvCacheBytesPerToken(model) * tokens) / 1e9;
  const usable =
    gpus * gpu.memoryGB * (GPU_MEMORY_UTILIZATION - ACTIVATION_RESERVE);
  return {
    weightGB: weights,
    kvCacheGB: kvCache,
    requiredGB: weights + kvCache,
    usableGB: usable,
    fits: weights + kvCache <= usable
  };
}

/** True for 1, 2, 4, 8, ... */
export function isPowerOfTwo(value: number): boolean {
  return Number.isInteger(value) && value > 0 && (value & (value - 1)) === 0;
}

/**
 * Whether TP can split the model's attention: vLLM and SGLang shard attention heads
 * whole, so TP must divide them ("Total number of attention heads must be divisible by
 * tensor parallel size", vllm#2652); KV heads must divide evenly or be replicated evenly.
 */
export function tensorParallelFits(
  model: Pick<IModelFacts, 'attentionHeads' | 'kvHeads'>,
  tensorParallel: number
): boolean {
  const { attentionHeads, kvHeads } = model;
  return (
    attentionHeads % tensorParallel === 0 &&
    (kvHeads >= tensorParallel
      ? kvHeads % tensorParallel === 0
      : tensorParallel % kvHeads === 0)
  );
}

/** The id of the guide's power-of-2 GPU rule. */
export const NOT_POWER_OF_TWO = 'not-power-of-two';

/** The id of the guide's "attention heads divisible by TP" rule (also a diagnosis). */
export const HEADS_NOT_DIVISIBLE = 'heads-not-divisible';

/**
 * `not-power-of-two`, the guide's "power-of-2 GPUs" rule. The one place that issues it:
 * the form's validation and the sizing plan both call this.
 */
export function notPowerOfTwoIssue(
  nodes: number,
  gpusPerNode: number
): IIssue | undefined {
  const total = nodes * gpusPerNode;
  if (isPowerOfTwo(total)) {
    return undefined;
  }
  return warning(
    NOT_POWER_OF_TWO,
    `${nodes} node(s) x ${gpusPerNode} GPUs = ${total} GPUs, not a power of 2. The guide recommends 2, 4, 8, ... ` +
      'GPUs: it keeps the hardware topology simple, and attention heads must divide by the tensor parallel ' +
      'size (vllm#4232). Even if the model fits in fewer, round up (e.g. 6 -> 8).',
    'gpusPerNode'
  );
}

/** Power-of-2 tensor parallel sizes up to `limit` that divide `heads`. */
export function tensorParallelChoices(heads: number, limit: number): number[] {
  return powersOfTwoUpTo(limit).filter(size => heads % size === 0);
}

/** The explanation of `heads-not-divisible`, shared by validation, sizing and diagnosis. */
export function headsNotDivisibleText(
  attentionHeads: number | undefined,
  tensorParallel: number | undefined,
  kvHeads?: number
): string {
  const kv = kvHeads !== undefined ? ` (${kvHeads} KV heads)` : '';
  const what =
    attentionHeads !== undefined && tensorParallel !== undefined
      ? `Tensor parallel ${tensorParallel} does not divide the model's ${attentionHeads} attention heads${kv}`
      : "The tensor parallel size does not divide the model's attention heads";
  return (
    `${what}; the engines shard attention heads whole, so they refuse to start ("Total number of ` +
    'attention heads must be divisible by tensor parallel size").'
  );
}

/**
 * `heads-not-divisible`, the guide's "attention heads divisible by TP" rule, for a spec
 * (an error, with a fix) or a plan (a warning saying which TP the plan chose instead).
 */
export function headsNotDivisibleIssue(
  model: Pick<IModelFacts, 'attentionHeads' | 'kvHeads'>,
  tensorParallel: number,
  outcome:
    | { severity: 'error'; fix: Partial<IDeploymentSpec> }
    | {
        severity: 'warning';
        instead: { tensorParallel: number; pipelineParallel: number };
      }
): IIssue {
  const text = headsNotDivisibleText(
    model.attentionHeads,
    tensorParallel,
    model.kvHeads
  );
  if (outcome.severity === 'warning') {
    const { instead } = outcome;
    return warning(
      HEADS_NOT_DIVISIBLE,
      `${text} The plan uses TP ${instead.tensorParallel} x PP ${instead.pipelineParallel} instead.`,
      'tensorParallel'
    );
  }
  return error(
    HEADS_NOT_DIVISIBLE,
    `${text} Choose a TP that divides them, which power-of-2 GPU counts make easy.`,
    'tensorParallel',
    outcome.fix
  );
}

/**
 * The parallelism for a model on nodes of `gpusPerNode` GPUs of type `gpu`: the fewest
 * power-of-2 GPUs that hold it on one node, else the fewest power-of-2 number of whole
 * nodes, with TP = GPUs per node and PP = nodes (halving TP in favour of PP when the
 * attention heads do not divide).
 */
export function planParallelism(request: IPlanRequest): IParallelismPlan {
  const { model, gpu, gpusPerNode } = request;
  const tokens = request.kvCacheTokens ?? DEFAULT_KV_CACHE_TOKENS;
  const warnings: IIssue[] = [];
  const singleNodeCounts = [
    ...powersOfTwoUpTo(gpusPerNode),
    ...(isPowerOfTwo(gpusPerNode) ? [] : [gpusPerNode])
  ];
  let nodes = 1;
  let gpus = singleNodeCounts.find(
    count => estimateMemory(model, gpu, count, tokens).fits
  );
  let fits = gpus !== undefined;
  if (gpus === undefined) {
    const nodeCounts = powersOfTwoUpTo(MAX_PLAN_NODES).filter(
      count => count > 1
    );
    const found = nodeCounts.find(
      count => estimateMemory(model, gpu, count * gpusPerNode, tokens).fits
    );
    fits = found !== undefined;
    nodes = found ?? MAX_PLAN_NODES;
    gpus = gpusPerNode;
  }
  const totalGpus = nodes * gpus;
  let tensorParallel = gpus;
  while (tensorParallel > 1 && !tensorParallelFits(model, tensorParallel)) {
    tensorParallel = largestProperDivisor(tensorParallel);
  }
  const pipelineParallel = totalGpus / tensorParallel;
  const memory = estimateMemory(model, gpu, totalGpus, tokens);
  const describe = `${model.id} (${formatGB(memory.weightGB)} of weights)`;

  if (!fits) {
    warnings.push(
      error(
        'model-too-large',
        `${describe} needs ${formatGB(memory.requiredGB)} with a ${tokens}-token KV cache; even ` +
          `${MAX_PLAN_NODES} nodes of ${gpusPerNode} x ${gpu.type} (${formatGB(memory.usableGB)} usable) ` +
          'are not enough. Use a quantized variant or larger GPUs.'
      )
    );
  }
  if (nodes === 1 && fits) {
    warnings.push(
      fitsSingleNodeIssue(
        model,
        gpu,
        { gpusPerNode: gpus, tensorParallel, pipelineParallel },
        'plan'
      )
    );
  }
  const powerOfTwo = notPowerOfTwoIssue(nodes, gpus);
  if (powerOfTwo) {
    warnings.push(powerOfTwo);
  }
  if (tensorParallel !== gpus) {
    warnings.push(
      headsNotDivisibleIssue(model, gpus, {
        severity: 'warning',
        instead: { tensorParallel, pipelineParallel }
      })
    );
  }
  warnings.push(...pipelineIssues(model, pipelineParallel, 'warning'));
  return {
    nodes,
    gpusPerNode: gpus,
    tensorParallel,
    pipelineParallel,
    totalGpus,
    memory,
    fits,
    warnings
  };
}

/** The id of the guide's "a model that fits one node stays on one node" rule. */
export const FITS_SINGLE_NODE = 'fits-single-node';

/**
 * `fits-single-node` for a plan that keeps the model on one node, or for a spec that
 * spans nodes although `single` (a one-node plan) would hold it.
 */
export function fitsSingleNodeIssue(
  model: IModelFacts,
  gpu: IGpuFacts,
  single: Pick<
    IParallelismPlan,
    'gpusPerNode' | 'tensorParallel' | 'pipelineParallel'
  >,
  about: 'plan' | 'spec'
): IIssue {
  const { gpusPerNode, tensorParallel, pipelineParallel } = single;
  const describe = `${model.id} (${formatGB(weightGB(model))} of weights)`;
  const fix = { nodes: 1, gpusPerNode, tensorParallel, pipelineParallel };
  if (about === 'plan') {
    return warning(
      FITS_SINGLE_NODE,
      `${describe} fits on one node: ${gpusPerNode} x ${gpu.type} with tensor parallel ${tensorParallel}. ` +
        'Deploy it on 1 node; the guide says a model that fits one node must not span nodes, ' +
        'because splitting it across nodes trades NVLink/PCIe for the network, slows it down and ' +
        'can hang NCCL initialisation.',
      'nodes',
      fix
    );
  }
  return warning(
    FITS_SINGLE_NODE,
    `${describe} fits on a single node: ${gpusPerNode} x ` +
      `${gpu.type} with tensor parallel ${tensorParallel}. The guide's rule is that a model that fits ` +
      'one node must not span nodes: splitting it trades NVLink/PCIe for the network, is slower and can hang ' +
      'NCCL initialisation. ' +
      (/llama-3\.3-70b/i.test(model.id)
        ? "(The guide's own 2-node 70B examples show the multi-node mechanics; the guide itself notes that " +
          'Llama 3.3 70B fits 4 x L40S.) '
        : '') +
      `Deploy on 1 node with ${gpusPerNode} GPUs, or add replicas for more throughput.`,
    'nodes',
    fix
  );
}

/** `pp-exceeds-layers`: each pipeline stage needs at least one layer. */
export function pipelineIssues(
  model: Pick<IModelFacts, 'layers'>,
  pipelineParallel: number,
  severity: 'error' | 'warning'
): IIssue[] {
  if (pipelineParallel <= model.layers) {
    return [];
  }
  const make = severity === 'error' ? error : warning;
  return [
    make(
      'pp-exceeds-layers',
      `Pipeline parallel ${pipelineParallel} is more than the model's ${model.layers} layers; ` +
        'each pipeline stage needs at least one layer. Use fewer pipeline stages.',
      'pipelineParallel'
    )
  ];
}

/** The spec fields that apply a plan. */
export function specFieldsFromPlan(
  plan: IParallelismPlan
): Pick<
  IDeploymentSpec,
  'nodes' | 'gpusPerNode' | 'tensorParallel' | 'pipelineParallel'
> {
  return {
    nodes: plan.nodes,
    gpusPerNode: plan.gpusPerNode,
    tensorParallel: plan.tensorParallel,
    pipelineParallel: plan.pipelineParallel
  };
}

/** GB with one decimal, for messages. */
export function formatGB(value: number): string {
  return `${value.toFixed(1)} GB`;
}

function powersOfTwoUpTo(limit: number): number[] {
  const powers: number[] = [];
  for (let power = 1; power <= limit; power *= 2) {
    powers.push(power);
  }
  return powers;
}

function largestProperDivisor(value: number): number {
  for (let divisor = Math.floor(value / 2); divisor > 1; divisor--) {
    if (value % divisor === 0) {
      return divisor;
    }
  }
  return 1;
}
