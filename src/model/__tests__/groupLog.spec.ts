import fc from 'fast-check';

import type { ITimedLine } from '../groupLog';
import { clockTime, mergeByTime, TimedLog } from '../groupLog';

/** A line at second `s` (and nanosecond fraction `ns`) of a fixed minute. */
function at(s: number, text: string, ns = 0): ITimedLine {
  const fraction = String(ns).padStart(9, '0');
  return {
    key: `2026-12-02T10:00:${String(s).padStart(2, '0')}.${fraction}`,
    text
  };
}

describe('mergeByTime', () => {
  it('interleaves the leader and a worker by time', () => {
    const leader = [at(1, 'L1'), at(3, 'L3'), at(5, 'L5')];
    const worker = [at(2, 'W2'), at(4, 'W4')];
    const merged = mergeByTime([leader, worker]);
    expect(merged.map(entry => entry.line.text)).toEqual([
      'L1',
      'W2',
      'L3',
      'W4',
      'L5'
    ]);
    expect(merged.map(entry => entry.source)).toEqual([0, 1, 0, 1, 0]);
  });

  it('orders by the nanoseconds of the timestamp', () => {
    const merged = mergeByTime([
      [at(1, 'late', 500_000_000)],
      [at(1, 'early', 499_999_999)]
    ]);
    expect(merged.map(entry => entry.line.text)).toEqual(['early', 'late']);
  });

  it('puts lines of equal time in the order of the logs, the leader first', () => {
    const merged = mergeByTime([[at(1, 'L')], [at(1, 'W1')], [at(1, 'W2')]]);
    expect(merged.map(entry => entry.line.text)).toEqual(['L', 'W1', 'W2']);
  });

  it('keeps a line without a timestamp after the line before it in its log', () => {
    const leader = [
      at(1, 'L1'),
      { key: null, text: '── recreated ──' },
      at(6, 'L6')
    ];
    const worker = [at(2, 'W2'), at(3, 'W3')];
    expect(mergeByTime([leader, worker]).map(entry => entry.line.text)).toEqual(
      ['L1', '── recreated ──', 'W2', 'W3', 'L6']
    );
    // At the very start it comes first.
    expect(
      mergeByTime([[at(1, 'L1')], [{ key: null, text: 'plain' }]]).map(
        entry => entry.line.text
      )
    ).toEqual(['plain', 'L1']);
  });

  it('returns only the newest lines of a long merge', () => {
    const merged = mergeByTime(
      [
        [at(1, 'a'), at(3, 'c')],
        [at(2, 'b'), at(4, 'd')]
      ],
      3
    );
    expect(merged.map(entry => entry.line.text)).toEqual(['b', 'c', 'd']);
  });

  const timedLine = fc.record({
    key: fc.option(
      fc
        .tuple(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 9 }))
        .map(([s, ns]) => at(s, '', ns).key as string),
      { nil: null, freq: 5 }
    ),
    text: fc.string({ maxLength: 6 })
  });
  const logs = fc.array(fc.array(timedLine, { maxLength: 30 }), {
    maxLength: 6
  });

  it('loses nothing, repeats nothing and keeps each log in its order', () => {
    fc.assert(
      fc.property(logs, sources => {
        const merged = mergeByTime(sources);
        expect(merged).toHaveLength(
          sources.reduce((sum, log) => sum + log.length, 0)
        );
        sources.forEach((log, source) => {
          expect(
            merged
              .filter(entry => entry.source === source)
              .map(entry => entry.line)
          ).toEqual(log);
        });
      }),
      { numRuns: 300, seed: 11 }
    );
  });

  it('is in time order when every log is, stable for equal times', () => {
    const sortedLog = fc.array(timedLine, { maxLength: 30 }).map(log =>
      log
        .map((line, index) => ({
          ...line,
          key: line.key ?? at(0, '').key,
          index
        }))
        .sort((a, b) => (a.key! < b.key! ? -1 : a.key! > b.key! ? 1 : 0))
    );
    fc.assert(
      fc.property(fc.array(sortedLog, { maxLength: 6 }), sources => {
        const merged = mergeByTime(sources);
        for (let index = 1; index < merged.length; index++) {
          const before = merged[index - 1];
          const after = merged[index];
          expect(before.line.key! <= after.line.key!).toBe(true);
          if (
            before.line.key === after.line.key &&
            before.source !== after.source
          ) {
            expect(before.source).toBeLessThan(after.source);
          }
        }
      }),
      { numRuns: 300, seed: 12 }
    );
  });
});

describe('TimedLog', () => {
  it('drops the repeated lines of the second a resumed read starts from', () => {
    const log = new TimedLog(100);
    log.begin(false);
    for (const line of [at(1, 'a'), at(2, 'b'), at(2, 'c')]) {
      log.add(line);
    }
    // sinceTime has whole seconds: the read comes back with b and c again.
    log.begin(true);
    const added = [at(2, 'b'), at(2, 'c'), at(2, 'd'), at(3, 'e')].map(line =>
      log.add(line)
    );
    expect(added).toEqual([false, false, true, true]);
    expect(log.lines.map(line => line.text)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('keeps everything of a new log (a recreated pod), even at earlier times', () => {
    const log = new TimedLog(100);
    log.begin(false);
    log.add(at(5, 'old'));
    log.begin(false);
    log.add({ key: null, text: '── recreated ──' });
    expect(log.add(at(1, 'new'))).toBe(true);
    expect(log.lines.map(line => line.text)).toEqual([
      'old',
      '── recreated ──',
      'new'
    ]);
  });

  it('is bounded and keeps the newest lines', () => {
    const log = new TimedLog(32);
    log.begin(false);
    for (let index = 0; index < 1000; index++) {
      log.add({ key: null, text: String(index) });
      expect(log.lines.length).toBeLessThanOrEqual(32 + 2);
    }
    expect(log.lines[log.lines.length - 1].text).toBe('999');
    expect(log.lines.length + log.dropped).toBe(1000);
    expect(log.lines.length).toBeGreaterThanOrEqual(32);
  });
});

describe('clockTime', () => {
  it('is the time of day to the millisecond, empty without a timestamp', () => {
    expect(clockTime(at(7, '', 123_456_789).key)).toBe('10:00:07.123');
    expect(clockTime(null)).toBe('');
  });
});
