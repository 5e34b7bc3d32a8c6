import { readFileSync } from 'fs';
import { join } from 'path';

import {
  appendSample,
  counterRate,
  ENGINE_METRICS,
  engineStatus,
  readEngineMetrics,
  sparklinePoints,
  statusSeries
} from '../engineMetrics';

/** A recorded page (fixtures/metrics/SOURCES.md says where each comes from). */
function page(name: string): string {
  return readFileSync(
    join(__dirname, 'fixtures', 'metrics', `${name}.metrics.txt`),
    'utf-8'
  );
}

/** The page with one sample's value replaced, as the engine would show it later. */
function advanced(text: string, name: string, value: number): string {
  const line = new RegExp(`^(${name}(\\{[^}]*\\})?) \\S+$`, 'm');
  expect(text).toMatch(line);
  return text.replace(line, `$1 ${value}`);
}

describe('readEngineMetrics on recorded pages', () => {
  it('vLLM 0.7 (V0): the old KV-cache name, counters, successes by reason', () => {
    expect(readEngineMetrics(page('vllm-0.7'))).toEqual({
      engine: 'vllm',
      values: {
        running: 0,
        waiting: 0,
        kvCache: 0,
        promptTokens: 148,
        generationTokens: 955,
        requestsSucceeded: 4,
        requestsFailed: 0
      }
    });
  });

  it('vLLM 0.10 (V1): kv_cache_usage_perc; what the page lacks stays unknown, not 0', () => {
    const reading = readEngineMetrics(page('vllm-0.10'));
    expect(reading.engine).toBe('vllm');
    expect(reading.values.kvCache).toBeCloseTo(9.75010481363281e-6, 12);
    expect(reading.values.running).toBeUndefined();
    expect(reading.values.generationTokens).toBeUndefined();
  });

  it('SGLang (documentation example): token counters and token_usage as KV cache', () => {
    expect(readEngineMetrics(page('sglang-docs'))).toEqual({
      engine: 'sglang',
      values: {
        kvCache: 0.28,
        promptTokens: 8128902,
        generationTokens: 7557572
      }
    });
  });

  it('SGLang 0.5.1: running requests and the engine’s own throughput', () => {
    expect(readEngineMetrics(page('sglang-0.5.1'))).toEqual({
      engine: 'sglang',
      values: {
        running: 1,
        kvCache: 0,
        generationThroughput: 0.8371284457403783
      }
    });
  });

  it('SGLang 0.4.9: finished and aborted requests give successes', () => {
    const reading = readEngineMetrics(page('sglang-0.4'));
    expect(reading.values).toMatchObject({
      running: 0,
      kvCache: 0,
      requestsFinished: 217,
      requestsFailed: 157
    });
    expect(engineStatus({ time: 0, values: reading.values })).toMatchObject({
      succeeded: 60,
      failed: 157
    });
  });

  it('sums data-parallel engines and averages their KV cache', () => {
    const text = [
      'vllm:num_requests_running{engine="0",model_name="m"} 3',
      'vllm:num_requests_running{engine="1",model_name="m"} 5',
      'vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.2',
      'vllm:kv_cache_usage_perc{engine="1",model_name="m"} 0.4',
      'vllm:gpu_cache_usage_perc{engine="0",model_name="m"} 0.9',
      'vllm:request_success_total{finished_reason="stop",model_name="m"} 7',
      'vllm:request_success_total{finished_reason="length",model_name="m"} 2',
      'vllm:request_success_total{finished_reason="abort",model_name="m"} 1'
    ].join('\n');
    const { values } = readEngineMetrics(text);
    expect(values.running).toBe(8);
    // The newer name wins over the older one when a page has both.
    expect(values.kvCache).toBeCloseTo(0.3);
    expect(values.requestsSucceeded).toBe(9);
    // The last line has no newline after it, and still counts.
    expect(values.requestsFailed).toBe(1);
  });

  it('a page of neither engine gives nothing', () => {
    expect(
      readEngineMetrics(
        '# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 4.2\n'
      )
    ).toEqual({ values: {} });
  });
});

describe('rates from counters between reads', () => {
  it('vLLM: tokens/s from two reads of the recorded page, counters advanced', () => {
    const first = page('vllm-0.7');
    const second = advanced(
      advanced(first, 'vllm:generation_tokens_total', 1255),
      'vllm:prompt_tokens_total',
      248
    );
    const status = engineStatus(
      { time: 15_000, values: readEngineMetrics(second).values },
      { time: 10_000, values: readEngineMetrics(first).values }
    );
    expect(status.generationTokensPerSecond).toBe(60);
    expect(status.promptTokensPerSecond).toBe(20);
    expect(status.succeeded).toBe(4);
  });

  it('SGLang: the counter rate, else the engine’s own gen_throughput', () => {
    const first = page('sglang-docs');
    const second = advanced(
      first,
      'sglang:generation_tokens_total',
      7557572 + 900
    );
    const status = engineStatus(
      { time: 3_000, values: readEngineMetrics(second).values },
      { time: 0, values: readEngineMetrics(first).values }
    );
    expect(status.generationTokensPerSecond).toBe(300);
    const alone = readEngineMetrics(page('sglang-0.5.1')).values;
    expect(
      engineStatus({ time: 0, values: alone }).generationTokensPerSecond
    ).toBeCloseTo(0.837, 3);
  });

  it('counterRate counts a reset counter from zero and needs time between reads', () => {
    expect(counterRate(100, 160, 2)).toBe(30);
    expect(counterRate(1000, 40, 2)).toBe(20);
    expect(counterRate(undefined, 40, 2)).toBeUndefined();
    expect(counterRate(10, 40, 0)).toBeUndefined();
  });
});

describe('history and sparklines', () => {
  it('keeps the window and gives one status per pair of samples', () => {
    let history = appendSample(
      [],
      { time: 0, values: { generationTokens: 0 } },
      10_000
    );
    history = appendSample(
      history,
      { time: 5_000, values: { generationTokens: 50 } },
      10_000
    );
    history = appendSample(
      history,
      { time: 12_000, values: { generationTokens: 120 } },
      10_000
    );
    expect(history.map(sample => sample.time)).toEqual([5_000, 12_000]);
    expect(statusSeries(history).map(s => s.generationTokensPerSecond)).toEqual(
      [10]
    );
  });

  it('draws oldest left, scaled to the largest value, flat at the bottom for zeros', () => {
    expect(sparklinePoints([0, 5, 10], 100, 20)).toBe('0,20 50,10 100,0');
    expect(sparklinePoints([0, 0], 60, 10)).toBe('0,10 60,10');
    expect(sparklinePoints([], 60, 10)).toBe('');
  });
});

describe('ENGINE_METRICS', () => {
  it('has a source and a release note for every name, and both engines for each shown quantity', () => {
    for (const entry of ENGINE_METRICS) {
      expect(entry.source).not.toBe('');
      expect(entry.releases).not.toBe('');
    }
    for (const quantity of [
      'running',
      'waiting',
      'kvCache',
      'promptTokens',
      'generationTokens'
    ]) {
      const engines = ENGINE_METRICS.filter(e => e.quantity === quantity).map(
        e => e.engine
      );
      expect(new Set(engines)).toEqual(new Set(['vllm', 'sglang']));
    }
  });
});
