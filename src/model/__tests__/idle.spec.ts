import type { IMetricsSample } from '../engineMetrics';
import {
  idleFor,
  idleRecordOf,
  isIdle,
  totalGpusHeld,
  updateIdle
} from '../idle';

const MINUTE = 60_000;

/** A reading at minute `m` with the given counters. */
function at(m: number, values: IMetricsSample['values']): IMetricsSample {
  return { time: m * MINUTE, values };
}

describe('idle detection from counter series', () => {
  it('is idle since the counters last moved', () => {
    const record = idleRecordOf([
      at(0, { generationTokens: 100, requestsSucceeded: 4, running: 0 }),
      at(10, { generationTokens: 250, requestsSucceeded: 6, running: 0 }),
      at(20, { generationTokens: 250, requestsSucceeded: 6, running: 0 }),
      at(90, { generationTokens: 250, requestsSucceeded: 6, running: 0 })
    ]);
    expect(record?.since).toBe(10 * MINUTE);
    expect(idleFor(record, 130 * MINUTE)).toBe(120 * MINUTE);
    expect(isIdle(record, 69 * MINUTE, 60)).toBe(false);
    expect(isIdle(record, 70 * MINUTE, 60)).toBe(true);
  });

  it('a running or waiting request is activity even while the counters stand still', () => {
    const record = idleRecordOf([
      at(0, { generationTokens: 10, running: 0, waiting: 0 }),
      at(30, { generationTokens: 10, running: 0, waiting: 2 }),
      at(40, { generationTokens: 10, running: 0, waiting: 0 })
    ]);
    expect(record?.since).toBe(30 * MINUTE);
  });

  it('an engine restart (counters back to zero) counts as a change', () => {
    const record = idleRecordOf([
      at(0, { promptTokens: 500, generationTokens: 900 }),
      at(5, { promptTokens: 0, generationTokens: 0 })
    ]);
    expect(record?.since).toBe(5 * MINUTE);
  });

  it('works on SGLang’s counters and keeps a stored record across reads', () => {
    const stored = idleRecordOf([
      at(0, { requestsFinished: 217, requestsFailed: 157, running: 0 })
    ]);
    const later = updateIdle(
      stored,
      at(120, { requestsFinished: 217, requestsFailed: 157, running: 0 })
    );
    expect(later).toBe(stored);
    expect(isIdle(later, 120 * MINUTE, 60)).toBe(true);
  });

  it('cannot tell without activity counters (SGLang without --enable-metrics, other pages)', () => {
    expect(
      updateIdle(undefined, at(0, { running: 0, kvCache: 0 }))
    ).toBeUndefined();
    expect(isIdle(undefined, 500 * MINUTE, 60)).toBe(false);
    expect(idleFor(undefined, 500 * MINUTE)).toBe(0);
  });
});

describe('totalGpusHeld', () => {
  it('adds the GPUs each deployment holds', () => {
    expect(
      totalGpusHeld([{ gpusInUse: 8 }, { gpusInUse: 0 }, { gpusInUse: 16 }])
    ).toBe(24);
    expect(totalGpusHeld([])).toBe(0);
  });
});
