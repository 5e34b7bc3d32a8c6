// Kubernetes events and timestamps, shared by the status and the overview of a deployment:
// when something happened, whether an event is about the current pod of a reused name, and
// the short ages and durations the sidebar shows.

import type { CoreV1Event } from '@kubernetes/client-node';

/**
 * Milliseconds since the epoch of a timestamp, or undefined. Objects read as plain JSON
 * carry RFC 3339 strings where the client-node types say Date, so both are read.
 */
export function toMillis(value: unknown): number | undefined {
  const millis =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'string'
        ? Date.parse(value)
        : NaN;
  return Number.isNaN(millis) ? undefined : millis;
}

/** A timestamp as an ISO string, or undefined. */
export function toIso(value: unknown): string | undefined {
  const millis = toMillis(value);
  return millis === undefined ? undefined : new Date(millis).toISOString();
}

/** When an event last happened, in milliseconds (0 when it says nothing). */
export function eventTime(event: CoreV1Event): number {
  for (const value of [
    event.lastTimestamp,
    event.eventTime,
    event.firstTimestamp,
    event.metadata?.creationTimestamp
  ] as unknown[]) {
    const millis = toMillis(value);
    if (millis !== undefined) {
      return millis;
    }
  }
  return 0;
}

/**
 * Whether an event about a pod concerns the pod created at `podCreated`: LWS reuses pod
 * names when it recreates a group, so an older event is about a predecessor.
 */
export function isAboutCurrentPod(
  event: CoreV1Event,
  podCreated: number | undefined
): boolean {
  return podCreated === undefined || eventTime(event) >= podCreated;
}

/** kubectl's short age: seconds under 2 minutes, then minutes, hours, days. */
export function age(created: Date | string | undefined, now: Date): string {
  const start = toMillis(created);
  if (start === undefined) {
    return '';
  }
  const seconds = Math.max(0, Math.floor((now.getTime() - start) / 1000));
  if (seconds < 120) {
    return `${seconds}s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) {
    return `${minutes}m`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    return `${hours}h`;
  }
  return `${Math.floor(hours / 24)}d`;
}

/** A duration for status messages: "45 s", "12 min", "2 h 5 min". */
export function duration(seconds: number): string {
  if (seconds < 60) {
    return `${seconds} s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes} min`;
  }
  const rest = minutes % 60;
  return `${Math.floor(minutes / 60)} h${rest ? ` ${rest} min` : ''}`;
}
