// Live engine numbers from a model server's Prometheus page (`GET /metrics` on the leader):
// running and waiting requests, KV-cache use, prompt and generation tokens/s, finished and
// failed requests. vLLM and SGLang name these differently, and both renamed some across
// releases: ENGINE_METRICS is the one table of names, each with where it is documented.
// The text is parsed by parse-prometheus-text-format (a port of the Prometheus Python
// client's parser, prom2json-shaped output, one small dependency).

import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/** What the deployment detail shows, whichever engine serves it. */
export type EngineQuantity =
  | 'running'
  | 'waiting'
  /** Fraction (0..1) of the KV cache in use. */
  | 'kvCache'
  | 'promptTokens'
  | 'generationTokens'
  /** The engine's own generation tokens/s (SGLang), used when no counter rate exists. */
  | 'generationThroughput'
  | 'requestsSucceeded'
  /** All finished requests, successful or not (SGLang's num_requests_total). */
  | 'requestsFinished'
  | 'requestsFailed';

/** How samples of one name add up across label sets (data-parallel engines, ranks). */
export type MetricKind = 'gauge' | 'counter' | 'ratio';

/** One engine metric name and what it means here. */
export interface IEngineMetricName {
  engine: 'vllm' | 'sglang';
  name: string;
  quantity: EngineQuantity;
  /** gauge and counter: summed over label sets; ratio: averaged. */
  kind: MetricKind;
  /** Only samples whose labels match (e.g. vLLM's finished_reason). */
  only?: Record<string, string>;
  /** Samples whose labels match are left out. */
  except?: Record<string, string>;
  /** The releases that serve the name. */
  releases: string;
  source: string;
}

const VLLM_DOCS = 'docs.vllm.ai, Production Metrics (usage/metrics)';
const SGLANG_DOCS = 'docs.sglang.io, References > Production Metrics';

/**
 * The names, by engine; for a quantity the first name a page has wins (newer names first).
 * Fixtures of real pages: src/model/__tests__/fixtures/metrics (SOURCES.md).
 */
export const ENGINE_METRICS: readonly IEngineMetricName[] = [
  {
    engine: 'vllm',
    name: 'vllm:num_requests_running',
    quantity: 'running',
    kind: 'gauge',
    releases: 'all',
    source: VLLM_DOCS
  },
  {
    engine: 'vllm',
    name: 'vllm:num_requests_waiting',
    quantity: 'waiting',
    kind: 'gauge',
    releases: 'all',
    source: VLLM_DOCS
  },
  {
    engine: 'vllm',
    name: 'vllm:kv_cache_usage_perc',
    quantity: 'kvCache',
    kind: 'ratio',
    releases: 'V1 engine (0.10+; the only name from 0.11)',
    source:
      'vllm-project/production-stack#617 (0.10.0 page); kubernetes-sigs/inference-perf#277 (old name no longer emitted)'
  },
  {
    engine: 'vllm',
    name: 'vllm:gpu_cache_usage_perc',
    quantity: 'kvCache',
    kind: 'ratio',
    releases: 'V0 engine up to 0.10 (deprecated there)',
    source: `${VLLM_DOCS} v0.5-v0.9; vllm-project/aibrix docs/source/features/runtime.rst (0.7 page)`
  },
  {
    engine: 'vllm',
    name: 'vllm:prompt_tokens_total',
    quantity: 'promptTokens',
    kind: 'counter',
    releases: 'all',
    source: VLLM_DOCS
  },
  {
    engine: 'vllm',
    name: 'vllm:generation_tokens_total',
    quantity: 'generationTokens',
    kind: 'counter',
    releases: 'all',
    source: VLLM_DOCS
  },
  {
    engine: 'vllm',
    name: 'vllm:request_success_total',
    quantity: 'requestsSucceeded',
    kind: 'counter',
    except: { finished_reason: 'abort' },
    releases: 'all (finished_reason stop, length; abort in V1)',
    source: VLLM_DOCS
  },
  {
    engine: 'vllm',
    name: 'vllm:request_success_total',
    quantity: 'requestsFailed',
    kind: 'counter',
    only: { finished_reason: 'abort' },
    releases: 'V1 engine',
    source: VLLM_DOCS
  },
  {
    engine: 'sglang',
    name: 'sglang:num_running_reqs',
    quantity: 'running',
    kind: 'gauge',
    releases: '0.4+',
    source: 'sgl-project/sglang#13485 (0.5.1 page), #7944'
  },
  {
    engine: 'sglang',
    name: 'sglang:num_queue_reqs',
    quantity: 'waiting',
    kind: 'gauge',
    releases: '0.4+',
    source: 'sgl-project/sglang#4444, #13485'
  },
  {
    engine: 'sglang',
    name: 'sglang:token_usage',
    quantity: 'kvCache',
    kind: 'ratio',
    releases: 'all with --enable-metrics',
    source: SGLANG_DOCS
  },
  {
    engine: 'sglang',
    name: 'sglang:prompt_tokens_total',
    quantity: 'promptTokens',
    kind: 'counter',
    releases: 'all with --enable-metrics',
    source: SGLANG_DOCS
  },
  {
    engine: 'sglang',
    name: 'sglang:generation_tokens_total',
    quantity: 'generationTokens',
    kind: 'counter',
    releases: 'all with --enable-metrics',
    source: SGLANG_DOCS
  },
  {
    engine: 'sglang',
    name: 'sglang:gen_throughput',
    quantity: 'generationThroughput',
    kind: 'gauge',
    releases: '0.4+',
    source: 'sgl-project/sglang#4444, #13485'
  },
  {
    engine: 'sglang',
    name: 'sglang:num_requests_total',
    quantity: 'requestsFinished',
    kind: 'counter',
    releases: '0.4.9+',
    source: 'sgl-project/sglang#7944'
  },
  {
    engine: 'sglang',
    name: 'sglang:num_aborted_requests_total',
    quantity: 'requestsFailed',
    kind: 'counter',
    releases: '0.4.9+',
    source: 'sgl-project/sglang#7944'
  }
];

