// One log of a whole LWS group: the logs of its pods (leader and workers) merged in time
// order, as the API server stamps each line with `timestamps=true`. A multi-node failure is
// often read across pods (a worker's NCCL error, then the leader's timeout), so the order
// between pods matters more than each pod's log alone.

/**
 * A log line with the key its timestamp sorts by (RFC 3339 with the fraction padded to nine
 * digits, as `splitTimestamp` in src/api/logStream.ts makes it), or null when the line
 * carried none (a separator, a line of a source without timestamps).
 */
export interface ITimedLine {
  key: string | null;
  text: string;
}

/** A line of the merged log: the index of the log it came from, and the line. */
export interface IMergedLine<T extends ITimedLine = ITimedLine> {
  source: number;
  line: T;
}

/**
 * The lines of several logs in one time order: a k-way merge by timestamp key. Each log's
 * own order is kept (a log is written in order; a line without a timestamp stays after the
 * line before it in its log), lines of equal time come in the order of the logs (the leader
 * first), and nothing is lost or repeated. When every log is in time order the result is.
 * Of a long merge only the newest `limit` lines are returned.
 */
export function mergeByTime<T extends ITimedLine>(
  sources: readonly (readonly T[])[],
  limit = Infinity
): IMergedLine<T>[] {
  const next = sources.map(() => 0);
  // A line without a key sorts with the line before it in its log ('' before any time).
  const carried = sources.map(() => '');
  const keyOf = (source: number): string =>
    sources[source][next[source]].key ?? carried[source];
  const merged: IMergedLine<T>[] = [];
  for (;;) {
    let best = -1;
    for (let source = 0; source < sources.length; source++) {
      if (
        next[source] < sources[source].length &&
        (best === -1 || keyOf(source) < keyOf(best))
      ) {
        best = source;
      }
    }
    if (best === -1) {
      break;
    }
    const line = sources[best][next[best]];
    carried[best] = keyOf(best);
    next[best] += 1;
    merged.push({ source: best, line });
  }
  return merged.length > limit ? merged.slice(merged.length - limit) : merged;
}

/**
 * One pod's lines for the merge, bounded: the newest `capacity` lines are kept, and at most a
 * sixteenth more (the oldest go in chunks). A log is read in one or more passes:
 * a pass that resumes a paused log from `sinceTime` (whole seconds) gets the lines of that
 * second again, which are dropped here as the single-pod view drops them.
 */
export class TimedLog {
  constructor(capacity: number) {
    this._capacity = Math.max(1, Math.floor(capacity));
  }

  /** The kept lines, oldest first. */
  get lines(): readonly ITimedLine[] {
    return this._lines;
  }

  /** Lines dropped for the bound. */
  get dropped(): number {
    return this._dropped;
  }

  /**
   * A read begins: `resumed` when it continues the lines kept (since the newest line's time),
   * not a new log (the first read, a restarted container, a recreated pod).
   */
  begin(resumed: boolean): void {
    this._repeats = resumed && this._last ? this._last.count : 0;
    this._resumed = resumed && this._last !== null;
  }

  /** Adds a line; false when it repeats one already kept (a resumed read's first second). */
  add(line: ITimedLine): boolean {
    const last = this._last;
    if (this._resumed && last && line.key !== null) {
      if (
        line.key < last.key ||
        (line.key === last.key && this._repeats-- > 0)
      ) {
        return false;
      }
      this._resumed = false;
    }
    if (line.key !== null) {
      this._last =
        last?.key === line.key
          ? { key: line.key, count: last.count + 1 }
          : { key: line.key, count: 1 };
    }
    this._lines.push(line);
    if (this._lines.length > this._capacity) {
      // Drop in chunks, not one shift per line.
      const excess = this._lines.length - this._capacity;
      if (excess >= Math.max(1, this._capacity >> 4)) {
        this._lines.splice(0, excess);
        this._dropped += excess;
      }
    }
    return true;
  }

  private _capacity: number;
  private _lines: ITimedLine[] = [];
  private _dropped = 0;
  private _last: { key: string; count: number } | null = null;
  private _repeats = 0;
  private _resumed = false;
}

/** The time of day of a line's key to the millisecond (`10:00:01.123`), '' without one. */
export function clockTime(key: string | null): string {
  return key === null ? '' : key.slice(11, 23);
}
