// Field and cross-field validation of a deployment spec: every rule of the guide's NOTES
// that is not simply a default, each under a stable id with a message that says what is
// wrong, why (usually the guide's reason) and what to do.

import type { IGpuFacts, IModelFacts } from './catalog';
import { findGpu, GPU_CATALOG, MODEL_CATALOG } from './catalog';
import {
  hasDns1035Form,
  isDns1035Label,
  isDns1123Subdomain,
  lwsNameMaxLength,
  suggestDnsLabel
} from './dns1123';
import type { IEngine } from './engines';
import { ENGINE_NAMES, ENGINES, findEngine } from './engines';
import { parseImageReference } from './imageReference';
import type { IIssue } from './issues';
import { error, warning } from './issues';
import { specModelFacts } from './modelFacts';
import type { ISpecModelFacts } from './modelFacts';
import type { IClusterProfile } from './profiles';
import { PCAI_GEN1 } from './profiles';
import {
  ADDR_FAMILIES,
  ADDR_FAMILY_VARIABLE,
  DEFAULT_ADDR_FAMILY,
  RDMA_PARTS_TEXT
} from './rdma';
import { defaultServiceName, resolveSpec, tokenSecretName } from './resolve';
import { nonAsciiNote, shown } from './shownText';
import {
  estimateMemory,
  formatGB,
  headsNotDivisibleIssue,
  notPowerOfTwoIssue,
  pipelineIssues,
  planParallelism,
  fitsSingleNodeIssue,
  tensorParallelFits
} from './sizing';
import type { IDeploymentSpec, IResolvedSpec } from './spec';
import { fieldTypeIssues } from './specTypes';

/** Options of `validateSpec`. */
export interface IValidateOptions {
  /** Model catalog for sizing rules (the built-in one by default). */
  models?: readonly IModelFacts[];
  /** GPU catalog for sizing rules (the built-in one by default). */
  gpus?: readonly IGpuFacts[];
  /** KV cache budget for the memory rule, in tokens. */
  kvCacheTokens?: number;
}

/** NCCL_DEBUG levels NCCL knows (https://docs.nvidia.com/deeplearning/nccl/user-guide/docs/env.html). */
export const NCCL_DEBUG_LEVELS = ['VERSION', 'WARN', 'INFO', 'ABORT', 'TRACE'];

/** Environment variables that would put a Hugging Face token into the manifest. */
const TOKEN_VARIABLES = ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'HF_HUB_TOKEN'];

/** Variables the manifests set from spec fields. */
const GENERATED_VARIABLES: Record<string, string> = {
  HF_HOME: 'storage.mountPath',
  NCCL_DEBUG: 'ncclDebug',
  [ADDR_FAMILY_VARIABLE]: 'rdma.addrFamily'
};

/**
 * The longest model id or path accepted: Hugging Face ids have at most 96 characters, paths
 * under the model storage rarely more than a few hundred.
 */
const MODEL_MAX_LENGTH = 512;

/** The largest count Kubernetes stores (replicas, sizes and resource counts are int32). */
const INT32_MAX = 2_147_483_647;

/** Kubernetes' rule for environment variable names (C identifiers plus '-' and '.'). */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** What validation learnt about a spec: its issues and what the rules resolved on the way. */
export interface ISpecInspection {
  /** Errors and warnings; none means the spec is good to deploy. */
  issues: IIssue[];
  /**
   * The spec with every default filled in, whenever the engine and the counts can be read
   * (also with other errors): what advice, the preview and the manifests are built from.
   */
  resolved?: IResolvedSpec;
  /** The model's facts, when known from the catalog or `modelConfig`. */
  model: ISpecModelFacts;
  /** The resolved GPU type's catalog entry. */
  gpu?: IGpuFacts;
}

/**
 * Everything wrong with `spec` on the cluster described by `profile`: errors (the
 * deployment would be rejected or would not start) and warnings (it would start, against
 * the guide's advice). An empty list means the spec is good to deploy.
 */
export function validateSpec(
  spec: IDeploymentSpec,
  profile: IClusterProfile = PCAI_GEN1,
  options: IValidateOptions = {}
): IIssue[] {
  return inspectSpec(spec, profile, options).issues;
}

