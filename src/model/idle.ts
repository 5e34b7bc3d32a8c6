// Idle detection: a Ready deployment whose engine counters (tokens, finished requests) have
// not moved, with nothing running or waiting, for a number of minutes holds its GPUs for
// nothing. Pure functions over metric readings (engineMetrics.ts), so the record of "the
// counters as last seen, and since when" can live anywhere (the state database) and be
// updated whenever the metrics are read, however rarely.

import type { EngineQuantity, IMetricsSample } from './engineMetrics';

/** The quantities that move when the engine serves anything. */
const ACTIVITY: readonly EngineQuantity[] = [
  'promptTokens',
  'generationTokens',
  'requestsSucceeded',
  'requestsFinished',
  'requestsFailed'
];

/** The activity counters as last seen, and since when they have not moved. */
export interface IIdleRecord {
  /** The counters' values, in ACTIVITY order (null: the page lacks it). */
  counters: (number | null)[];
  /** When the counters last moved, or were first seen (ms since the epoch). */
  since: number;
}

/**
 * The record after a new reading: unchanged while the counters stand still and nothing runs
 * or waits; restarted at the reading's time otherwise. Undefined for a page without any
 * activity counter (idleness cannot be told).
 */
export function updateIdle(
  record: IIdleRecord | undefined,
  sample: IMetricsSample
): IIdleRecord | undefined {
  const counters = ACTIVITY.map(quantity => sample.values[quantity] ?? null);
  if (counters.every(value => value === null)) {
    return undefined;
  }
  const busy = (sample.values.running ?? 0) + (sample.values.waiting ?? 0) > 0;
  const same =
    record !== undefined &&
    record.counters.length === counters.length &&
    record.counters.every((value, i) => value === counters[i]);
  return same && !busy ? record : { counters, since: sample.time };
}

/** The record after a series of readings, oldest first. */
export function idleRecordOf(
  samples: readonly IMetricsSample[],
  start?: IIdleRecord
): IIdleRecord | undefined {
  return samples.reduce<IIdleRecord | undefined>(
    (record, sample) => updateIdle(record, sample),
    start
  );
}

/** How long the engine has been idle at `now`, in ms (0 without a record). */
export function idleFor(record: IIdleRecord | undefined, now: number): number {
  return record ? Math.max(0, now - record.since) : 0;
}

/** True when the engine has been idle for at least `minutes` at `now`. */
export function isIdle(
  record: IIdleRecord | undefined,
  now: number,
  minutes: number
): boolean {
  return record !== undefined && idleFor(record, now) >= minutes * 60_000;
}

/** GPUs held in all: the sum of each deployment's GPUs in use. */
export function totalGpusHeld(
  deployments: readonly { gpusInUse: number }[]
): number {
  return deployments.reduce((sum, deployment) => sum + deployment.gpusInUse, 0);
}

/** The LWS annotation that keeps the groups a deployment had before it was scaled to 0 for idling. */
export const REPLICAS_BEFORE_IDLE = 'jupyterlab-lws.io/replicas-before-idle';

/** The groups to scale back to, from the LWS's annotations (null: not scaled to 0 by the nudge). */
export function replicasBeforeIdle(
  annotations: Readonly<Record<string, string>> | undefined
): number | null {
  const value = annotations?.[REPLICAS_BEFORE_IDLE];
  if (value === undefined || !/^[1-9][0-9]*$/.test(value.trim())) {
    return null;
  }
  return Number(value.trim());
}

/** The merge patch that scales an idle deployment to 0 and remembers its groups. */
export function scaleToZeroPatch(current: number): {
  metadata: { annotations: Record<string, string> };
  spec: { replicas: number };
} {
  return {
    metadata: { annotations: { [REPLICAS_BEFORE_IDLE]: String(current) } },
    spec: { replicas: 0 }
  };
}

/** The merge patch that restores the groups and drops the annotation. */
export function scaleBackPatch(replicas: number): {
  metadata: { annotations: Record<string, null> };
  spec: { replicas: number };
} {
  return {
    metadata: { annotations: { [REPLICAS_BEFORE_IDLE]: null } },
    spec: { replicas }
  };
}

/** A duration in whole hours, minutes and seconds, for display. */
export function durationParts(ms: number): {
  hours: number;
  minutes: number;
  seconds: number;
} {
  const total = Math.max(0, Math.floor(ms / 1000));
  return {
    hours: Math.floor(total / 3600),
    minutes: Math.floor((total % 3600) / 60),
    seconds: total % 60
  };
}
