import type { V1Pod } from '@kubernetes/client-node';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import type { ILogOptions } from '../../api/kube';
import type { ILogSource } from '../../api/logStream';
import { LogStream, splitTimestamp } from '../../api/logStream';
import { displayLine } from '../../api/logTail';
import type { IMergedLine, ITimedLine } from '../../model/groupLog';
import { mergeByTime, TimedLog } from '../../model/groupLog';
import type { FollowAction, IFollowState } from './followedPod';
import { followPod, podLife, UNSEEN } from './followedPod';

/** A pod of the group as the merged log names it. */
export interface IGroupMember {
  name: string;
  role: 'leader' | 'worker';
  /** 0 for the leader, 1... for the workers (LWS's worker index). */
  workerIndex: number;
}

/** One followed pod of the group: its stream, its lines for the merge, its life. */
export interface IGroupLogEntry {
  member: IGroupMember;
  stream: LogStream;
  log: TimedLog;
  follow: IFollowState;
}

/** A line of the merged log with the pod it came from. */
export interface IGroupLogLine {
  entry: IGroupLogEntry;
  line: ITimedLine;
  /** A separator the view wrote (a restart or a recreation), not a line of the pod. */
  separator: boolean;
}

/** Options of a {@link GroupLog}. */
export interface IGroupLogOptions {
  /** The log transport (the live channel's logs); {@link LogStream} reads through it. */
  source: ILogSource;
  /** Lines kept per pod, and in the merged log. */
  tailLines: number;
  /** The separator line written when a pod's container restarted or the pod was recreated. */
  separator: (
    member: IGroupMember,
    action: 'restarted' | 'recreated',
    restarts: number
  ) => string;
}

/**
 * Follows every pod of an LWS group (leader and workers) and merges their logs in time
 * order ({@link mergeByTime}); the view renders {@link lines}.
 *
 * #### Notes
 * Each pod's log is a {@link LogStream} (through the same {@link ILogSource} as a single-pod
 * view, so it follows whatever carries logs), asked with `timestamps=true`; the raw lines
 * are read on their way into the stream, so their timestamps order the merge. A pod name
 * is followed through its lives as a log tab does ({@link followPod}): LWS recreates a
 * group's pods under the same names, and the new pod's log follows below a separator. A
 * pod added to the group later (a worker scheduled after the leader) joins when it appears.
 * A hidden view reads nothing; shown again, it goes on from each pod's last line.
 */
export class GroupLog implements IDisposable {
  constructor(options: IGroupLogOptions) {
    this._options = options;
  }