/**
 * Validation with what it resolved: the issues of {@link validateSpec}, the resolved spec,
 * the model's facts and the GPU. The one pass over a spec per edit; callers use its
 * `resolved` instead of resolving again.
 */
export function inspectSpec(
  spec: IDeploymentSpec,
  profile: IClusterProfile = PCAI_GEN1,
  options: IValidateOptions = {}
): ISpecInspection {
  const issues: IIssue[] = [];
  const engine = findEngine(spec.engine);
  if (!engine) {
    issues.push(
      error(
        'unknown-engine',
        spec.engine === undefined || spec.engine === null
          ? `No engine: set engine to one of ${ENGINE_NAMES.join(', ')}.`
          : `Unknown engine ${shown(spec.engine)}: use one of ${ENGINE_NAMES.join(', ')}.`,
        'engine'
      )
    );
  }
  // Fields of the wrong type (a hand-written `storage: 5`) stop the rules that would read them.
  const typeIssues = fieldTypeIssues(spec);
  issues.push(...typeIssues);
  checkModel(spec, issues);
  checkImage(spec, engine, issues);
  const countsValid = checkCounts(spec, issues);
  checkName(spec, countsValid, issues);
  const resolved =
    engine && typeIssues.length === 0 ? tryResolve(spec, profile) : undefined;
  const model = specModelFacts(spec, options.models ?? MODEL_CATALOG);
  const gpu =
    resolved?.gpuType !== undefined
      ? findGpu(resolved.gpuType, options.gpus ?? GPU_CATALOG)
      : undefined;
  const inspection: ISpecInspection = { issues, model };
  if (resolved) {
    inspection.resolved = resolved;
  }
  if (gpu) {
    inspection.gpu = gpu;
  }
  if (!engine || !countsValid || !resolved) {
    return inspection;
  }
  // A Service name derived from a bad deployment name is the same mistake: said once, on name.
  const nameWrong = issues.some(issue => issue.field === 'name');
  if (spec.serviceName !== undefined || !nameWrong) {
    checkServiceName(resolved, issues);
  }
  checkGpus(resolved, engine, profile, issues);
  checkPorts(resolved, engine, issues);
  checkRdma(resolved, profile, issues);
  checkNcclDebug(resolved, issues);
  checkStorageAndToken(resolved, issues);
  checkEnv(resolved, issues);
  checkEngineArgs(spec, engine, issues);
  issues.push(...engine.checkSpec(spec, resolved));
  checkSizing(resolved, model, gpu, profile, options, issues);
  return inspection;
}

/**
 * The resolved spec when its counts can be read (whole numbers, `nodes` given), even where
 * the rules reject them (a zero, a port out of range): the form still shows what it can.
 */
