// Spec -> resolved spec: every default filled in from the engine and the cluster profile.
// The one place that resolves; validation returns its result, and advice, the preview and
// the manifests use that instead of resolving again.

import { findEngine } from './engines';
import type { IClusterProfile } from './profiles';
import { DEFAULT_STORAGE, PCAI_GEN1 } from './profiles';
import { NO_RDMA_SETTINGS } from './rdma';
import type {
  IDeploymentSpec,
  IRdmaSettings,
  IResolvedSpec,
  IStorageSettings
} from './spec';
import { SPEC_FIELDS } from './spec';

/** The Service name derived from the LWS name; never equal to it (the guide's NOTES). */
export function defaultServiceName(name: string): string {
  return `${name}-leader`;
}

/**
 * The name of a Secret holding the HF token (key `token`): `<name>-hf-token` for the token
 * typed into the new-deployment form, `hf-token` for the one shared by downloads and specs.
 */
export function tokenSecretName(deploymentName?: string): string {
  return deploymentName ? `${deploymentName}-hf-token` : 'hf-token';
}

/**
 * The spec with all defaults filled in from the engine and `profile`.
 *
 * Throws for an engine it does not know; run `validateSpec` first, which reports that
 * (and every other problem) as issues.
 */
export function resolveSpec(
  spec: IDeploymentSpec,
  profile: IClusterProfile = PCAI_GEN1
): IResolvedSpec {
  const engine = findEngine(spec.engine);
  if (!engine) {
    throw new Error(`unknown engine "${String(spec.engine)}"`);
  }
  const nodes = spec.nodes ?? 1;
  const gpusPerNode = spec.gpusPerNode ?? profile.gpusPerNode;
  const parallelism = resolveParallelism(spec, nodes, gpusPerNode);
  const image =
    nonEmpty(spec.image) ??
    profile.images?.[engine.name] ??
    engine.defaultImage;
  const port = spec.port ?? engine.defaultPort;
  const resolved: IResolvedSpec = {
    name: spec.name,
    engine: engine.name,
    image,
    model: spec.model,
    nodes,
    gpusPerNode,
    tensorParallel: parallelism.tensorParallel,
    pipelineParallel: parallelism.pipelineParallel,
    replicas: spec.replicas ?? 1,
    port,
    serviceName: nonEmpty(spec.serviceName) ?? defaultServiceName(spec.name),
    engineArgs: stringList(spec.engineArgs),
    leaderArgs: stringList(spec.leaderArgs),
    workerArgs: stringList(spec.workerArgs),
    // A Hub mirror of the profile reaches the engines too (a model not yet in the volume);
    // the spec's own env wins.
    env: {
      ...(profile.hfEndpoint ? { HF_ENDPOINT: profile.hfEndpoint } : {}),
      ...stringMap(spec.env)
    },
    trustRemoteCode: spec.trustRemoteCode === true
  };
  const gpuType = nonEmpty(spec.gpuType) ?? profile.gpuType;
  if (gpuType !== undefined) {
    resolved.gpuType = gpuType;
  }
  const rdma = resolveRdma(spec.rdma, profile);
  if (rdma) {
    resolved.rdma = rdma;
  }
  const ncclDebug = resolveNcclDebug(spec.ncclDebug);
  if (ncclDebug !== undefined) {
    resolved.ncclDebug = ncclDebug;
  }
  const storage = resolveStorage(spec.storage, profile);
  if (storage) {
    resolved.storage = storage;
  }
  const hfTokenSecret = nonEmpty(spec.hfTokenSecret);
  if (hfTokenSecret !== undefined) {
    resolved.hfTokenSecret = hfTokenSecret;
  }
  if (spec.modelConfig) {
    resolved.modelConfig = spec.modelConfig;
  }
  Object.assign(resolved, engine.resolveEngineFields(spec, resolved));
  return inFieldOrder(resolved);
}

/**
 * A spec that renders the same manifests whatever profile the reader uses: the fields the
 * profile defaulted (image, GPUs, RDMA, storage) written out, for `jupyterlab-lws render`
 * and for files exported to the workspace.
 *
 * #### Notes
 * A profile without a GPU type cannot be written out (an absent gpuType means "the
 * reader's profile's"); that only changes the sizing advice, never the manifests' objects.
 */
