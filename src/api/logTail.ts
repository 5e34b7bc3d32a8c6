/**
 * The newest lines of a log, bounded: a ring buffer addressed by sequence numbers that keep
 * counting as old lines fall out, so a search can be updated with only the new lines.
 *
 * #### Notes
 * Engines with NCCL_DEBUG=INFO write tens of thousands of lines; keeping all of them (or
 * rendering all of them) would freeze the browser. The view keeps `capacity` lines (the
 * `logTailLines` setting) and renders only the visible window.
 */
export class LogTail {
  constructor(capacity: number) {
    this._capacity = Math.max(1, Math.floor(capacity));
    this._ring = new Array(this._capacity);
  }

  /** The most lines kept. */
  get capacity(): number {
    return this._capacity;
  }

  /** Lines kept now. */
  get size(): number {
    return this._size;
  }

  /** Sequence number of the oldest kept line. */
  get firstSeq(): number {
    return this._end - this._size;
  }

  /** Sequence number the next line will get (= lines ever pushed). */
  get endSeq(): number {
    return this._end;
  }

  /** Lines that fell out of the tail. */
  get dropped(): number {
    return this.firstSeq;
  }

  /** Appends lines, dropping the oldest beyond the capacity. */
  push(lines: readonly string[]): void {
    for (const line of lines) {
      this._ring[this._end % this._capacity] = line;
      this._end += 1;
      if (this._size < this._capacity) {
        this._size += 1;
      }
    }
  }

  /** The line with sequence number `seq`, or undefined when it is not kept. */
  at(seq: number): string | undefined {
    if (seq < this.firstSeq || seq >= this._end) {
      return undefined;
    }
    return this._ring[seq % this._capacity];
  }

  /** The kept lines, oldest first. */
  lines(): string[] {
    const result: string[] = [];
    for (let seq = this.firstSeq; seq < this._end; seq++) {
      result.push(this._ring[seq % this._capacity]);
    }
    return result;
  }

  /** The kept lines as one text. */
  text(): string {
    return this.lines().join('\n');
  }

  /** The newest `count` kept lines as one text. */
  tailText(count: number): string {
    const result: string[] = [];
    const from = Math.max(this.firstSeq, this._end - Math.max(0, count));
    for (let seq = from; seq < this._end; seq++) {
      result.push(this._ring[seq % this._capacity]);
    }
    return result.join('\n');
  }

  /** Forgets every line (sequence numbers keep counting). */
  clear(): void {
    this._size = 0;
    this._ring = new Array(this._capacity);
  }

  private _capacity: number;
  private _ring: string[];
  private _size = 0;
  private _end = 0;
}

/**
 * The lines of a {@link LogTail} that contain a query (case-insensitive), kept up to date
 * incrementally: each update tests only the lines pushed since the last one.
 */
export class LogSearch {
  constructor(readonly tail: LogTail) {}

  get query(): string {
    return this._query;
  }

  /** Changes the query; the matches are recomputed at the next {@link update}. */
  set query(value: string) {
    if (value !== this._query) {
      this._query = value;
      this._needle = value.toLocaleLowerCase();
      this._matches = [];
      this._head = 0;
      this._checked = this.tail.firstSeq;
    }
  }

  /** True when a query filters the lines. */
  get active(): boolean {
    return this._query !== '';
  }

  /** Brings the matches up to date with the tail; returns how many lines match. */
  update(): number {
    if (!this.active) {
      return this.tail.size;
    }
    const first = this.tail.firstSeq;
    this._checked = Math.max(this._checked, first);
    for (let seq = this._checked; seq < this.tail.endSeq; seq++) {
      if (
        (this.tail.at(seq) ?? '').toLocaleLowerCase().includes(this._needle)
      ) {
        this._matches.push(seq);
      }
    }
    this._checked = this.tail.endSeq;
    while (
      this._head < this._matches.length &&
      this._matches[this._head] < first
    ) {
      this._head += 1;
    }
    if (this._head > 1024 && this._head * 2 > this._matches.length) {
      // Compact now and then instead of shifting on every dropped line.
      this._matches = this._matches.slice(this._head);
      this._head = 0;
    }
    return this.count;
  }

  /** Lines shown: the matches, or every kept line without a query. */
  get count(): number {
    return this.active ? this._matches.length - this._head : this.tail.size;
  }

  /** The sequence number of the `index`-th shown line. */
  seqAt(index: number): number {
    return this.active
      ? this._matches[this._head + index]
      : this.tail.firstSeq + index;
  }

  /** The shown lines from `start` (inclusive) to `end` (exclusive). */
  slice(start: number, end: number): { seq: number; text: string }[] {
    const result: { seq: number; text: string }[] = [];
    const last = Math.min(end, this.count);
    for (let index = Math.max(0, start); index < last; index++) {
      const seq = this.seqAt(index);
      result.push({ seq, text: this.tail.at(seq) ?? '' });
    }
    return result;
  }

  private _query = '';
  private _needle = '';
  private _matches: number[] = [];
  private _head = 0;
  private _checked = 0;
}

// eslint-disable-next-line no-control-regex -- terminal colour codes start with ESC
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

/**
 * A raw log line as a terminal would show it: colour codes removed, and of a line that a
 * progress bar redrew with carriage returns, only the last drawing.
 */
export function displayLine(raw: string): string {
  const clean = raw.replace(ANSI, '');
  if (!clean.includes('\r')) {
    return clean;
  }
  const drawings = clean.split('\r').filter(drawing => drawing.trim() !== '');
  return drawings[drawings.length - 1] ?? '';
}
