import { SGLANG_DEFAULT_IMAGE } from './engines/sglang';
import { VLLM_DEFAULT_IMAGE } from './engines/vllm';
import type { EngineName, IRdmaSettings, IStorageSettings } from './spec';

/** The default storage when neither spec nor profile names one: PCAI's `models-pvc`. */
export const DEFAULT_STORAGE: IStorageSettings = {
  pvc: 'models-pvc',
  mountPath: '/models'
};

/** The engines' own default images, which the PCAI profiles were tested with. */
const ENGINE_DEFAULT_IMAGES: Record<EngineName, string> = {
  sglang: SGLANG_DEFAULT_IMAGE,
  vllm: VLLM_DEFAULT_IMAGE
};

/**
 * What a cluster offers and how its GPUDirect RDMA is wired: the defaults of a new spec.
 * Profiles are plain data so that the settings can hold edited and added ones.
 */
export interface IClusterProfile {
  /** Stable id, e.g. `pcai-gen1`. */
  id: string;
  label: string;
  description?: string;
  /** GPU type of the nodes, a key of the GPU catalog (for sizing advice). */
  gpuType?: string;
  /** GPUs in each node: the most a pod can request, and what "whole node" means. */
  gpusPerNode: number;
  /** The RDMA settings that `rdma: true` (the form's RDMA switch) turns on. */
  rdma?: IRdmaSettings;
  /** The PVC with pre-downloaded models and where it is mounted (HF_HOME). */
  storage?: IStorageSettings;
  /** Default image per engine. */
  images?: Partial<Record<EngineName, string>>;
  /** Image of the download Job: any with python3 and huggingface_hub; the vLLM image by default. */
  downloadImage?: string;
  /** A Hugging Face Hub mirror (HF_ENDPOINT) for clusters with no route to huggingface.co. */
  hfEndpoint?: string;
}

/**
 * PCAI Gen1 medium system, the one the guide's examples were tested on: 8 x L40S per node,
 * two RDMA shared devices on the nv-ipam macvlan networks of the NVIDIA network operator,
 * IPv6 for RDMA (NCCL_IB_ADDR_FAMILY=AF_INET6) and `models-pvc` in every user namespace.
 */
export const PCAI_GEN1: IClusterProfile = {
  id: 'pcai-gen1',
  // eslint-disable-next-line jupyter/no-untranslated-string -- settings data, edited by admins
  label: 'HPE PCAI Gen1 (8 x L40S, 2 RDMA devices)',
  description:
    "The multi-node serving guide's test system: 8 L40S per node, RDMA shared devices a and b on the nv-ipam macvlan networks.",
  gpuType: 'L40S',
  gpusPerNode: 8,
  rdma: {
    networks: [
      'nvidia-network-operator/nv-ipam-macvlannetwork-a',
      'nvidia-network-operator/nv-ipam-macvlannetwork-b'
    ],
    resources: {
      'rdma/rdma_shared_device_a': 1,
      'rdma/rdma_shared_device_b': 1
    },
    addrFamily: 'AF_INET6'
  },
  storage: { ...DEFAULT_STORAGE },
  images: { ...ENGINE_DEFAULT_IMAGES }
};

/**
 * PCAI Gen2: four 400Gb NICs per node. The guide only says that Gen2's configuration
 * differs; the network and device names below extend Gen1's naming to four NICs and the
 * GPU type is left to the settings, so check both against your cluster
 * (`kubectl get network-attachment-definitions -A`, the node's allocatable resources).
 */
export const PCAI_GEN2: IClusterProfile = {
  id: 'pcai-gen2',
  // eslint-disable-next-line jupyter/no-untranslated-string -- settings data, edited by admins
  label: 'HPE PCAI Gen2 (4 x 400Gb NICs)',
  description:
    "Four 400Gb RDMA NICs per node; network and device names follow Gen1's pattern, check them against your cluster.",
  gpusPerNode: 8,
  rdma: {
    networks: ['a', 'b', 'c', 'd'].map(
      nic => `nvidia-network-operator/nv-ipam-macvlannetwork-${nic}`
    ),
    resources: {
      'rdma/rdma_shared_device_a': 1,
      'rdma/rdma_shared_device_b': 1,
      'rdma/rdma_shared_device_c': 1,
      'rdma/rdma_shared_device_d': 1
    },
    addrFamily: 'AF_INET6'
  },
  storage: { ...DEFAULT_STORAGE },
  images: { ...ENGINE_DEFAULT_IMAGES }
};

/** The profiles shipped with the extension; the settings may add or replace them. */
export const BUILTIN_PROFILES: readonly IClusterProfile[] = [
  PCAI_GEN1,
  PCAI_GEN2
];

/** The profile with `id` among `profiles` (built-ins by default), or undefined. */
export function findProfile(
  id: string,
  profiles: readonly IClusterProfile[] = BUILTIN_PROFILES
): IClusterProfile | undefined {
  return profiles.find(profile => profile.id === id);
}
