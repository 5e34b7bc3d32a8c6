// The deployment spec's types and field list: a leaf of the model (type imports only), so
// engines, issues and profiles can all refer to it. Defaults are filled in by resolve.ts.

import type { IModelFacts } from './catalog';

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
 * their defaults from the engine and the cluster profile (see `resolveSpec` in resolve.ts).
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
