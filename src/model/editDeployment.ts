// Editing a deployment that exists: the spec read back from its live objects, the settings
// of those objects that a spec cannot express (so an edit through the form would drop them),
// the change as a diff of manifests (live vs what the apply makes), and what LWS will do.

import type { KubernetesObject } from '@kubernetes/client-node';
import { createTwoFilesPatch } from 'diff';

import { describeLws } from './describe';
import type { ILeaderWorkerSet } from './lws';
import { manifestsToYaml } from './specYaml';
import type { IDeploymentSpec } from './spec';

/** The spec the form starts from when editing a deployment, and where it came from. */
export interface IEditableSpec {
  spec: IDeploymentSpec;
  /** `annotation`: the spec the form deployed; `read-back`: read from the objects. */
  source: 'annotation' | 'read-back';
}

/**
 * The spec of a live deployment: the form's own (its spec annotation) when the extension made
 * it, else what {@link describeLws} reads from the leader's container and the Service's port.
 * Null when the engine or the model cannot be read (nothing for the form to start from).
 */
export function editableSpec(
  lws: ILeaderWorkerSet,
  service: KubernetesObject | null
): IEditableSpec | null {
  const summary = describeLws(lws);
  if (summary.spec) {
    return { spec: { ...summary.spec }, source: 'annotation' };
  }
  if (!summary.engine || !summary.model) {
    return null;
  }
  const spec: IDeploymentSpec = {
    name: summary.name,
    engine: summary.engine,
    model: summary.model,
    nodes: summary.nodes,
    replicas: summary.replicas
  };
  for (const key of [
    'image',
    'gpusPerNode',
    'tensorParallel',
    'pipelineParallel',
    'port'
  ] as const) {
    if (summary[key] !== undefined) {
      (spec as unknown as Record<string, unknown>)[key] = summary[key];
    }
  }
  if (service?.metadata?.name) {
    spec.serviceName = service.metadata.name;
  }
  return { spec, source: 'read-back' };
}

/** Fields a user always chooses; the others may follow them (engine-correct defaults). */
const CHOSEN_FIELDS = new Set([
  'name',
  'engine',
  'model',
  'nodes',
  'gpusPerNode'
]);

/**
 * `spec` without the fields that hold just what `resolve` derives anyway, so the form's
 * inputs for them stay empty and follow a change: a spec the form deployed is stored
 * resolved (`tensorParallel: 4` explicit), yet changing GPUs per node must move TP with it.
 */
export function withoutDerived(
  spec: IDeploymentSpec,
  resolve: (spec: IDeploymentSpec) => IDeploymentSpec | null
): IDeploymentSpec {
  let minimal: IDeploymentSpec = { ...spec };
  for (const field of Object.keys(spec) as (keyof IDeploymentSpec)[]) {
    if (CHOSEN_FIELDS.has(field)) {
      continue;
    }
    const candidate = { ...minimal };
    delete candidate[field];
    const derived = resolve(candidate);
    if (
      derived &&
      JSON.stringify(derived[field]) === JSON.stringify(spec[field])
    ) {
      minimal = candidate;
    }
  }
  return minimal;
}

/** Field managers that never hold a user's setting: the annotation kubectl writes for itself. */
const IGNORED_FIELDS = new Set([
  'metadata.annotations.kubectl.kubernetes.io/last-applied-configuration'
]);

/** One step of a managedFields path (FieldsV1: `f:`, `k:`, `v:`, `i:`). */
type PathStep =
  | { field: string }
  | { key: Record<string, unknown> }
  | { value: unknown }
  | { index: number };

/**
 * The settings of `live` that a user (any field manager but `ownManager`) set and that
 * `rebuilt` (the manifest the form would apply) does not hold with the same value, as
 * readable paths, e.g. `spec.leaderWorkerTemplate.leaderTemplate.spec.volumes[dshm]`.
 *
 * #### Notes
 * The paths come from the object's `managedFields` (server-side apply's record of who set
 * which field), so fields the API server or a webhook defaulted are not counted: nobody owns
 * them. A path whose parent the rebuilt manifest lacks entirely is said once, at the parent.
 * Status (`subresource: status`) is the controller's, not a setting.
 */
export function unexpressedSettings(
  live: KubernetesObject,
  rebuilt: KubernetesObject | null,
  ownManager: string
): string[] {
  const found = new Set<string>();
  for (const entry of live.metadata?.managedFields ?? []) {
    if (
      entry.manager === ownManager ||
      entry.subresource === 'status' ||
      !entry.fieldsV1
    ) {
      continue;
    }
    for (const path of leafPaths(entry.fieldsV1 as Record<string, unknown>)) {
      const missing = firstDifference(live, rebuilt, path);
      if (missing !== null && !IGNORED_FIELDS.has(missing)) {
        found.add(missing);
      }
    }
  }
  return [...found].sort();
}

