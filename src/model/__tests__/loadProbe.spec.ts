import type { IProbeRequest } from '../loadProbe';
import {
  clampConcurrency,
  interTokenLatenciesMs,
  percentile,
  PROBE_METRICS,
  summarizeProbe,
  ttftSeries
} from '../loadProbe';

const request = (
  startMs: number,
  tokenTimesMs: number[],
  endMs: number,
  error?: string
): IProbeRequest => ({
  startMs,
  endMs,
  tokenTimesMs,
  outputTokens: tokenTimesMs.length,
  ...(error === undefined ? {} : { error })
});

describe('percentile', () => {
  it('interpolates between ranks as numpy.percentile does', () => {
    // numpy.percentile([1, 2, 3, 4], [50, 95]) == [2.5, 3.85]
    expect(percentile([4, 1, 3, 2], 50)).toBeCloseTo(2.5);
    expect(percentile([4, 1, 3, 2], 95)).toBeCloseTo(3.85);
    expect(percentile([7], 95)).toBe(7);
  });

  it('is 0 for no values, as vLLM reports an empty list', () => {
    expect(percentile([], 50)).toBe(0);
  });
});

describe('clampConcurrency', () => {
  it('keeps the probe between 1 and 64 concurrent requests', () => {
    expect(clampConcurrency(0)).toBe(1);
    expect(clampConcurrency(8)).toBe(8);
    expect(clampConcurrency(8.6)).toBe(9);
    expect(clampConcurrency(1000)).toBe(64);
    expect(clampConcurrency(NaN)).toBe(1);
  });
});

describe('summarizeProbe', () => {
  it('reports throughput, TTFT and ITL of the successful requests', () => {
    const requests = [
      request(0, [100, 110, 130], 140),
      request(0, [200, 220], 230),
      request(50, [], 60, 'HTTP 503: loading')
    ];
    const summary = summarizeProbe(requests, 2000);
    expect(summary).toMatchObject({
      completed: 2,
      failed: 1,
      duration: 2,
      total_output_tokens: 5,
      request_throughput: 1,
      output_throughput: 2.5,
      mean_ttft_ms: 150,
      p50_ttft_ms: 150,
      errors: [{ message: 'HTTP 503: loading', count: 1 }]
    });
    // Inter-token gaps: 10, 20 (first request), 20 (second).
    expect(summary.p50_itl_ms).toBe(20);
    expect(summary.mean_itl_ms).toBeCloseTo(50 / 3);
    expect(summary.p95_ttft_ms).toBeCloseTo(195);
  });

  it('counts each distinct error, most frequent first', () => {
    const summary = summarizeProbe(
      [
        request(0, [], 1, 'timeout'),
        request(0, [], 1, 'refused'),
        request(0, [], 1, 'refused')
      ],
      10
    );
    expect(summary.errors).toEqual([
      { message: 'refused', count: 2 },
      { message: 'timeout', count: 1 }
    ]);
    expect(summary.request_throughput).toBe(0);
    expect(summary.p95_itl_ms).toBe(0);
  });

  it('names every figure as vllm bench serve prints it', () => {
    const labels = PROBE_METRICS.map(metric => metric.name);
    expect(labels).toContain('Request throughput (req/s)');
    expect(labels).toContain('Output token throughput (tok/s)');
    expect(labels).toContain('P95 TTFT (ms)');
    expect(labels).toContain('P95 ITL (ms)');
  });
});

describe('request series', () => {
  it('gives inter-token gaps of one request', () => {
    expect(interTokenLatenciesMs(request(0, [5, 8, 20], 20))).toEqual([3, 12]);
  });

  it('plots TTFT in send order with failures as gaps', () => {
    expect(
      ttftSeries([
        request(10, [40], 50),
        request(0, [5], 6),
        request(5, [], 6, 'x')
      ])
    ).toEqual([5, null, 30]);
  });
});
