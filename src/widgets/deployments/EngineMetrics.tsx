import type { ServerConnection } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useEffect, useRef, useState } from 'react';

import { requestRaw } from '../../api/request';
import type { IEngineStatus, IMetricsSample } from '../../model/engineMetrics';
import {
  appendSample,
  engineStatus,
  readEngineMetrics,
  sparklinePoints,
  statusSeries
} from '../../model/engineMetrics';
import type { IIdleRecord } from '../../model/idle';
import { durationParts, idleFor, isIdle, updateIdle } from '../../model/idle';

/** Props of {@link EngineMetrics}. */
export interface IEngineMetricsProps {
  settings: ServerConnection.ISettings;
  service: string;
  port: number;
  trans: TranslationBundle;
  /** Time between reads while shown, in ms. */
  intervalMs?: number;
  /** How far back the sparklines go, in ms. */
  windowMs?: number;
  /** The deployment's key for its idle record: `namespace/name`. */
  idleKey?: string;
  /** Minutes without activity before the idle nudge shows. */
  idleMinutes?: number;
  /** GPUs the deployment holds (shown in the nudge). */
  gpus?: number;
  /** Offers to scale to 0; receives the shown "Idle for …" text. Absent: no button. */
  onScaleToZero?: (idleText: string) => void;
}

/**
 * Idle records per deployment (`namespace/name`), kept in memory for the session and
 * updated only by the reads the detail makes anyway: no polling while hidden.
 */
const idleRecords = new Map<string, IIdleRecord | undefined>();

const SPARK_WIDTH = 56;
const SPARK_HEIGHT = 16;

/**
 * A Ready deployment's engine numbers from its leader's `/metrics` (through the endpoint
 * proxy): running and waiting requests, KV cache, tokens/s with sparklines over the last
 * minutes, successes and failures. Reads every few seconds only while it is on screen.
 */
export function EngineMetrics(props: IEngineMetricsProps): JSX.Element {
  const { settings, service, port, trans, idleKey } = props;
  const intervalMs = props.intervalMs ?? 3000;
  const windowMs = props.windowMs ?? 5 * 60_000;
  const ref = useRef<HTMLElement>(null);
  const visible = useOnScreen(ref);
  const [history, setHistory] = useState<IMetricsSample[]>([]);
  const [engine, setEngine] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setHistory([]);
  }, [service, port]);

  useEffect(() => {
    if (!visible) {
      return;
    }
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const abort = new AbortController();
    const read = async () => {
      try {
        const response = await requestRaw(
          `endpoints/${encodeURIComponent(service)}/${port}/metrics`,
          { method: 'GET', signal: abort.signal },
          settings
        );
        const reading = readEngineMetrics(await response.text());
        if (stopped) {
          return;
        }
        const sample = { time: Date.now(), values: reading.values };
        if (idleKey) {
          idleRecords.set(
            idleKey,
            updateIdle(idleRecords.get(idleKey), sample)
          );
        }
        setEngine(reading.engine);
        setError(null);
        setHistory(previous => appendSample(previous, sample, windowMs));
      } catch (reason) {
        if (!stopped) {
          setError(reason instanceof Error ? reason.message : String(reason));
        }
      }
      if (!stopped) {
        timer = setTimeout(() => void read(), intervalMs);
      }
    };
    void read();
    return () => {
      stopped = true;
      clearTimeout(timer);
      abort.abort();
    };
  }, [visible, service, port, settings, intervalMs, windowMs, idleKey]);

  const series = statusSeries(history);
  const latest: IEngineStatus | undefined =
    history.length > 0
      ? engineStatus(history[history.length - 1], history[history.length - 2])
      : undefined;
  return (
    <section
      ref={ref}
      className="jp-lws-EngineMetrics"
      data-testid="lws-metrics"
      aria-label={trans.__('Engine metrics')}
    >
      <h4 className="jp-lws-SectionTitle">{trans.__('Engine metrics')}</h4>
      {error ? (
        <p className="jp-lws-mod-warning" data-testid="lws-metrics-error">
          {trans.__('The metrics could not be read: %1', error)}
        </p>
      ) : !latest ? (
        <p>{trans.__('Reading the engine’s metrics…')}</p>
      ) : !engine ? (
        <p className="jp-lws-mod-warning" data-testid="lws-metrics-unknown">
          {trans.__(
            'The endpoint’s /metrics has no vLLM or SGLang numbers (SGLang serves them only with --enable-metrics).'
          )}
        </p>
      ) : (
        <>
          {idleKey && (
            <IdleNudge
              record={idleRecords.get(idleKey)}
              minutes={props.idleMinutes ?? 60}
              gpus={props.gpus ?? 0}
              trans={trans}
              onScaleToZero={props.onScaleToZero}
            />
          )}
          <dl className="jp-lws-EngineMetrics-list">
            <Row
              id="running"
              label={trans.__('Running / waiting')}
              value={
                latest.running === undefined
                  ? '–'
                  : `${latest.running} / ${latest.waiting ?? '–'}`
              }
              line={series.map(s => s.running ?? 0)}
            />
            <Row
              id="kv-cache"
              label={trans.__('KV cache')}
              value={
                latest.kvCache === undefined
                  ? '–'
                  : `${Math.round(latest.kvCache * 1000) / 10} %`
              }
              line={series.map(s => s.kvCache ?? 0)}
            />
            <Row
              id="generation"
              label={trans.__('Generation tokens/s')}
              value={rate(latest.generationTokensPerSecond)}
              line={series.map(s => s.generationTokensPerSecond ?? 0)}
            />
            <Row
              id="prompt"
              label={trans.__('Prompt tokens/s')}
              value={rate(latest.promptTokensPerSecond)}
              line={series.map(s => s.promptTokensPerSecond ?? 0)}
            />
            <Row
              id="requests"
              label={trans.__('Requests done / failed')}
              value={`${latest.succeeded ?? '–'} / ${latest.failed ?? '–'}`}
            />
          </dl>
        </>
      )}
    </section>
  );
}