/** The leaf paths of a FieldsV1 tree (a `.` key marks a list item that is itself set). */
function leafPaths(tree: Record<string, unknown>): PathStep[][] {
  const paths: PathStep[][] = [];
  const walk = (node: Record<string, unknown>, prefix: PathStep[]) => {
    const children = Object.keys(node).filter(key => key !== '.');
    if (children.length === 0) {
      paths.push(prefix);
      return;
    }
    for (const key of children) {
      const step = parseStep(key);
      if (step) {
        walk((node[key] ?? {}) as Record<string, unknown>, [...prefix, step]);
      }
    }
  };
  walk(tree, []);
  return paths;
}

function parseStep(key: string): PathStep | null {
  const body = key.slice(2);
  try {
    switch (key.slice(0, 2)) {
      case 'f:':
        return { field: body };
      case 'k:':
        return { key: JSON.parse(body) };
      case 'v:':
        return { value: JSON.parse(body) };
      case 'i:':
        return { index: Number(body) };
    }
  } catch {
    return null;
  }
  return null;
}

/**
 * The shortest prefix of `path` where `rebuilt` lacks or differs from `live`, as text; null
 * when the rebuilt manifest holds the same value.
 */
function firstDifference(
  live: unknown,
  rebuilt: unknown,
  path: PathStep[]
): string | null {
  let left: unknown = live;
  let right: unknown = rebuilt;
  const shown: string[] = [];
  for (const step of path) {
    left = stepInto(left, step);
    right = stepInto(right, step);
    shown.push(stepText(step));
    if (left === undefined) {
      // The user's manager owns a field the object no longer has: nothing to lose.
      return null;
    }
    if (right === undefined) {
      return joinPath(shown);
    }
  }
  return sameValue(left, right) ? null : joinPath(shown);
}

function stepInto(value: unknown, step: PathStep): unknown {
  if (value === null || value === undefined) {
    return undefined;
  }
  if ('field' in step) {
    return typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)[step.field]
      : undefined;
  }
  if (!Array.isArray(value)) {
    return undefined;
  }
  if ('index' in step) {
    return value[step.index];
  }
  if ('value' in step) {
    return value.some(item => sameValue(item, step.value))
      ? step.value
      : undefined;
  }
  return value.find(
    item =>
      item !== null &&
      typeof item === 'object' &&
      Object.entries(step.key).every(([name, wanted]) =>
        sameValue((item as Record<string, unknown>)[name], wanted)
      )
  );
}

function stepText(step: PathStep): string {
  if ('field' in step) {
    return `.${step.field}`;
  }
  if ('index' in step) {
    return `[${step.index}]`;
  }
  if ('value' in step) {
    return `[${String(step.value)}]`;
  }
  return `[${Object.values(step.key).map(String).join(',')}]`;
}

function joinPath(steps: string[]): string {
  return steps.join('').replace(/^\./, '');
}

/** Equal as Kubernetes means it: `"1"` and `1` are the same quantity or port. */
function sameValue(left: unknown, right: unknown): boolean {
  if (
    (typeof left === 'number' || typeof left === 'string') &&
    (typeof right === 'number' || typeof right === 'string')
  ) {
    return String(left) === String(right);
  }
  if (Array.isArray(left) && Array.isArray(right)) {
    return (
      left.length === right.length &&
      left.every((item, index) => sameValue(item, right[index]))
    );
  }
  if (
    left !== null &&
    right !== null &&
    typeof left === 'object' &&
    typeof right === 'object' &&
    !Array.isArray(left) &&
    !Array.isArray(right)
  ) {
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    return [...keys].every(key =>
      sameValue(
        (left as Record<string, unknown>)[key],
        (right as Record<string, unknown>)[key]
      )
    );
  }
  return left === right;
}

/** Metadata the API server keeps for itself: not part of what a user changes. */
const SERVER_METADATA = [
  'managedFields',
  'resourceVersion',
  'generation',
  'uid',
  'creationTimestamp',
  'selfLink'
];

/** An object as a reviewer compares it: without status and the server's own metadata. */
export function comparable(object: KubernetesObject): KubernetesObject {
  const copy = JSON.parse(JSON.stringify(object)) as KubernetesObject & {
    status?: unknown;
  };
  delete copy.status;
  const metadata = (copy.metadata ?? {}) as Record<string, unknown>;
  for (const key of SERVER_METADATA) {
    delete metadata[key];
  }
  return copy;
}

/** One object of an edit: as it is, and as the apply's dry run says it will be. */
export interface IObjectChange {
  kind: string;
  name: string;
  /** Null when the object does not exist yet (the apply creates it). */
  live: KubernetesObject | null;
  after: KubernetesObject;
}

/** The change an edit makes, as a unified diff of the manifests' YAML. */
export interface IManifestsDiff {
  /** The diff text (empty when nothing changes). */
  text: string;
  /** The objects that change, as `Kind/name`. */
  changed: string[];
}

/**
 * The unified diff (jsdiff's `createTwoFilesPatch`) of each object's YAML, live against
 * after. Secrets are left out: their values are never shown.
 */
