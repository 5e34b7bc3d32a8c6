import type { IModelFacts } from './catalog';
import { findEngine } from './engines';
import type { IIssue } from './issues';
import { warning } from './issues';
import type { IClusterProfile } from './profiles';
import { PCAI_GEN1 } from './profiles';

/** The serving engines the extension can deploy. */
export type EngineName = 'sglang' | 'vllm';

/**
 * How vLLM starts on several nodes: through Ray (`multi-node-serving.sh`, images up to
 * v0.11), natively (`vllm serve --nnodes --node-rank --master-addr`, newer images), or
 * chosen from the image tag.
 */
export type VllmMode = 'auto' | 'ray' | 'native';

/** GPUDirect RDMA wiring (the guide's NOTES): all of it is on, or none of it. */
export interface IRdmaSettings {
  /** Multus networks for the `k8s.v1.cni.cncf.io/networks` annotation. */
  networks: string[];
  /** RDMA device resources per pod, e.g. `{rdma/rdma_shared_device_a: 1}`. */
  resources: Record<string, number>;
  /** NCCL_IB_ADDR_FAMILY; PCAI allocates IPv6 addresses for RDMA (AF_INET6). */
  addrFamily: string;
}

/** The PVC holding downloaded models, mounted at `mountPath` which becomes HF_HOME. */
export interface IStorageSettings {
  pvc: string;
  mountPath: string;
}

/**
 * A deployment as the user describes it: the public format of DESIGN.md section 3, written
 * by hand (YAML or JSON), edited by the form and rendered by the CLI. Optional fields take
 * their defaults from the engine and the cluster profile (see `resolveSpec`).
 */
export interface IDeploymentSpec {
  /** LWS name: a DNS-1035 label short enough for the pod names derived from it. */
  name: string;
  engine: EngineName;
  image?: string;
  /** Hugging Face model id (or a path under the model storage). */
  model: string;
  /** Pods per group (LWS size): one per node. */
  nodes: number;
  gpusPerNode?: number;
  gpuType?: string;
  tensorParallel?: number;
  pipelineParallel?: number;
  /** Groups (LWS replicas), each serving the whole model. */
  replicas?: number;
  /** The API port of the leader (and of the Service). */
  port?: number;
  /** SGLang: port of `--dist-init-addr` (guide: port + 1); vLLM native: `--master-port`. */
  distPort?: number;
  /** Name of the leader's API Service; must differ from `name` (the guide's NOTES). */
  serviceName?: string;
  /** `true`: the profile's RDMA settings; an object: those, completed from the profile. */
  rdma?: Partial<IRdmaSettings> | boolean | null;
  /** NCCL_DEBUG level (INFO while debugging; remove once healthy); `true` means INFO. */
  ncclDebug?: string | boolean | null;
  /** Omitted: the profile's PVC; `false`: no PVC (the engine downloads at start). */
  storage?: Partial<IStorageSettings> | false | null;
  /** Name of a Secret whose key `token` holds the Hugging Face token. */
  hfTokenSecret?: string;
  /** Extra engine arguments for every pod. */
  engineArgs?: string[];
  /** Extra engine arguments for the leader only. */
  leaderArgs?: string[];
  /** Extra engine arguments for the workers only (SGLang, vLLM native). */
  workerArgs?: string[];
  /** Extra environment variables for every pod. */
  env?: Record<string, string>;
  vllmMode?: VllmMode;
  /** Pass `--trust-remote-code`: runs Python code from the model repository. */
  trustRemoteCode?: boolean;
  /** The model's config.json facts, for sizing advice on models not in the catalog. */
  modelConfig?: Partial<IModelFacts>;
}

/** A spec with every default filled in: what the manifests are built from. */
export interface IResolvedSpec {
  name: string;
  engine: EngineName;
  image: string;
  model: string;
  nodes: number;
  gpusPerNode: number;
  gpuType?: string;
  tensorParallel: number;
  pipelineParallel: number;
  replicas: number;
  port: number;
  distPort?: number;
  serviceName: string;
  rdma?: IRdmaSettings;
  ncclDebug?: string;
  storage?: IStorageSettings;
  hfTokenSecret?: string;
  engineArgs: string[];
  leaderArgs: string[];
  workerArgs: string[];
  env: Record<string, string>;
  /** vLLM only: the start mode actually used. */
  vllmMode?: 'ray' | 'native';
  trustRemoteCode: boolean;
  modelConfig?: Partial<IModelFacts>;
}

/** The spec fields of DESIGN.md section 3 plus this implementation's additions. */
export const SPEC_FIELDS: readonly (keyof IDeploymentSpec)[] = [
  'name',
  'engine',
  'image',
  'model',
  'nodes',
  'gpusPerNode',
  'gpuType',
  'tensorParallel',
  'pipelineParallel',
  'replicas',
  'port',
  'distPort',
  'serviceName',
  'rdma',
  'ncclDebug',
  'storage',
  'hfTokenSecret',
  'engineArgs',
  'leaderArgs',
  'workerArgs',
  'env',
  'vllmMode',
  'trustRemoteCode',
  'modelConfig'
];

/** The default storage when neither spec nor profile names one: PCAI's `models-pvc`. */
export const DEFAULT_STORAGE: IStorageSettings = {
  pvc: 'models-pvc',
  mountPath: '/models'
};

/** The Service name derived from the LWS name; never equal to it (the guide's NOTES). */
export function defaultServiceName(name: string): string {
  return `${name}-leader`;
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
  const fromProfile: IRdmaSettings = profile.rdma ?? {
    networks: [],
    resources: {},
    addrFamily: 'AF_INET6'
  };
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

/** A new spec as the form starts it: the profile's GPUs, RDMA and storage, one node. */
export function initialSpec(
  profile: IClusterProfile = PCAI_GEN1,
  engine: EngineName = 'vllm'
): IDeploymentSpec {
  const spec: IDeploymentSpec = {
    name: '',
    engine,
    model: '',
    nodes: 1,
    gpusPerNode: profile.gpusPerNode,
    rdma: profile.rdma !== undefined,
    storage: { ...(profile.storage ?? DEFAULT_STORAGE) }
  };
  if (profile.gpuType !== undefined) {
    spec.gpuType = profile.gpuType;
  }
  return spec;
}

/**
 * A spec from parsed YAML or JSON, with a warning for each field the format does not know
 * (usually a typo, such as `tensor_parallel`, that would otherwise be silently ignored).
 * Returns no spec when the document is not a mapping.
 */
export function readSpec(raw: unknown): {
  spec?: IDeploymentSpec;
  issues: IIssue[];
} {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      issues: [
        {
          id: 'invalid-spec',
          severity: 'error',
          message:
            'The spec must be a mapping of fields (name, engine, model, nodes, ...), as in examples/guide-vllm-70b.yaml.'
        }
      ]
    };
  }
  const issues: IIssue[] = [];
  const known = new Set<string>(SPEC_FIELDS);
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) {
      const suggestion = SPEC_FIELDS.find(
        field => looseFieldName(field) === looseFieldName(key)
      );
      issues.push(
        warning(
          'unknown-field',
          `Unknown field "${key}" is ignored.` +
            (suggestion ? ` Did you mean "${suggestion}"?` : '') +
            ` Known fields: ${SPEC_FIELDS.join(', ')}.`,
          key
        )
      );
    }
  }
  return { spec: raw as IDeploymentSpec, issues };
}

function looseFieldName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}
