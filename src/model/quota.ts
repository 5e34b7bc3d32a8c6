// Quota before deploy: what a deployment's pods would take from the namespace's
// ResourceQuotas, against each quota's hard limit and what is already used.
//
// The API server admits a pod only when every ResourceQuota of the namespace that counts
// one of its resources leaves room for it; the LWS controller creates the pods later, so a
// refusal lands in the LeaderWorkerSet's events, which users rarely read. This module does
// the same arithmetic before apply, from the manifests the form would send.

import type { V1PodTemplateSpec } from '@kubernetes/client-node';

import type { ILeaderWorkerSet } from './lws';

/** The fields of a ResourceQuota this module reads. */
export interface IResourceQuota {
  metadata?: { name?: string };
  spec?: {
    hard?: Record<string, string>;
    scopes?: string[];
    scopeSelector?: unknown;
  };
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

/** Quota keys (`pods`, `requests.nvidia.com/gpu`, ...) and the amount a deployment counts. */
export type QuotaNeeds = Record<string, number>;

/** One resource of one quota that the deployment counts against. */
export interface IQuotaLine {
  quota: string;
  /** The quota key, e.g. `requests.nvidia.com/gpu`. */
  resource: string;
  need: number;
  hard: number;
  used: number;
  /** `used + need > hard`: the API server would refuse some of the pods. */
  exceeds: boolean;
}

/** The quota check of a deployment. */
export interface IQuotaCheck {
  /** How many ResourceQuotas the namespace has (0: nothing limits it but free nodes). */
  quotas: number;
  /** Every quota resource the deployment counts against, GPUs first. */
  lines: IQuotaLine[];
  /** The lines that would be exceeded. */
  exceeded: IQuotaLine[];
  /** The GPU line to headline ("needs 8 GPUs; your quota has 16, 8 in use"), if a quota counts GPUs. */
  gpu?: IQuotaLine;
}

/** The extended resource of NVIDIA GPUs (the device plugin's name). */
export const GPU_RESOURCE = 'nvidia.com/gpu';

const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18
};
const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60
};

/**
 * A Kubernetes quantity as a number (`16`, `500m`, `2Gi`, `1e3`); undefined when it is not
 * one. Precise enough for counts and for comparisons of sizes.
 */
export function parseQuantity(text: string | undefined): number | undefined {
  if (text === undefined) {
    return undefined;
  }
  const match =
    /^([+-]?[0-9]+(?:\.[0-9]*)?|[+-]?\.[0-9]+)([eE][+-]?[0-9]+|[A-Za-z]{0,2})$/.exec(
      text.trim()
    );
  if (!match) {
    return undefined;
  }
  const [, digits, suffix] = match;
  const value = Number(digits);
  if (/^[eE]/.test(suffix)) {
    return value * 10 ** Number(suffix.slice(1));
  }
  const factor = BINARY[suffix] ?? DECIMAL[suffix];
  return factor === undefined ? undefined : value * factor;
}

/**
 * What the LeaderWorkerSet's pods count against quotas: `pods`, and for each container
 * resource `requests.<r>` (requests default to limits, as the API server defaults them),
 * `<r>` for the resources a quota may name bare (cpu, memory, extended ones), and `limits.<r>`.
 */
export function deploymentNeeds(lws: ILeaderWorkerSet): QuotaNeeds {
  const template = lws.spec.leaderWorkerTemplate;
  const groups = lws.spec.replicas ?? 1;
  const size = template.size ?? 1;
  const needs: QuotaNeeds = { pods: groups * size };
  const addPod = (pod: V1PodTemplateSpec, count: number) => {
    if (count <= 0) {
      return;
    }
    for (const [key, amount] of Object.entries(podResources(pod))) {
      needs[key] = (needs[key] ?? 0) + amount * count;
    }
  };
  const leader = template.leaderTemplate ?? template.workerTemplate;
  addPod(leader, groups);
  addPod(template.workerTemplate, groups * (size - 1));
  return needs;
}

/** The quota keys one pod counts, from its containers' requests and limits. */
function podResources(pod: V1PodTemplateSpec): QuotaNeeds {
  const counted: QuotaNeeds = {};
  const add = (key: string, amount: number) => {
    counted[key] = (counted[key] ?? 0) + amount;
  };
  for (const container of pod.spec?.containers ?? []) {
    const limits = container.resources?.limits ?? {};
    const requests = { ...limits, ...(container.resources?.requests ?? {}) };
    for (const [resource, text] of Object.entries(requests)) {
      const amount = parseQuantity(String(text));
      if (amount !== undefined) {
        add(`requests.${resource}`, amount);
        add(resource, amount);
      }
    }
    for (const [resource, text] of Object.entries(limits)) {
      const amount = parseQuantity(String(text));
      if (amount !== undefined) {
        add(`limits.${resource}`, amount);
      }
    }
  }
  return counted;
}

/**
 * Checks `needs` against every quota: a line for each resource a quota limits and the
 * deployment counts (GPU lines first), and the ones it would exceed.
 */
export function checkQuota(
  quotas: readonly IResourceQuota[],
  needs: QuotaNeeds
): IQuotaCheck {
  const lines: IQuotaLine[] = [];
  for (const quota of quotas) {
    const hard = quota.status?.hard ?? quota.spec?.hard ?? {};
    const used = quota.status?.used ?? {};
    for (const [resource, text] of Object.entries(hard)) {
      const need = needs[resource];
      const limit = parseQuantity(text);
      if (!need || limit === undefined) {
        continue;
      }
      const inUse = parseQuantity(used[resource]) ?? 0;
      lines.push({
        quota: quota.metadata?.name ?? '',
        resource,
        need,
        hard: limit,
        used: inUse,
        exceeds: inUse + need > limit
      });
    }
  }
  lines.sort((a, b) => Number(isGpu(b)) - Number(isGpu(a)));
  const gpuLines = lines.filter(isGpu);
  // The tightest GPU line: the one with the least room left.
  const gpu = gpuLines.reduce<IQuotaLine | undefined>(
    (tightest, line) =>
      !tightest || line.hard - line.used < tightest.hard - tightest.used
        ? line
        : tightest,
    undefined
  );
  const check: IQuotaCheck = {
    quotas: quotas.length,
    lines,
    exceeded: lines.filter(line => line.exceeds)
  };
  if (gpu) {
    check.gpu = gpu;
  }
  return check;
}

/** True for a quota key that counts NVIDIA GPUs. */
export function isGpu(line: Pick<IQuotaLine, 'resource'>): boolean {
  return (
    line.resource === GPU_RESOURCE || line.resource.endsWith(`.${GPU_RESOURCE}`)
  );
}

/** A quantity for a sentence: integers as they are, others with up to two decimals. */
export function formatAmount(value: number): string {
  return Number.isInteger(value)
    ? String(value)
    : String(Math.round(value * 100) / 100);
}