/** The quantities one page gives. */
export interface IEngineReading {
  /** The engine whose names the page has; undefined for a page of neither. */
  engine?: 'vllm' | 'sglang';
  values: Partial<Record<EngineQuantity, number>>;
}

/** Reads the quantities of ENGINE_METRICS from a Prometheus text page. */
export function readEngineMetrics(text: string): IEngineReading {
  // The parser drops a last line that has no newline after it.
  const complete = text.endsWith('\n') ? text : `${text}\n`;
  const families = new Map(
    parsePrometheusTextFormat(complete).map(family => [family.name, family])
  );
  const reading: IEngineReading = { values: {} };
  for (const entry of ENGINE_METRICS) {
    if (reading.values[entry.quantity] !== undefined) {
      continue;
    }
    const family = families.get(entry.name);
    if (!family) {
      continue;
    }
    const values = family.metrics
      .filter(sample => matches(sample.labels ?? {}, entry))
      .map(sample => Number(sample.value))
      .filter(value => Number.isFinite(value));
    reading.engine ??= entry.engine;
    if (values.length === 0) {
      // A counter with no sample of its kind yet (no aborted request so far) is zero.
      if (entry.kind === 'counter' && family.metrics.length > 0) {
        reading.values[entry.quantity] = 0;
      }
      continue;
    }
    const sum = values.reduce((a, b) => a + b, 0);
    reading.values[entry.quantity] =
      entry.kind === 'ratio' ? sum / values.length : sum;
  }
  return reading;
}

function matches(
  labels: Record<string, string>,
  entry: IEngineMetricName
): boolean {
  const only = Object.entries(entry.only ?? {});
  const except = Object.entries(entry.except ?? {});
  return (
    only.every(([key, value]) => labels[key] === value) &&
    !except.some(([key, value]) => labels[key] === value)
  );
}

/** A reading at a time (ms since the epoch). */
export interface IMetricsSample {
  time: number;
  values: Partial<Record<EngineQuantity, number>>;
}

/** What the detail shows for the latest sample, rates from the one before. */
export interface IEngineStatus {
  running?: number;
  waiting?: number;
  kvCache?: number;
  promptTokensPerSecond?: number;
  generationTokensPerSecond?: number;
  succeeded?: number;
  failed?: number;
}

/**
 * The per-second rate of a counter between two samples; a counter that went down was reset
 * (engine restart), so its whole new value counts, as Prometheus' rate() does.
 */
export function counterRate(
  previous: number | undefined,
  current: number | undefined,
  seconds: number
): number | undefined {
  if (previous === undefined || current === undefined || seconds <= 0) {
    return undefined;
  }
  const increase = current >= previous ? current - previous : current;
  return increase / seconds;
}

/** The status of `current`, with token rates against `previous` when there is one. */
export function engineStatus(
  current: IMetricsSample,
  previous?: IMetricsSample
): IEngineStatus {
  const { values } = current;
  const seconds = previous ? (current.time - previous.time) / 1000 : 0;
  const rate = (quantity: EngineQuantity) =>
    previous
      ? counterRate(previous.values[quantity], values[quantity], seconds)
      : undefined;
  const status: IEngineStatus = {
    running: values.running,
    waiting: values.waiting,
    kvCache: values.kvCache,
    promptTokensPerSecond: rate('promptTokens'),
    generationTokensPerSecond:
      rate('generationTokens') ?? values.generationThroughput,
    failed: values.requestsFailed
  };
  status.succeeded =
    values.requestsSucceeded ??
    (values.requestsFinished !== undefined
      ? values.requestsFinished - (values.requestsFailed ?? 0)
      : undefined);
  return Object.fromEntries(
    Object.entries(status).filter(([, value]) => value !== undefined)
  ) as IEngineStatus;
}

/** Appends a sample and drops the ones older than `windowMs` before it. */
export function appendSample(
  history: readonly IMetricsSample[],
  sample: IMetricsSample,
  windowMs: number
): IMetricsSample[] {
  return [...history, sample].filter(
    entry => entry.time >= sample.time - windowMs
  );
}

/** The statuses of a history, one per sample after the first (rates need two). */
export function statusSeries(
  history: readonly IMetricsSample[]
): IEngineStatus[] {
  return history.slice(1).map((sample, i) => engineStatus(sample, history[i]));
}

/**
 * SVG polyline points for a sparkline of `values` in a `width` x `height` box: oldest on
 * the left, the scale from 0 to the largest value (a flat line at the bottom for all zeros).
 */
export function sparklinePoints(
  values: readonly number[],
  width: number,
  height: number
): string {
  if (values.length === 0) {
    return '';
  }
  const top = Math.max(...values, 0);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values
    .map((value, i) => {
      const y = top > 0 ? height - (Math.max(value, 0) / top) * height : height;
      return `${round(i * step)},${round(y)}`;
    })
    .join(' ');
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
