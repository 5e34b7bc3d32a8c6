// The shape of a spec read from a file: each field's type, before any rule reads it. A
// hand-written spec may say `storage: 5`, `rdma: {networks: abc}` or `image: [a]`; the
// resolver and the manifests assume the declared types, so a field of the wrong type is an
// error here and the rules that would read it are not run.

import type { IIssue } from './issues';
import { error } from './issues';
import { shown } from './shownText';
import type { IDeploymentSpec } from './spec';

/** Fields that hold text when given. */
const TEXT_FIELDS = [
  'name',
  'model',
  'image',
  'gpuType',
  'serviceName',
  'hfTokenSecret',
  'vllmMode'
] as const;

/** The problems with the types of `spec`'s fields; none means the rules can read them. */
export function fieldTypeIssues(spec: IDeploymentSpec): IIssue[] {
  const issues: IIssue[] = [];
  const wrong = (field: string, expected: string, value: unknown) =>
    issues.push(
      error(
        'invalid-type',
        `${field} must be ${expected}; got ${shown(value)}.`,
        field
      )
    );
  for (const field of TEXT_FIELDS) {
    const value: unknown = spec[field];
    if (value !== undefined && value !== null && typeof value !== 'string') {
      wrong(field, 'text', value);
    }
  }
  const rdma: unknown = spec.rdma;
  if (isMapping(rdma)) {
    const { networks, resources, addrFamily } = rdma as Record<string, unknown>;
    if (
      networks !== undefined &&
      !(
        Array.isArray(networks) &&
        networks.every(network => typeof network === 'string')
      )
    ) {
      wrong('rdma.networks', 'a list of <namespace>/<network> names', networks);
    }
    if (
      resources !== undefined &&
      !(
        isMapping(resources) &&
        Object.values(resources as object).every(
          count => typeof count === 'number'
        )
      )
    ) {
      wrong(
        'rdma.resources',
        'a mapping of device resources to counts, e.g. {rdma/rdma_shared_device_a: 1}',
        resources
      );
    }
    if (addrFamily !== undefined && typeof addrFamily !== 'string') {
      wrong('rdma.addrFamily', 'AF_INET6 or AF_INET', addrFamily);
    }
  } else if (rdma !== undefined && rdma !== null && typeof rdma !== 'boolean') {
    wrong('rdma', 'true, false or a mapping (networks, resources)', rdma);
  }
  const storage: unknown = spec.storage;
  if (isMapping(storage)) {
    for (const key of ['pvc', 'mountPath']) {
      const value = (storage as Record<string, unknown>)[key];
      if (value !== undefined && value !== null && typeof value !== 'string') {
        wrong(`storage.${key}`, 'text', value);
      }
    }
  } else if (
    storage !== undefined &&
    storage !== null &&
    typeof storage !== 'boolean'
  ) {
    wrong('storage', 'false or a mapping (pvc, mountPath)', storage);
  }
  const ncclDebug: unknown = spec.ncclDebug;
  if (
    ncclDebug !== undefined &&
    ncclDebug !== null &&
    typeof ncclDebug !== 'string' &&
    typeof ncclDebug !== 'boolean'
  ) {
    wrong('ncclDebug', 'a level such as INFO, or true/false', ncclDebug);
  }
  const trustRemoteCode: unknown = spec.trustRemoteCode;
  if (trustRemoteCode !== undefined && typeof trustRemoteCode !== 'boolean') {
    wrong('trustRemoteCode', 'true or false', trustRemoteCode);
  }
  for (const field of ['engineArgs', 'leaderArgs', 'workerArgs'] as const) {
    const args: unknown = spec[field];
    if (
      args !== undefined &&
      (!Array.isArray(args) ||
        args.some(arg => typeof arg === 'object' && arg !== null))
    ) {
      issues.push(
        error(
          'invalid-engine-args',
          `${field} must be a list of arguments, e.g. ["--max-running-requests", "500"]; got ${shown(args)}.`,
          field
        )
      );
    }
  }
  const env: unknown = spec.env;
  if (env !== undefined && !isMapping(env)) {
    issues.push(
      error(
        'invalid-env',
        `env must be a mapping of variable names to values, e.g. {NCCL_SOCKET_IFNAME: eth0}; got ${shown(env)}.`,
        'env'
      )
    );
  } else if (isMapping(env)) {
    for (const [name, value] of Object.entries(env as object)) {
      if (
        typeof value !== 'string' &&
        typeof value !== 'number' &&
        typeof value !== 'boolean'
      ) {
        issues.push(
          error(
            'invalid-env',
            `env.${shown(name)} must be a text value; got ${shown(value)}.`,
            'env'
          )
        );
      }
    }
  }
  const modelConfig: unknown = spec.modelConfig;
  if (modelConfig !== undefined && !isMapping(modelConfig)) {
    wrong(
      'modelConfig',
      "a mapping of the model's config.json facts",
      modelConfig
    );
  }
  return issues;
}

function isMapping(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