function tryResolve(
  spec: IDeploymentSpec,
  profile: IClusterProfile
): IResolvedSpec | undefined {
  const counts = [
    spec.nodes,
    spec.gpusPerNode,
    spec.tensorParallel,
    spec.pipelineParallel,
    spec.replicas
  ];
  if (
    typeof spec.nodes !== 'number' ||
    counts.some(
      value =>
        value !== undefined &&
        (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    )
  ) {
    return undefined;
  }
  try {
    return resolveSpec(spec, profile);
  } catch {
    return undefined;
  }
}

function checkModel(spec: IDeploymentSpec, issues: IIssue[]): void {
  const model: unknown = spec.model;
  if (model !== undefined && model !== null && typeof model !== 'string') {
    return; // an invalid-type error already
  }
  if (typeof spec.model !== 'string' || spec.model.trim() === '') {
    issues.push(
      error(
        'empty-model',
        'No model: set `model` to a Hugging Face id such as meta-llama/Llama-3.3-70B-Instruct ' +
          '(downloaded into the models PVC beforehand, as the guide recommends).',
        'model'
      )
    );
  } else if (/\s/.test(spec.model)) {
    issues.push(
      error(
        'invalid-model',
        `Model ${shown(spec.model)} contains white space; a Hugging Face id looks like org/name.`,
        'model'
      )
    );
  } else if (spec.model.length > MODEL_MAX_LENGTH) {
    issues.push(
      error(
        'invalid-model',
        `Model ${shown(spec.model)} is longer than the ${MODEL_MAX_LENGTH} characters a model id or path may have.`,
        'model'
      )
    );
  } else if (spec.model.split('/').includes('..')) {
    issues.push(
      error(
        'invalid-model',
        `Model ${shown(spec.model)} climbs out of its directory with "..": use a Hugging Face id (org/name) ` +
          'or a path inside the model storage, e.g. /models/my-model.',
        'model'
      )
    );
  } else if (spec.model.startsWith('-')) {
    issues.push(
      error(
        'invalid-model',
        `Model ${shown(spec.model)} starts with "-", so the engine would read it as an option; ` +
          'a Hugging Face id looks like org/name.',
        'model'
      )
    );
  }
}

function checkImage(
  spec: IDeploymentSpec,
  engine: IEngine | undefined,
  issues: IIssue[]
): void {
  if (spec.image === undefined || spec.image === null || spec.image === '') {
    return;
  }
  if (typeof spec.image !== 'string') {
    return; // an invalid-type error already
  }
  if (parseImageReference(spec.image) === undefined) {
    issues.push(
      error(
        'invalid-image',
        `${shown(spec.image)} is not a valid image reference; expected [registry/]repository[:tag][@digest] ` +
          `in lowercase, e.g. ${engine?.defaultImage ?? 'vllm/vllm-openai:v0.10.2'}.`,
        'image'
      )
    );
    return;
  }
  const other = Object.values(ENGINES).find(
    candidate =>
      candidate !== engine &&
      candidate.recognizes(spec.image as string, []) &&
      !(engine?.recognizes(spec.image as string, []) ?? false)
  );
  if (engine && other) {
    issues.push(
      warning(
        'image-engine-mismatch',
        `The image ${shown(spec.image)} looks like ${other.label}, but the engine is ${engine.label}; ` +
          `the pods would run ${engine.label}'s command in it. Use a ${engine.label} image or engine: ${other.name}.`,
        'image'
      )
    );
  }
}

/** Checks the numeric fields; returns whether the cross-field rules can use them. */
function checkCounts(spec: IDeploymentSpec, issues: IIssue[]): boolean {
  let valid = true;
  const requireInteger = (
    field: keyof IDeploymentSpec,
    minimum: number,
    optional: boolean,
    meaning: string
  ) => {
    const value = spec[field];
    if (value === undefined && optional) {
      return;
    }
    if (
      typeof value !== 'number' ||
      !Number.isInteger(value) ||
      value < minimum ||
      value > INT32_MAX
    ) {
      valid = false;
      issues.push(
        error(
          'invalid-number',
          value === undefined
            ? `${field} is missing: a whole number of at least ${minimum} (${meaning}).`
            : `${field} must be a whole number from ${minimum} to ${INT32_MAX} (${meaning}); got ${shown(value)}.` +
                (typeof value === 'string' ? nonAsciiNote(value) : ''),
          field
        )
      );
    }
  };
  requireInteger('nodes', 1, false, 'pods per group, one per node');
  requireInteger('gpusPerNode', 1, true, 'GPUs each pod requests');
  requireInteger('tensorParallel', 1, true, 'tensor parallel size');
  requireInteger('pipelineParallel', 1, true, 'pipeline parallel size');
  requireInteger('replicas', 0, true, 'number of groups');
  for (const field of ['port', 'distPort'] as const) {
    const value = spec[field];
    if (
      value !== undefined &&
      (typeof value !== 'number' ||
        !Number.isInteger(value) ||
        value < 1 ||
        value > 65535)
    ) {
      valid = false;
      issues.push(
        error(
          'invalid-port',
          `${field} must be a port number from 1 to 65535; got ${shown(value)}.`,
          field
        )
      );
    }
  }
  return valid;
}

function checkName(
  spec: IDeploymentSpec,
  countsValid: boolean,
  issues: IIssue[]
): void {
  const given: unknown = spec.name;
  if (given !== undefined && given !== null && typeof given !== 'string') {
    return; // an invalid-type error already
  }
  const name = typeof spec.name === 'string' ? spec.name : '';
  const replicas = countsValid ? (spec.replicas ?? 1) : 1;
  const maxLength = lwsNameMaxLength(replicas);
  if (name === '') {
    issues.push(
      error(
        'invalid-name',
        'No name: the LeaderWorkerSet needs a name of lowercase letters, digits and "-", starting with a letter.',
        'name'
      )
    );
    return;
  }
  // A name of the right characters that is only too long gets name-too-long below.
  if (!hasDns1035Form(name)) {
    const suggestion = suggestDnsLabel(name, maxLength);
    issues.push(
      error(
        'invalid-name',
        `${shown(name)} is not a valid LWS name: use lowercase letters, digits and "-", start with a letter and ` +
          'end with a letter or digit (a DNS-1035 label: LWS names its headless Service and pods after it).' +
          nonAsciiNote(name) +
          (suggestion ? ` For example "${suggestion}".` : ''),
        'name',
        suggestion ? { name: suggestion } : undefined
      )
    );
    return;
  }
  if (name.length > maxLength) {
    const shorter = name.slice(0, maxLength).replace(/-+$/, '');
    issues.push(
      error(
        'name-too-long',
        `${shown(name)} has ${name.length} characters; with ${replicas} replica(s) an LWS name may have at most ` +
          `${maxLength}, because the worker pods' StatefulSet (<name>-<group>) and its revision label ` +
          `(<name>-<group>-<hash>) must fit Kubernetes' 63-character limit, or the workers never start. ` +
          `Shorten it, e.g. "${shorter}".`,
        'name',
        { name: shorter }
      )
    );
  }
}

function checkServiceName(resolved: IResolvedSpec, issues: IIssue[]): void {
  const serviceName = resolved.serviceName;
  if (serviceName === resolved.name) {
    issues.push(
      error(
        'service-name-collision',
        `The Service name ${shown(serviceName)} is the LWS's own name. LWS creates a headless Service with ` +
          'that name, through which the pods find each other (NCCL connects to <pod>.<lws-name>.<namespace>); ' +
          "taking the name breaks that name resolution and NCCL initialisation fails (the guide's NOTES). " +
          `Use another name, e.g. ${shown(defaultServiceName(resolved.name))}.`,
        'serviceName',
        { serviceName: defaultServiceName(resolved.name) }
      )
    );
  } else if (!isDns1035Label(serviceName)) {
    const suggestion = suggestDnsLabel(serviceName, 63);
    issues.push(
      error(
        'invalid-service-name',
        `${shown(serviceName)} is not a valid Service name: lowercase letters, digits and "-", starting with a ` +
          'letter, at most 63 characters.' +
          nonAsciiNote(serviceName) +
          (suggestion ? ` For example "${suggestion}".` : ''),
        'serviceName',
        suggestion ? { serviceName: suggestion } : undefined
      )
    );
  }
}

function checkGpus(
  resolved: IResolvedSpec,
  engine: IEngine,
  profile: IClusterProfile,
  issues: IIssue[]
): void {
  const { nodes, gpusPerNode, tensorParallel, pipelineParallel } = resolved;
  const total = nodes * gpusPerNode;
  const capacity = profile.gpusPerNode;
  if (gpusPerNode > capacity) {
    issues.push(
      error(
        'exceeds-node-gpus',
        `Each pod asks for ${gpusPerNode} GPUs but the nodes of "${profile.label}" have ${capacity}; ` +
          'the pods would stay Pending. Use more nodes with fewer GPUs each, or fix the cluster profile.',
        'gpusPerNode'
      )
    );
  }
  const powerOfTwo = notPowerOfTwoIssue(nodes, gpusPerNode);
  if (powerOfTwo) {
    issues.push(powerOfTwo);
  }
  if (nodes > 1 && gpusPerNode < capacity) {
    const wholeNodes = total % capacity === 0 ? total / capacity : nodes;
    issues.push(
      warning(
        'partial-node',
        `The deployment spans ${nodes} nodes but uses only ${gpusPerNode} of the ${capacity} GPUs in each. ` +
          'The guide says to avoid multi-node serving with partial GPU use: the scheduler ignores the hardware ' +
          'topology, inter-node traffic slows it down, and NCCL initialisation can hang. Use whole nodes.',
        'gpusPerNode',
        {
          nodes: wholeNodes,
          gpusPerNode: capacity,
          tensorParallel: capacity,
          pipelineParallel: wholeNodes
        }
      )
    );
  }
  if (tensorParallel * pipelineParallel !== total) {
    const meaning =
      engine.name === 'vllm'
        ? "vLLM's tensor parallel size is per pipeline stage"
        : "SGLang's --tp counts GPUs across all nodes unless --pipeline-parallel-size splits them into stages";
    issues.push(
      error(
        'parallelism-mismatch',
        `Tensor parallel ${tensorParallel} x pipeline parallel ${pipelineParallel} = ` +
          `${tensorParallel * pipelineParallel}, but the deployment has ${nodes} x ${gpusPerNode} = ${total} GPUs ` +
          `(${meaning}). The usual plan is TP = GPUs per node (${gpusPerNode}) and PP = nodes (${nodes}).`,
        'tensorParallel',
        { tensorParallel: gpusPerNode, pipelineParallel: nodes }
      )
    );
  } else if (nodes > 1 && tensorParallel > gpusPerNode) {
    issues.push(
      warning(
        'tp-spans-nodes',
        `Tensor parallel ${tensorParallel} is more than the ${gpusPerNode} GPUs of one pod, so every layer ` +
          'exchanges activations over the network. Keep TP inside a node and split nodes by pipeline ' +
          `parallelism: TP ${gpusPerNode} x PP ${nodes}.`,
        'tensorParallel',
        { tensorParallel: gpusPerNode, pipelineParallel: nodes }
      )
    );
  }
}

function checkPorts(
  resolved: IResolvedSpec,
  engine: IEngine,
  issues: IIssue[]
): void {
  const reserved = engine.reservedPorts(resolved);
  const clash = reserved.find(entry => entry.port === resolved.port);
  if (clash) {
    issues.push(
      error(
        'port-clash',
        `Port ${resolved.port} is also used by ${clash.purpose}; the engine could not bind its API there. ` +
          `Pick another port (the ${engine.label} default is ${engine.defaultPort}).`,
        'port'
      )
    );
  }
  const highest = Math.max(...reserved.map(entry => entry.port));
  if (highest > 65535) {
    issues.push(
      error(
        'invalid-port',
        `${engine.label} also binds the ports after its dist-init port ${resolved.distPort}, up to ${highest}, ` +
          'past the last port 65535. Use a lower distPort.',
        'distPort'
      )
    );
  }
}

function checkRdma(
  resolved: IResolvedSpec,
  profile: IClusterProfile,
  issues: IIssue[]
): void {
  const rdma = resolved.rdma;
  if (!rdma) {
    if (resolved.nodes > 1) {
      issues.push(
        warning(
          'rdma-off',
          'The deployment spans nodes without GPUDirect RDMA, so NCCL falls back to TCP sockets (NET/Socket ' +
            'in the NCCL_DEBUG log) and serving is much slower. The guide treats RDMA as mandatory for ' +
            `multi-node serving: turn on rdma (${RDMA_PARTS_TEXT}).`,
          'rdma',
          profile.rdma ? { rdma: true } : undefined
        )
      );
    }
    return;
  }
  if (rdma.networks.length === 0 || Object.keys(rdma.resources).length === 0) {
    issues.push(
      error(
        'rdma-incomplete',
        'RDMA is on but ' +
          (rdma.networks.length === 0
            ? 'no networks are'
            : 'no RDMA device resources are') +
          ' given, and the cluster profile has none. GPUDirect RDMA needs both the network annotation ' +
          '(e.g. nvidia-network-operator/nv-ipam-macvlannetwork-a) and the devices ' +
          '(e.g. rdma/rdma_shared_device_a: 1); without either NCCL falls back to sockets.',
        rdma.networks.length === 0 ? 'rdma.networks' : 'rdma.resources'
      )
    );
  }
  for (const network of rdma.networks) {
    const [namespace, name] = network.includes('/')
      ? network.split('/', 2)
      : [undefined, network];
    const attachment = name.split('@')[0];
    if (
      (namespace !== undefined && !isDns1123Subdomain(namespace)) ||
      !isDns1123Subdomain(attachment)
    ) {
      issues.push(
        error(
          'invalid-rdma-network',
          `${shown(network)} is not a network attachment reference; expected <namespace>/<name>, ` +
            'e.g. nvidia-network-operator/nv-ipam-macvlannetwork-a.',
          'rdma.networks'
        )
      );
    }
  }
  for (const [resource, count] of Object.entries(rdma.resources)) {
    if (!/^[a-z0-9.-]+\/[A-Za-z0-9_.-]+$/.test(resource)) {
      issues.push(
        error(
          'invalid-rdma-resource',
          `${shown(resource)} is not an extended resource name; expected <domain>/<name>, e.g. rdma/rdma_shared_device_a.`,
          'rdma.resources'
        )
      );
    }
    if (!Number.isInteger(count) || count < 1) {
      issues.push(
        error(
          'invalid-rdma-resource',
          `${shown(resource)} must be a whole number of devices (at least 1); got ${shown(count)}.`,
          'rdma.resources'
        )
      );
    }
  }
  if (!(ADDR_FAMILIES as readonly string[]).includes(rdma.addrFamily)) {
    issues.push(
      error(
        'invalid-addr-family',
        `${ADDR_FAMILY_VARIABLE} must be AF_INET or AF_INET6; got ${shown(rdma.addrFamily)}. PCAI assigns IPv6 ` +
          'addresses to the RDMA networks, so AF_INET6.',
        'rdma.addrFamily',
        { rdma: { ...rdma, addrFamily: DEFAULT_ADDR_FAMILY } }
      )
    );
  }
}

function checkNcclDebug(resolved: IResolvedSpec, issues: IIssue[]): void {
  const level = resolved.ncclDebug;
  if (level !== undefined && !NCCL_DEBUG_LEVELS.includes(level.toUpperCase())) {
    issues.push(
      error(
        'invalid-nccl-debug',
        `NCCL_DEBUG ${shown(level)} is not one of ${NCCL_DEBUG_LEVELS.join(', ')}. The guide uses INFO while ` +
          'debugging (look for NET/IB/GDRDMA rather than NET/Socket) and removes it once healthy.',
        'ncclDebug',
        { ncclDebug: 'INFO' }
      )
    );
  }
}

function checkStorageAndToken(resolved: IResolvedSpec, issues: IIssue[]): void {
  const storage = resolved.storage;
  if (storage) {
    if (!isDns1123Subdomain(storage.pvc)) {
      issues.push(
        error(
          'invalid-pvc-name',
          `${shown(storage.pvc)} is not a valid PVC name (lowercase letters, digits, "-" and "."). PCAI creates ` +
            'models-pvc in every user namespace.',
          'storage.pvc'
        )
      );
    }
    if (
      !storage.mountPath.startsWith('/') ||
      storage.mountPath === '/' ||
      storage.mountPath.startsWith('/dev/shm')
    ) {
      issues.push(
        error(
          'invalid-mount-path',
          `Mount path ${shown(storage.mountPath)} must be an absolute directory other than / and /dev/shm; ` +
            'it becomes HF_HOME (the guide uses /models).',
          'storage.mountPath'
        )
      );
    }
  }
  if (
    resolved.hfTokenSecret !== undefined &&
    !isDns1123Subdomain(resolved.hfTokenSecret)
  ) {
    issues.push(
      error(
        'invalid-secret-name',
        `${shown(resolved.hfTokenSecret)} is not a valid Secret name (lowercase letters, digits, "-" and ".").`,
        'hfTokenSecret'
      )
    );
  }
}

function checkEnv(resolved: IResolvedSpec, issues: IIssue[]): void {
  // The env's type is checked with the other fields' (specTypes.ts).
  for (const name of Object.keys(resolved.env)) {
    if (!ENV_NAME.test(name)) {
      issues.push(
        error(
          'invalid-env-name',
          `${shown(name)} is not a valid environment variable name (letters, digits, "_", "-", ".", not starting with a digit).`,
          `env.${name.slice(0, 256)}`
        )
      );
    } else if (TOKEN_VARIABLES.includes(name)) {
      issues.push(
        error(
          'token-in-spec',
          `env.${name} would write the Hugging Face token into the manifest, where anyone who can read the ` +
            'LeaderWorkerSet sees it. Put the token in a Secret (key "token") and name it in hfTokenSecret.',
          `env.${name}`,
          { hfTokenSecret: tokenSecretName() }
        )
      );
    } else if (name in GENERATED_VARIABLES) {
      issues.push(
        warning(
          'env-overrides-generated',
          `env.${name} replaces the value the manifests derive from ${GENERATED_VARIABLES[name]}; ` +
            `set ${GENERATED_VARIABLES[name]} instead so the rest of the deployment stays consistent.`,
          `env.${name}`
        )
      );
    }
  }
}

function checkEngineArgs(
  spec: IDeploymentSpec,
  engine: IEngine,
  issues: IIssue[]
): void {
  for (const field of ['engineArgs', 'leaderArgs', 'workerArgs'] as const) {
    const args = spec[field];
    // Not a list: an invalid-engine-args error of specTypes.ts, and not resolved.
    if (!Array.isArray(args)) {
      continue;
    }
    for (const arg of args.map(String)) {
      const flag = arg.split('=')[0];
      if (engine.generatedFlags.includes(flag)) {
        issues.push(
          warning(
            'engine-args-override',
            `${field} repeats ${flag}, which the manifests already set from the spec (model, parallelism, ` +
              'ports, node rank); the engine would get it twice and the Service or probe could point at the ' +
              'wrong place. Set the spec field instead.',
            field
          )
        );
      }
    }
  }
}

function checkSizing(
  resolved: IResolvedSpec,
  modelFacts: ISpecModelFacts,
  gpu: IGpuFacts | undefined,
  profile: IClusterProfile,
  options: IValidateOptions,
  issues: IIssue[]
): void {
  const facts = modelFacts.known;
  if (resolved.gpuType !== undefined && !gpu) {
    issues.push(
      warning(
        'unknown-gpu-type',
        `GPU type ${shown(resolved.gpuType)} is not in the catalog (${GPU_CATALOG.map(entry => entry.type).join(', ')}), ` +
          'so there is no memory advice.',
        'gpuType'
      )
    );
  }
  if (!facts) {
    return;
  }
  const { tensorParallel, pipelineParallel, nodes, gpusPerNode } = resolved;
  const total = nodes * gpusPerNode;
  if (
    facts.attentionHeads !== undefined &&
    !tensorParallelFits(
      {
        attentionHeads: facts.attentionHeads,
        kvHeads: facts.kvHeads ?? facts.attentionHeads
      },
      tensorParallel
    )
  ) {
    const heads = {
      attentionHeads: facts.attentionHeads,
      kvHeads: facts.kvHeads ?? facts.attentionHeads
    };
    let suggested = tensorParallel;
    while (
      suggested > 1 &&
      (!tensorParallelFits(heads, suggested) || total % suggested !== 0)
    ) {
      suggested -= 1;
    }
    issues.push(
      headsNotDivisibleIssue(heads, tensorParallel, {
        severity: 'error',
        fix: { tensorParallel: suggested, pipelineParallel: total / suggested }
      })
    );
  }
  if (facts.layers !== undefined) {
    issues.push(
      ...pipelineIssues({ layers: facts.layers }, pipelineParallel, 'error')
    );
  }
  const model = modelFacts.complete;
  if (!model || !gpu) {
    return;
  }
  const memory = estimateMemory(model, gpu, total, options.kvCacheTokens);
  if (memory.weightGB > memory.usableGB) {
    issues.push(
      error(
        'insufficient-memory',
        `${model.id} has ${formatGB(memory.weightGB)} of weights but ${total} x ${gpu.type} leave ` +
          `${formatGB(memory.usableGB)} for the engine; it cannot load. Use more GPUs or a quantized variant.`,
        'nodes'
      )
    );
  } else if (!memory.fits) {
    issues.push(
      warning(
        'small-kv-cache',
        `${model.id} fits in ${total} x ${gpu.type}, but leaves ${formatGB(memory.usableGB - memory.weightGB)} ` +
          `for the KV cache, less than the ${formatGB(memory.kvCacheGB)} of a long request; expect ` +
          '"max seq len is larger than the maximum number of tokens" errors unless you lower --max-model-len.',
        'nodes'
      )
    );
  }
  if (nodes > 1) {
    const plan = planParallelism({
      model,
      gpu,
      gpusPerNode: profile.gpusPerNode,
      kvCacheTokens: options.kvCacheTokens
    });
    if (plan.fits && plan.nodes === 1) {
      issues.push(fitsSingleNodeIssue(model, gpu, plan, 'spec'));
    }
  }
}
