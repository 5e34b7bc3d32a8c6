// The load probe's statistics: N concurrent streamed requests, summarised with the metric
// names `vllm bench serve` prints (and the keys of its --save-result JSON), so a probe from
// JupyterLab reads like a benchmark run on the cluster.
// Source: vllm/benchmarks/serve.py (`Request throughput (req/s)`, `Output token throughput
// (tok/s)`, `P95 TTFT (ms)`, `P95 ITL (ms)`, ...); percentiles as numpy.percentile (linear).

/** The outcome of one streamed request of a probe (times in ms from the probe's start). */
export interface IProbeRequest {
  /** When the request was sent. */
  startMs: number;
  /** When the stream ended (or failed). */
  endMs: number;
  /** Arrival time of each chunk that carried output (content or reasoning). */
  tokenTimesMs: number[];
  /** Output tokens: the engine's usage count, else the number of output chunks. */
  outputTokens: number;
  /** Why it failed; absent on success. */
  error?: string;
}

/** A probe's summary, keyed as `vllm bench serve --save-result` keys it. */
export interface IProbeSummary {
  completed: number;
  failed: number;
  /** Wall time of the whole probe, s. */
  duration: number;
  total_output_tokens: number;
  /** Completed requests per second. */
  request_throughput: number;
  /** Output tokens per second, over all requests. */
  output_throughput: number;
  mean_ttft_ms: number;
  p50_ttft_ms: number;
  p95_ttft_ms: number;
  mean_itl_ms: number;
  p50_itl_ms: number;
  p95_itl_ms: number;
  /** Distinct error messages with their counts, most frequent first. */
  errors: { message: string; count: number }[];
}

/** The rows of a summary, named as `vllm bench serve` prints them. */
export const PROBE_METRICS: readonly {
  key: keyof IProbeSummary;
  /** The metric's name in `vllm bench serve`'s report (not translated: it is that tool's). */
  name: string;
  digits: number;
}[] = [
  { key: 'completed', name: 'Successful requests', digits: 0 },
  { key: 'failed', name: 'Failed requests', digits: 0 },
  { key: 'duration', name: 'Benchmark duration (s)', digits: 2 },
  { key: 'total_output_tokens', name: 'Total generated tokens', digits: 0 },
  { key: 'request_throughput', name: 'Request throughput (req/s)', digits: 2 },
  {
    key: 'output_throughput',
    name: 'Output token throughput (tok/s)',
    digits: 2
  },
  { key: 'mean_ttft_ms', name: 'Mean TTFT (ms)', digits: 2 },
  { key: 'p50_ttft_ms', name: 'P50 TTFT (ms)', digits: 2 },
  { key: 'p95_ttft_ms', name: 'P95 TTFT (ms)', digits: 2 },
  { key: 'mean_itl_ms', name: 'Mean ITL (ms)', digits: 2 },
  { key: 'p50_itl_ms', name: 'P50 ITL (ms)', digits: 2 },
  { key: 'p95_itl_ms', name: 'P95 ITL (ms)', digits: 2 }
];

/** The smallest and largest concurrency a probe accepts. */
export const PROBE_CONCURRENCY = { min: 1, max: 64 } as const;

/** Clamps a requested concurrency to {@link PROBE_CONCURRENCY} (a whole number). */
export function clampConcurrency(value: number): number {
  if (!Number.isFinite(value)) {
    return PROBE_CONCURRENCY.min;
  }
  return Math.min(
    PROBE_CONCURRENCY.max,
    Math.max(PROBE_CONCURRENCY.min, Math.round(value))
  );
}

/**
 * The `q`-th percentile (0-100) of `values`, interpolated linearly between the closest ranks
 * as numpy.percentile does by default; 0 for no values (as vLLM reports an empty list).
 */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) {
    return 0;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (Math.min(100, Math.max(0, q)) / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

function mean(values: readonly number[]): number {
  return values.length === 0
    ? 0
    : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Time to first token of a request, ms (undefined when no output came). */
export function ttftMs(request: IProbeRequest): number | undefined {
  return request.tokenTimesMs.length > 0
    ? request.tokenTimesMs[0] - request.startMs
    : undefined;
}

/** Inter-token latencies of a request: the gaps between consecutive output chunks, ms. */
export function interTokenLatenciesMs(request: IProbeRequest): number[] {
  const times = request.tokenTimesMs;
  return times.slice(1).map((time, index) => time - times[index]);
}

/**
 * Summarises a probe. `durationMs` is the probe's wall time (first send to last end); only
 * successful requests count towards throughput, TTFT and ITL, as in `vllm bench serve`.
 */
export function summarizeProbe(
  requests: readonly IProbeRequest[],
  durationMs: number
): IProbeSummary {
  const ok = requests.filter(request => request.error === undefined);
  const seconds = durationMs / 1000;
  const ttfts = ok
    .map(ttftMs)
    .filter((value): value is number => value !== undefined);
  const itls = ok.flatMap(interTokenLatenciesMs);
  const outputTokens = ok.reduce(
    (sum, request) => sum + request.outputTokens,
    0
  );
  const counts = new Map<string, number>();
  for (const request of requests) {
    if (request.error !== undefined) {
      counts.set(request.error, (counts.get(request.error) ?? 0) + 1);
    }
  }
  return {
    completed: ok.length,
    failed: requests.length - ok.length,
    duration: seconds,
    total_output_tokens: outputTokens,
    request_throughput: seconds > 0 ? ok.length / seconds : 0,
    output_throughput: seconds > 0 ? outputTokens / seconds : 0,
    mean_ttft_ms: mean(ttfts),
    p50_ttft_ms: percentile(ttfts, 50),
    p95_ttft_ms: percentile(ttfts, 95),
    mean_itl_ms: mean(itls),
    p50_itl_ms: percentile(itls, 50),
    p95_itl_ms: percentile(itls, 95),
    errors: [...counts]
      .map(([message, count]) => ({ message, count }))
      .sort((a, b) => b.count - a.count || a.message.localeCompare(b.message))
  };
}

/**
 * Points of a small chart: each request's TTFT (ms) in the order requests were sent, failed
 * ones as null (a gap), so queueing behind the concurrency limit shows as a rising line.
 */
export function ttftSeries(
  requests: readonly IProbeRequest[]
): (number | null)[] {
  return [...requests]
    .sort((a, b) => a.startMs - b.startMs)
    .map(request =>
      request.error === undefined ? (ttftMs(request) ?? null) : null
    );
}