  /** Emitted when lines arrive or a pod's state changes (coalesced by the streams). */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The followed pods, leader first. */
  get entries(): readonly IGroupLogEntry[] {
    return this._entries;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /**
   * The group's pods now, leader first, with their objects (undefined: not there now): new
   * pods are followed, and each pod's life decides whether its log is read, stops or goes
   * on below a separator. Returns true when any pod's state changed.
   */
  update(members: readonly (IGroupMember & { pod?: V1Pod })[]): boolean {
    if (this._disposed) {
      return false;
    }
    let changed = false;
    for (const member of members) {
      if (!this._entries.some(entry => entry.member.name === member.name)) {
        this._entries.push(this._follow(member));
        changed = true;
      }
    }
    this._entries.sort((a, b) => a.member.workerIndex - b.member.workerIndex);
    for (const entry of this._entries) {
      const now = members.find(member => member.name === entry.member.name);
      const { state, action } = followPod(
        entry.follow,
        podLife(now?.pod, entry.stream.container)
      );
      const phaseChanged = state.phase !== entry.follow.phase;
      entry.follow = state;
      this._act(entry, action);
      changed ||= action !== 'none' || phaseChanged;
    }
    if (changed) {
      this._changed.emit();
    }
    return changed;
  }

  /** The merged lines, oldest first: at most `tailLines`. */
  lines(): IGroupLogLine[] {
    const merged: IMergedLine[] = mergeByTime(
      this._entries.map(entry => entry.log.lines),
      this._options.tailLines
    );
    return merged.map(({ source, line }) => ({
      entry: this._entries[source],
      line,
      separator: this._separators.has(line)
    }));
  }

  /** Stops reading (the view is hidden); lines stay. */
  pause(): void {
    this._visible = false;
    for (const entry of this._entries) {
      entry.stream.pause();
    }
  }

  /** Reads again (the view is shown): pending reads first, then every paused pod. */
  resume(): void {
    this._visible = true;
    for (const entry of this._entries) {
      const pending = this._pending.get(entry);
      this._pending.delete(entry);
      if (pending !== undefined) {
        this._read(entry, pending);
      } else if (entry.stream.state === 'paused') {
        entry.stream.resume();
      }
    }
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    for (const entry of this._entries) {
      entry.stream.dispose();
    }
    Signal.clearData(this);
  }

  private _follow(member: IGroupMember & { pod?: V1Pod }): IGroupLogEntry {
    const { source, tailLines } = this._options;
    const log = new TimedLog(tailLines);
    // The stream reads through this tap: each raw line, timestamp and all, also goes to the
    // merge. A read with sinceTime continues the kept lines (its first second comes again).
    const tap = async function* (
      lines: AsyncIterable<string>,
      options: ILogOptions
    ): AsyncIterable<string> {
      log.begin(options.sinceTime !== undefined);
      for await (const raw of lines) {
        const { key, text } = splitTimestamp(raw);
        log.add({ key, text: displayLine(text) });
        yield raw;
      }
    };
    const tapped = new TappedSource(source, tap);
    const stream = new LogStream({
      source: tapped,
      pod: member.name,
      container: member.pod?.spec?.containers?.[0]?.name,
      tailLines
    });
    stream.changed.connect(() => this._changed.emit());
    const { name, role, workerIndex } = member;
    return {
      member: { name, role, workerIndex },
      stream,
      log,
      follow: UNSEEN
    };
  }

  private _act(entry: IGroupLogEntry, action: FollowAction): void {
    switch (action) {
      case 'read':
        this._read(entry, null);
        break;
      case 'gone':
        this._pending.delete(entry);
        entry.stream.stop();
        break;
      case 'restarted':
      case 'recreated':
        this._read(
          entry,
          this._options.separator(
            entry.member,
            action,
            entry.follow.read?.restarts ?? 0
          )
        );
        break;
    }
  }

  // Reads a pod's log from its tail (no separator) or a new container's log below one.
  private _read(entry: IGroupLogEntry, separator: string | null): void {
    if (!this._visible) {
      // A first read still to make stays a first read.
      const pending = this._pending.get(entry);
      this._pending.set(entry, pending === null ? null : separator);
      return;
    }
    if (separator === null) {
      entry.stream.start();
    } else {
      const line: ITimedLine = { key: null, text: separator };
      this._separators.add(line);
      entry.log.begin(false);
      entry.log.add(line);
      entry.stream.continueWith(separator);
    }
  }

  private _options: IGroupLogOptions;
  private _entries: IGroupLogEntry[] = [];
  private _pending = new Map<IGroupLogEntry, string | null>();
  private _separators = new WeakSet<ITimedLine>();
  private _visible = true;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}

/** An {@link ILogSource} that passes each read through `tap`, and otherwise is `source`. */
class TappedSource implements ILogSource {
  constructor(
    private readonly _source: ILogSource,
    private readonly _tap: (
      lines: AsyncIterable<string>,
      options: ILogOptions
    ) => AsyncIterable<string>
  ) {}

  logLines(
    pod: string,
    options: ILogOptions,
    signal: AbortSignal
  ): AsyncIterable<string> {
    return this._tap(this._source.logLines(pod, options, signal), options);
  }

  /** The source's signal that a lost transport is back (when it has one). */
  get reconnected(): ISignal<unknown, void> | undefined {
    return (this._source as { reconnected?: ISignal<unknown, void> })
      .reconnected;
  }
}
