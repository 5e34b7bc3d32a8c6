/** A namespaced Kubernetes resource the extension works with, as the API server addresses it. */
export interface IResourceType {
  /** API group; empty for the core group. */
  group: string;
  version: string;
  /** Plural name used in URLs. */
  plural: string;
  kind: string;
}

/**
 * The resources of the user's namespace the extension reads or writes: the same list as the
 * server extension's allow-list (jupyterlab_lws/allowlist.py).
 */
export const Resources = {
  leaderWorkerSets: {
    group: 'leaderworkerset.x-k8s.io',
    version: 'v1',
    plural: 'leaderworkersets',
    kind: 'LeaderWorkerSet'
  },
  pods: { group: '', version: 'v1', plural: 'pods', kind: 'Pod' },
  services: { group: '', version: 'v1', plural: 'services', kind: 'Service' },
  events: { group: '', version: 'v1', plural: 'events', kind: 'Event' },
  secrets: { group: '', version: 'v1', plural: 'secrets', kind: 'Secret' },
  persistentVolumeClaims: {
    group: '',
    version: 'v1',
    plural: 'persistentvolumeclaims',
    kind: 'PersistentVolumeClaim'
  },
  jobs: { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job' },
  resourceQuotas: {
    group: '',
    version: 'v1',
    plural: 'resourcequotas',
    kind: 'ResourceQuota'
  }
} satisfies Record<string, IResourceType>;

/** Finds the resource type of a manifest by its apiVersion and kind. */
export function resourceTypeOf(
  apiVersion: string,
  kind: string
): IResourceType {
  const found = Object.values(Resources).find(
    r =>
      (r.group ? `${r.group}/${r.version}` : r.version) === apiVersion &&
      r.kind === kind
  );
  if (!found) {
    throw new Error(
      `jupyterlab-lws does not manage ${kind} (${apiVersion}) objects`
    );
  }
  return found;
}

/** The API path of a resource collection or of one object in a namespace. */
export function resourcePath(
  type: IResourceType,
  namespace: string,
  name?: string,
  subresource?: string
): string {
  const base = type.group
    ? `apis/${type.group}/${type.version}`
    : `api/${type.version}`;
  const parts = [
    base,
    'namespaces',
    encodeURIComponent(namespace),
    type.plural
  ];
  if (name) {
    parts.push(encodeURIComponent(name));
  }
  if (subresource) {
    parts.push(subresource);
  }
  return parts.join('/');
}

/** Encodes query parameters, leaving out the ones that are undefined. */
export function queryString(
  params: Record<string, string | number | boolean | undefined>
): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined);
  if (entries.length === 0) {
    return '';
  }
  return (
    '?' +
    entries
      .map(
        ([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`
      )
      .join('&')
  );
}