export function selfContainedSpec(
  spec: IDeploymentSpec,
  profile: IClusterProfile
): IDeploymentSpec {
  const result: IDeploymentSpec = { ...spec };
  const image =
    nonEmpty(spec.image) ??
    (spec.engine ? profile.images?.[spec.engine] : undefined);
  if (image !== undefined) {
    result.image = image;
  }
  if (result.gpusPerNode === undefined) {
    result.gpusPerNode = profile.gpusPerNode;
  }
  const gpuType = nonEmpty(spec.gpuType) ?? profile.gpuType;
  if (gpuType !== undefined) {
    result.gpuType = gpuType;
  }
  if (spec.rdma === true || (spec.rdma && typeof spec.rdma === 'object')) {
    result.rdma = resolveRdma(spec.rdma, profile);
  }
  if (spec.storage !== false && spec.storage !== null) {
    result.storage = resolveStorage(spec.storage, profile);
  }
  return result;
}

/**
 * The spec as it will be deployed when the user typed a token: the Secret it goes into is
 * named in the spec (the form's, or `<name>-hf-token` as buildManifests names it), so the
 * preview shows the reference the pods get.
 */
export function withTokenSecret(
  spec: IDeploymentSpec,
  hasToken: boolean
): IDeploymentSpec {
  if (!hasToken || nonEmpty(spec.hfTokenSecret) !== undefined) {
    return spec;
  }
  return { ...spec, hfTokenSecret: tokenSecretName(spec.name) };
}

/** `spec` with its keys in the order of SPEC_FIELDS, so serialised specs read alike. */
function inFieldOrder<T extends object>(spec: T): T {
  const ordered: Record<string, unknown> = {};
  for (const field of SPEC_FIELDS) {
    if (field in spec) {
      ordered[field] = (spec as Record<string, unknown>)[field];
    }
  }
  return ordered as T;
}

/**
 * Tensor and pipeline parallel sizes: the ones given, or the plan of vLLM's
 * parallelism_scaling guide that the PCAI guide also uses for SGLang (TP = GPUs per node,
 * PP = nodes). With one of them given, the other makes TP x PP use every GPU.
 */
function resolveParallelism(
  spec: IDeploymentSpec,
  nodes: number,
  gpusPerNode: number
): { tensorParallel: number; pipelineParallel: number } {
  const total = nodes * gpusPerNode;
  const tp = spec.tensorParallel;
  const pp = spec.pipelineParallel;
  if (tp !== undefined && pp !== undefined) {
    return { tensorParallel: tp, pipelineParallel: pp };
  }
  if (tp !== undefined) {
    return {
      tensorParallel: tp,
      pipelineParallel: tp > 0 && total % tp === 0 ? total / tp : 1
    };
  }
  if (pp !== undefined) {
    return {
      tensorParallel: pp > 0 && total % pp === 0 ? total / pp : gpusPerNode,
      pipelineParallel: pp
    };
  }
  return { tensorParallel: gpusPerNode, pipelineParallel: nodes };
}

function resolveRdma(
  rdma: IDeploymentSpec['rdma'],
  profile: IClusterProfile
): IRdmaSettings | undefined {
  if (rdma === undefined || rdma === null || rdma === false) {
    return undefined;
  }
  const fromProfile: IRdmaSettings = profile.rdma ?? NO_RDMA_SETTINGS;
  if (rdma === true) {
    return {
      networks: [...fromProfile.networks],
      resources: { ...fromProfile.resources },
      addrFamily: fromProfile.addrFamily
    };
  }
  return {
    networks: [...(rdma.networks ?? fromProfile.networks)],
    resources: { ...(rdma.resources ?? fromProfile.resources) },
    addrFamily: rdma.addrFamily ?? fromProfile.addrFamily
  };
}

function resolveNcclDebug(
  value: IDeploymentSpec['ncclDebug']
): string | undefined {
  if (value === true) {
    return 'INFO';
  }
  if (typeof value === 'string' && value !== '') {
    return value;
  }
  return undefined;
}

function resolveStorage(
  storage: IDeploymentSpec['storage'],
  profile: IClusterProfile
): IStorageSettings | undefined {
  if (storage === false || storage === null) {
    return undefined;
  }
  const fromProfile = profile.storage ?? DEFAULT_STORAGE;
  return {
    pvc: nonEmpty(storage?.pvc) ?? fromProfile.pvc,
    mountPath: nonEmpty(storage?.mountPath) ?? fromProfile.mountPath
  };
}

function nonEmpty(value: string | undefined | null): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function stringList(values: unknown): string[] {
  return Array.isArray(values) ? values.map(value => String(value)) : [];
}

function stringMap(values: unknown): Record<string, string> {
  if (values === null || typeof values !== 'object' || Array.isArray(values)) {
    return {};
  }
  const map: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    map[key] = String(value);
  }
  return map;
}
