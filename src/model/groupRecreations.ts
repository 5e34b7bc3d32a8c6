import type { CoreV1Event } from '@kubernetes/client-node';

import type { LeaderWorkerSet } from './lws';

/** How often the LWS controller recreated one group, from its events. */
export interface IGroupRecreations {
  group: number;
  count: number;
  /** When it last happened (RFC 3339), if the event says. */
  last: string | null;
  /** The pod whose failure (container restart or deletion) triggered the last one. */
  failedPod: string | null;
}

/** The event reason the LWS controller records when it recreates a group. */
export const RECREATE_GROUP_REASON = 'RecreateGroupOnPodRestart';

// LWS v0.5-v0.7: "Worker pod <pod> failed, deleted leader pod <leader> to recreate group <n>".
const RECREATED =
  /pod (\S+) failed.*?deleted leader pod (\S+?)(?: to recreate group (\d+))?\s*$/;

/**
 * Group recreations of a LeaderWorkerSet, by group index, counted from the controller's
 * `RecreateGroupOnPodRestart` events (core/v1 `count` or events.k8s.io `series.count`).
 *
 * #### Notes
 * Under `RecreateGroupOnPodRestart` every pod of a failing group is replaced, so the pods'
 * restart counts start again at 0 each time; the controller's events are what remembers.
 * Events of an earlier LWS of the same name (another uid) are not counted.
 */
export function groupRecreations(
  lws: LeaderWorkerSet,
  events: readonly CoreV1Event[]
): IGroupRecreations[] {
  const name = lws.metadata?.name;
  const uid = lws.metadata?.uid;
  const byGroup = new Map<number, IGroupRecreations>();
  for (const event of events) {
    const object = event.involvedObject;
    if (
      event.reason !== RECREATE_GROUP_REASON ||
      object?.kind !== 'LeaderWorkerSet' ||
      object.name !== name ||
      (uid && object.uid && object.uid !== uid)
    ) {
      continue;
    }
    const match = RECREATED.exec(event.message ?? '');
    const group = groupIndex(match?.[3], match?.[2], name ?? '');
    if (group === null) {
      continue;
    }
    const count = event.series?.count ?? event.count ?? 1;
    const last = lastSeen(event);
    const entry = byGroup.get(group) ?? {
      group,
      count: 0,
      last: null,
      failedPod: null
    };
    entry.count += count;
    if (last !== null && (entry.last === null || last > entry.last)) {
      entry.last = last;
      entry.failedPod = match?.[1] ?? null;
    } else if (entry.failedPod === null) {
      entry.failedPod = match?.[1] ?? null;
    }
    byGroup.set(group, entry);
  }
  return [...byGroup.values()].sort((a, b) => a.group - b.group);
}

// The message names the group, else the leader pod `<lws>-<group>` does.
function groupIndex(
  fromMessage: string | undefined,
  leader: string | undefined,
  lws: string
): number | null {
  if (fromMessage !== undefined) {
    return Number(fromMessage);
  }
  if (leader?.startsWith(`${lws}-`)) {
    const index = leader.slice(lws.length + 1);
    if (/^\d+$/.test(index)) {
      return Number(index);
    }
  }
  return null;
}

function lastSeen(event: CoreV1Event): string | null {
  const when =
    event.series?.lastObservedTime ??
    event.lastTimestamp ??
    event.eventTime ??
    event.firstTimestamp;
  if (when === undefined || when === null) {
    return null;
  }
  return when instanceof Date ? when.toISOString() : String(when);
}
