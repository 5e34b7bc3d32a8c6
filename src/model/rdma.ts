// GPUDirect RDMA as one table: the four things a pod needs for NCCL to use the RDMA NICs
// (the guide's "Enabling GPUDirect RDMA"), all on or all off, and the one function that
// puts them into a pod. The form's switch, the `rdma-off` warning and the `nccl-no-ib`
// diagnosis name them the same way, in the order of RDMA_PARTS. (/dev/shm is not one of
// them: every pod mounts it, with or without RDMA.)

import type { V1EnvVar, V1SecurityContext } from '@kubernetes/client-node';
import type { IRdmaSettings } from './spec';

/** Multus annotation that attaches the RDMA networks to the pod. */
export const NETWORKS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';

/** RDMA pins memory pages for the NIC: without this capability NCCL falls back to sockets. */
export const RDMA_CAPABILITY = 'IPC_LOCK';

/** The variable that tells NCCL which address family the RDMA networks use. */
export const ADDR_FAMILY_VARIABLE = 'NCCL_IB_ADDR_FAMILY';

/** The address families NCCL_IB_ADDR_FAMILY accepts; PCAI assigns IPv6, the first. */
export const ADDR_FAMILIES = ['AF_INET6', 'AF_INET'] as const;

/** The address family when neither spec nor profile gives one (PCAI's IPv6). */
export const DEFAULT_ADDR_FAMILY = ADDR_FAMILIES[0];

/** RDMA settings of a profile that has none: nothing attached, IPv6. */
export const NO_RDMA_SETTINGS: IRdmaSettings = {
  networks: [],
  resources: {},
  addrFamily: DEFAULT_ADDR_FAMILY
};

/**
 * The parts of the RDMA wiring as users read them, in one order: the form's label, the
 * `rdma-off` warning and the diagnosis fix all name these.
 */
export const RDMA_PARTS = [
  'the network annotation',
  'the RDMA devices',
  RDMA_CAPABILITY,
  ADDR_FAMILY_VARIABLE
] as const;

/** RDMA_PARTS in a sentence: "the network annotation, the RDMA devices, IPC_LOCK and NCCL_IB_ADDR_FAMILY". */
export const RDMA_PARTS_TEXT = `${RDMA_PARTS.slice(0, -1).join(', ')} and ${RDMA_PARTS[RDMA_PARTS.length - 1]}`;

/** What RDMA adds to a pod: each part of the table, ready to merge into the pod template. */
export interface IRdmaPodParts {
  /** Pod annotations: the networks to attach. */
  annotations: Record<string, string>;
  /** Container resource limits: the RDMA devices. */
  limits: Record<string, string>;
  /** The container's security context: the capability. */
  securityContext: V1SecurityContext;
  /** Container environment: the address family. */
  env: V1EnvVar[];
}

/** The pod parts for `rdma` (every pod of the group gets the same), or undefined when RDMA is off. */
export function rdmaPodParts(
  rdma: IRdmaSettings | undefined
): IRdmaPodParts | undefined {
  if (!rdma) {
    return undefined;
  }
  return {
    annotations: { [NETWORKS_ANNOTATION]: rdma.networks.join(', ') },
    limits: Object.fromEntries(
      Object.entries(rdma.resources).map(([resource, count]) => [
        resource,
        String(count)
      ])
    ),
    securityContext: { capabilities: { add: [RDMA_CAPABILITY] } },
    env: [{ name: ADDR_FAMILY_VARIABLE, value: rdma.addrFamily }]
  };
}