/** "Idle for <duration>, holding <N> GPUs" and Scale to 0, once idle long enough. */
function IdleNudge(props: {
  record: IIdleRecord | undefined;
  minutes: number;
  gpus: number;
  trans: TranslationBundle;
  onScaleToZero?: (idleText: string) => void;
}): JSX.Element | null {
  const { record, minutes, gpus, trans, onScaleToZero } = props;
  const now = Date.now();
  if (!isIdle(record, now, minutes)) {
    return null;
  }
  const { hours, minutes: mins, seconds } = durationParts(idleFor(record, now));
  const duration =
    hours > 0
      ? trans.__('%1 h %2 min', hours, mins)
      : mins > 0
        ? trans.__('%1 min', mins)
        : trans.__('%1 s', seconds);
  const text = trans._n(
    'Idle for %2, holding %1 GPU',
    'Idle for %2, holding %1 GPUs',
    gpus,
    duration
  );
  return (
    <div className="jp-lws-IdleNudge" data-testid="lws-idle-nudge">
      <p className="jp-lws-mod-warning" data-testid="lws-idle-text">
        {text}
      </p>
      {onScaleToZero && (
        <button
          type="button"
          className="jp-mod-styled jp-mod-warn"
          data-testid="lws-scale-to-zero"
          onClick={() => onScaleToZero(text)}
        >
          {trans.__('Scale to 0')}
        </button>
      )}
    </div>
  );
}

function Row(props: {
  id: string;
  label: string;
  value: string;
  line?: number[];
}): JSX.Element {
  return (
    <>
      <dt>{props.label}</dt>
      <dd data-testid={`lws-metric-${props.id}`}>
        <span className="jp-lws-EngineMetrics-value">{props.value}</span>
        {props.line && props.line.length > 1 && (
          <svg
            className="jp-lws-Sparkline"
            data-testid={`lws-sparkline-${props.id}`}
            width={SPARK_WIDTH}
            height={SPARK_HEIGHT}
            viewBox={`0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`}
            aria-hidden="true"
          >
            <polyline
              points={sparklinePoints(props.line, SPARK_WIDTH, SPARK_HEIGHT)}
            />
          </svg>
        )}
      </dd>
    </>
  );
}

function rate(value: number | undefined): string {
  return value === undefined ? '–' : String(Math.round(value * 10) / 10);
}

/** True while the element is on screen and the browser tab is shown. */
function useOnScreen(ref: React.RefObject<HTMLElement>): boolean {
  const [intersecting, setIntersecting] = useState(false);
  const [tabShown, setTabShown] = useState(
    document.visibilityState === 'visible'
  );
  useEffect(() => {
    const element = ref.current;
    if (!element) {
      return;
    }
    const observer = new IntersectionObserver(entries =>
      setIntersecting(entries.some(entry => entry.isIntersecting))
    );
    observer.observe(element);
    const onVisibility = () =>
      setTabShown(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      observer.disconnect();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [ref]);
  return intersecting && tabShown;
}
