// The overviews of all deployments of a namespace, kept up to date incrementally: the pods and
// events are sorted by deployment in one pass, and a deployment's overview is computed again
// only when its LWS, pods or events changed. With 100 LWS × 16 pods a watch event otherwise
// costs 100 filters over 1,600 pods and all events, and a new overview object for every row.
// Pure: `now` and the previous result are passed in.

import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import type { ILeaderWorkerSet } from './lws';
import { LWS_LABELS } from './lws';
import type { IDeploymentOverview } from './overview';
import { deploymentOverview } from './overview';

/** A deployment's own pods and the events that may be about it (a superset of its events). */
export interface IDeploymentObjects {
  pods: V1Pod[];
  events: CoreV1Event[];
}

/**
 * The pods and events of each named deployment, in one pass over each. A pod belongs to the
 * LWS its `leaderworkerset.sigs.k8s.io/name` label names. An event goes to every deployment
 * it may be about by its object's name (`<name>`, `<name>-<group>`, `<name>-<group>-<worker>`,
 * or a pod of the deployment), so {@link deploymentEvents} applied to a deployment's candidates
 * gives what it gives applied to all events.
 */
export function objectsByDeployment(
  names: Iterable<string>,
  pods: readonly V1Pod[],
  events: readonly CoreV1Event[]
): Map<string, IDeploymentObjects> {
  const byName = new Map<string, IDeploymentObjects>();
  for (const name of names) {
    byName.set(name, { pods: [], events: [] });
  }
  const deploymentOfPod = new Map<string, string>();
  for (const pod of pods) {
    const owner = pod.metadata?.labels?.[LWS_LABELS.name];
    const objects = owner === undefined ? undefined : byName.get(owner);
    if (owner !== undefined && objects) {
      objects.pods.push(pod);
      deploymentOfPod.set(pod.metadata?.name ?? '', owner);
    }
  }
  for (const event of events) {
    const objectName = event.involvedObject?.name ?? '';
    const candidates = new Set(nameAndParents(objectName));
    const podOwner =
      event.involvedObject?.kind === 'Pod'
        ? deploymentOfPod.get(objectName)
        : undefined;
    if (podOwner !== undefined) {
      candidates.add(podOwner);
    }
    for (const candidate of candidates) {
      byName.get(candidate)?.events.push(event);
    }
  }
  return byName;
}

/** The inputs a deployment's overview was computed from, to tell whether they changed. */
export interface IOverviewEntry {
  lws: ILeaderWorkerSet;
  objects: IDeploymentObjects;
  overview: IDeploymentOverview;
}

/** The result of {@link nextOverviews}. */
export interface IOverviews {
  /** Every LWS's overview, in the order of the LWS list. */
  overviews: IDeploymentOverview[];
  /** What to pass as `previous` next time, by deployment name. */
  entries: Map<string, IOverviewEntry>;
  /** The deployments whose overview was computed (again) this time. */
  recomputed: string[];
}

/**
 * The overviews of `leaderWorkerSets`, reusing the previous overview object of every
 * deployment whose LWS, pods and events are the same objects (or the same resourceVersions:
 * a relist brings new objects of unchanged resources) as last time, so views memoized on the
 * overview skip its row. `recomputeAll` computes every one again (the clock moved on: ages
 * and "for N min" texts change).
 */
export function nextOverviews(
  previous: ReadonlyMap<string, IOverviewEntry>,
  leaderWorkerSets: readonly ILeaderWorkerSet[],
  pods: readonly V1Pod[],
  events: readonly CoreV1Event[],
  now: Date,
  recomputeAll = false
): IOverviews {
  const names = leaderWorkerSets.map(lws => lws.metadata?.name ?? '');
  const objects = objectsByDeployment(names, pods, events);
  const entries = new Map<string, IOverviewEntry>();
  const recomputed: string[] = [];
  const overviews = leaderWorkerSets.map((lws, index) => {
    const name = names[index];
    const own = objects.get(name) ?? { pods: [], events: [] };
    const before = previous.get(name);
    if (
      !recomputeAll &&
      before &&
      sameObject(before.lws, lws) &&
      sameObjects(before.objects.pods, own.pods) &&
      sameObjects(before.objects.events, own.events)
    ) {
      entries.set(name, before);
      return before.overview;
    }
    const overview = deploymentOverview(lws, own.pods, own.events, now);
    entries.set(name, { lws, objects: own, overview });
    recomputed.push(name);
    return overview;
  });
  return { overviews, entries, recomputed };
}

/** `name`, and it without one and two trailing `-<number>` parts (a group's, a worker's). */
function nameAndParents(name: string): string[] {
  const names = [name];
  let rest = name;
  for (let strip = 0; strip < 2; strip++) {
    const match = /^(.+)-\d+$/.exec(rest);
    if (!match) {
      break;
    }
    rest = match[1];
    names.push(rest);
  }
  return names;
}

interface IVersioned {
  metadata?: { uid?: string; resourceVersion?: string };
}

// The same object, or the same version of the same resource.
function sameObject(a: IVersioned, b: IVersioned): boolean {
  if (a === b) {
    return true;
  }
  const version = a.metadata?.resourceVersion;
  return (
    version !== undefined &&
    version === b.metadata?.resourceVersion &&
    a.metadata?.uid === b.metadata?.uid
  );
}

function sameObjects(
  a: readonly IVersioned[],
  b: readonly IVersioned[]
): boolean {
  return a.length === b.length && a.every((item, i) => sameObject(item, b[i]));
}