export function manifestsDiff(
  changes: readonly IObjectChange[]
): IManifestsDiff {
  const parts: string[] = [];
  const changed: string[] = [];
  for (const change of changes) {
    if (change.kind === 'Secret') {
      continue;
    }
    const before = change.live
      ? manifestsToYaml([comparable(change.live)])
      : '';
    const after = manifestsToYaml([comparable(change.after)]);
    if (before === after) {
      continue;
    }
    const label = `${change.kind}/${change.name}`;
    changed.push(label);
    parts.push(
      createTwoFilesPatch(
        `${label} (live)`,
        `${label} (after apply)`,
        before,
        after,
        undefined,
        undefined,
        { context: 3 }
      )
        // The `Index:`/`===` header says nothing the file names do not.
        .replace(/^=+\n/m, '')
    );
  }
  return { text: parts.join('\n'), changed };
}

/** One field of the spec that an edit changes, its values as text. */
export interface ISpecChange {
  field: string;
  before: string;
  after: string;
}

/**
 * The fields whose values differ between two resolved specs, in the spec's field order: the
 * one-line summary above the manifests diff (whose long lines hide what changed in them).
 */
export function specChanges(
  before: IDeploymentSpec,
  after: IDeploymentSpec
): ISpecChange[] {
  const text = (value: unknown): string =>
    value === undefined
      ? '—'
      : typeof value === 'string'
        ? value
        : JSON.stringify(value);
  const fields = [...new Set([...Object.keys(after), ...Object.keys(before)])];
  return fields
    .filter(
      field =>
        JSON.stringify(before[field as keyof IDeploymentSpec]) !==
        JSON.stringify(after[field as keyof IDeploymentSpec])
    )
    .map(field => ({
      field,
      before: text(before[field as keyof IDeploymentSpec]),
      after: text(after[field as keyof IDeploymentSpec])
    }));
}

/** What the LWS controller does with an update of the LeaderWorkerSet. */
export interface ILwsUpdateEffect {
  /**
   * `rolling-update`: the group template (pods, size) changed, so every group is recreated,
   * a few at a time; `scale`: only the number of groups changed; `none`: the LWS is unchanged
   * where it matters to the pods (labels, annotations of the LWS itself).
   */
  kind: 'rolling-update' | 'scale' | 'none';
  replicasBefore: number;
  replicasAfter: number;
  /** Groups recreated at once in a rolling update (LWS's maxUnavailable, default 1). */
  maxUnavailable: string;
}

/**
 * What LWS will do with `after` replacing `live`: a changed leaderWorkerTemplate is a rolling
 * update (LWS recreates the groups, `maxUnavailable` at a time, each loading the model again);
 * a changed replica count adds or removes whole groups and leaves the others running.
 */
export function lwsUpdateEffect(
  live: ILeaderWorkerSet,
  after: ILeaderWorkerSet
): ILwsUpdateEffect {
  const replicasBefore = live.spec?.replicas ?? 1;
  const replicasAfter = after.spec?.replicas ?? 1;
  const maxUnavailable = String(
    after.spec?.rolloutStrategy?.rollingUpdateConfiguration?.maxUnavailable ?? 1
  );
  const templateChanged = !sameValue(
    live.spec?.leaderWorkerTemplate,
    after.spec?.leaderWorkerTemplate
  );
  return {
    kind: templateChanged
      ? 'rolling-update'
      : replicasBefore !== replicasAfter
        ? 'scale'
        : 'none',
    replicasBefore,
    replicasAfter,
    maxUnavailable
  };
}

/**
 * The objects (`Kind/name`) whose content changed between the review and now. Status and the
 * server's metadata do not count: the LWS controller writes status all the time, and that
 * changes nothing the user reviewed.
 */
export function changedSinceReview(
  reviewed: ReadonlyMap<string, KubernetesObject | null>,
  now: ReadonlyMap<string, KubernetesObject | null>
): string[] {
  const content = (object: KubernetesObject | null | undefined) =>
    object ? JSON.stringify(comparable(object)) : null;
  return [...reviewed.keys()].filter(
    key => content(reviewed.get(key)) !== content(now.get(key))
  );
}

/**
 * `objects` as an edit applies them: each carries the resourceVersion of the live object read
 * last (content checked with {@link changedSinceReview}), so the API server refuses the apply
 * (409) if anyone changed the object in between.
 */
export function pinnedToReviewed(
  objects: readonly KubernetesObject[],
  live: ReadonlyMap<string, KubernetesObject | null>
): KubernetesObject[] {
  return objects.map(object => {
    const reviewed = live.get(objectKey(object));
    const version = reviewed?.metadata?.resourceVersion;
    return version && object.kind !== 'Secret'
      ? {
          ...object,
          metadata: { ...object.metadata, resourceVersion: version }
        }
      : object;
  });
}

/** `Kind/name` of an object. */
export function objectKey(object: KubernetesObject): string {
  return `${object.kind ?? ''}/${object.metadata?.name ?? ''}`;
}
