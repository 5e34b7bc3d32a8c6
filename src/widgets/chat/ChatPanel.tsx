import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { TranslationBundle } from '@jupyterlab/translation';
import {
  Button,
  HTMLSelect,
  ReactWidget,
  UseSignal
} from '@jupyterlab/ui-components';
import React, { useEffect, useRef, useState } from 'react';

import type { ChatErrorKind, IChatError } from '../../model/chatErrors';
import type { IAnswerMetrics } from '../../model/chatStream';
import { answerMetrics } from '../../model/chatStream';
import { PROBE_CONCURRENCY, PROBE_METRICS } from '../../model/loadProbe';
import { untrustedText } from '../../model/shownText';
import type { ChatViewModel, IChatTurn } from './ChatViewModel';
import { SmokeResultLine } from './SmokeResultLine';

/** What the chat view needs besides its model. */
export interface IChatViewOptions {
  model: ChatViewModel;
  rendermime: IRenderMimeRegistry;
  trans: TranslationBundle;
  /** Puts a cell calling this deployment into the active notebook (or a new one). */
  insertCode: () => void;
}

/** The chat with one deployment: a thin view over {@link ChatViewModel}. */
export class ChatView extends ReactWidget {
  constructor(private readonly _options: IChatViewOptions) {
    super();
    this.addClass('jp-lws-Chat');
  }

  render(): JSX.Element {
    const { model } = this._options;
    return (
      <UseSignal signal={model.changed}>
        {() => <ChatContent {...this._options} />}
      </UseSignal>
    );
  }
}

function ChatContent(props: IChatViewOptions): JSX.Element {
  const { model, trans } = props;
  const { deployment } = model;
  return (
    <div className="jp-lws-Chat-content" data-testid="lws-chat">
      <header className="jp-lws-Chat-header">
        <h2>{trans.__('Chat with %1', deployment.name)}</h2>
        <span className="jp-lws-Chat-service">
          {deployment.service}:{deployment.port}
        </span>
        <Readiness {...props} />
      </header>
      <Settings {...props} />
      <Conversation {...props} />
      <Composer {...props} />
      <section className="jp-lws-Chat-tools">
        <SmokeTest {...props} />
        <LoadProbe {...props} />
        <div className="jp-lws-Chat-tool">
          <h3 className="jp-lws-SectionTitle">{trans.__('Your own code')}</h3>
          <Button
            small
            className="jp-mod-styled jp-mod-reject"
            onClick={props.insertCode}
            disabled={!model.settings.model}
            data-testid="lws-chat-insert-code"
            title={trans.__(
              'Insert a cell that calls this deployment with the openai Python client'
            )}
          >
            {trans.__('Insert code in notebook')}
          </Button>
        </div>
      </section>
    </div>
  );
}

function Readiness({ model, trans }: IChatViewOptions): JSX.Element {
  const readiness = model.readiness;
  let text: string;
  let className = '';
  if (!readiness) {
    text = trans.__('checking the endpoint…');
  } else if (readiness.ready) {
    text = trans.__('ready: %1', readiness.models.join(', '));
    className = 'jp-lws-mod-ok';
  } else {
    text = errorTitle(readiness.error?.kind ?? 'not-ready', trans);
    className = 'jp-lws-mod-error';
  }
  return (
    <div className="jp-lws-Chat-readiness">
      <span
        className={className}
        data-testid="lws-chat-readiness"
        data-ready={readiness ? String(readiness.ready) : ''}
        title={readiness?.error?.detail}
      >
        {text}
      </span>
      {readiness?.error && (
        <span className="jp-lws-Chat-detail">{readiness.error.detail}</span>
      )}
      <Button
        minimal
        small
        onClick={() => void model.checkReadiness()}
        disabled={model.checking}
        data-testid="lws-chat-check"
      >
        {trans.__('Check again')}
      </Button>
    </div>
  );
}

function Settings({ model, trans }: IChatViewOptions): JSX.Element {
  const { settings, readiness } = model;
  const models = readiness?.models.length
    ? readiness.models
    : settings.model
      ? [settings.model]
      : [];
  return (
    <details className="jp-lws-Chat-settings">
      <summary>
        {trans.__(
          'Model %1 · temperature %2 · max tokens %3',
          settings.model || '—',
          settings.temperature,
          settings.maxTokens
        )}
      </summary>
      <label>
        {trans.__('Model')}
        <HTMLSelect
          value={settings.model}
          onChange={event =>
            model.updateSettings({ model: event.target.value })
          }
          options={models}
        />
      </label>
      <label>
        {trans.__('System prompt')}
        <textarea
          className="jp-mod-styled"
          rows={2}
          value={settings.systemPrompt}
          onChange={event =>
            model.updateSettings({ systemPrompt: event.target.value })
          }
          data-testid="lws-chat-system"
        />
      </label>
      <label>
        {trans.__('Temperature')}
        <input
          className="jp-mod-styled"
          type="number"
          min={0}
          max={2}
          step={0.1}
          value={settings.temperature}
          onChange={event =>
            model.updateSettings({ temperature: Number(event.target.value) })
          }
          data-testid="lws-chat-temperature"
        />
      </label>
      <label>
        {trans.__('Max tokens')}
        <input
          className="jp-mod-styled"
          type="number"
          min={1}
          step={1}
          value={settings.maxTokens}
          onChange={event =>
            model.updateSettings({
              maxTokens: Math.max(1, Math.round(Number(event.target.value)))
            })
          }
          data-testid="lws-chat-max-tokens"
        />
      </label>
    </details>
  );
}

function Conversation(props: IChatViewOptions): JSX.Element {
  const { model, trans } = props;
  const streaming = model.streaming;
  const end = useRef<HTMLDivElement>(null);
  const count = model.turns.length;
  const length = streaming?.content.length ?? 0;
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'end' });
  }, [count, length]);
  return (
    <div className="jp-lws-Chat-turns" data-testid="lws-chat-turns">
      {count === 0 && !streaming && (
        <p className="jp-lws-Chat-empty">
          {trans.__(
            'Ask the deployment something. Answers stream here, with time to first token and tokens per second.'
          )}
        </p>
      )}
      {model.turns.map((turn, index) => (
        <Turn key={index} turn={turn} {...props} />
      ))}
      {streaming && (
        <div
          className="jp-lws-Chat-turn jp-lws-mod-assistant"
          data-testid="lws-chat-streaming"
        >
          {streaming.reasoning && (
            <div className="jp-lws-Chat-reasoning">
              {untrustedText(streaming.reasoning)}
            </div>
          )}
          {/* Plain text while it streams; Markdown once the answer is whole. */}
          <div className="jp-lws-Chat-text" data-testid="lws-chat-stream-text">
            {untrustedText(streaming.content)}
          </div>
          <Metrics
            metrics={answerMetrics(streaming, performance.now())}
            trans={trans}
            live
          />
        </div>
      )}
      <div ref={end} />
    </div>
  );
}

function Turn(props: IChatViewOptions & { turn: IChatTurn }): JSX.Element {
  const { turn, trans, rendermime } = props;
  if (turn.role === 'user') {
    return (
      <div
        className="jp-lws-Chat-turn jp-lws-mod-user"
        data-testid="lws-chat-turn"
        data-role="user"
      >
        <div className="jp-lws-Chat-text">{turn.content}</div>
      </div>
    );
  }
  return (
    <div
      className="jp-lws-Chat-turn jp-lws-mod-assistant"
      data-testid="lws-chat-turn"
      data-role="assistant"
      data-stopped={String(!!turn.stopped)}
    >
      {turn.reasoning && (
        <details className="jp-lws-Chat-reasoningBox">
          <summary>{trans.__('Reasoning')}</summary>
          <div
            className="jp-lws-Chat-reasoning"
            data-testid="lws-chat-reasoning"
          >
            {untrustedText(turn.reasoning)}
          </div>
        </details>
      )}
      {turn.content && (
        <MarkdownView rendermime={rendermime} source={turn.content} />
      )}
      {turn.stopped && (
        <p className="jp-lws-Chat-note" data-testid="lws-chat-stopped">
          {trans.__('Stopped.')}
        </p>
      )}
      {turn.error && <ErrorBox error={turn.error} trans={trans} />}
      {turn.metrics && <Metrics metrics={turn.metrics} trans={trans} />}
    </div>
  );
}

/** Model output as Markdown through JupyterLab's renderer, untrusted (sanitized). */
function MarkdownView(props: {
  rendermime: IRenderMimeRegistry;
  source: string;
}): JSX.Element {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const renderer = props.rendermime.createRenderer('text/markdown');
    const model = props.rendermime.createModel({
      data: { 'text/markdown': props.source },
      trusted: false
    });
    host.current?.replaceChildren(renderer.node);
    void renderer.renderModel(model);
    return () => renderer.dispose();
  }, [props.source, props.rendermime]);
  return (
    <div
      className="jp-lws-Chat-markdown"
      ref={host}
      data-testid="lws-chat-answer"
    />
  );
}

function Metrics(props: {
  metrics: IAnswerMetrics;
  trans: TranslationBundle;
  live?: boolean;
}): JSX.Element {
  const { metrics, trans } = props;
  const parts = [
    metrics.ttftMs === null
      ? trans.__('waiting for the first token…')
      : trans.__('TTFT %1 ms', Math.round(metrics.ttftMs))
  ];
  if (metrics.outputTokensPerS !== null) {
    parts.push(trans.__('%1 tok/s', metrics.outputTokensPerS.toFixed(1)));
  }
  parts.push(
    metrics.exactTokens
      ? trans.__('%1 output tokens', metrics.outputTokens)
      : trans.__('%1 output chunks', metrics.outputTokens)
  );
  if (metrics.totalTokens !== null) {
    parts.push(trans.__('%1 total tokens', metrics.totalTokens));
  }
  if (!props.live) {
    parts.push(trans.__('%1 s in all', (metrics.totalMs / 1000).toFixed(2)));
  }
  return (
    <p
      className="jp-lws-Chat-metrics"
      data-testid="lws-chat-metrics"
      data-ttft={metrics.ttftMs ?? ''}
      data-tokens={metrics.outputTokens}
    >
      {parts.join(' · ')}
    </p>
  );
}

function errorTitle(kind: ChatErrorKind, trans: TranslationBundle): string {
  switch (kind) {
    case 'not-ready':
      return trans.__(
        'The endpoint is not ready yet (the engine may still be loading)'
      );
    case 'unreachable':
      return trans.__('Cannot connect to the endpoint');
    case 'timeout':
      return trans.__('The endpoint did not answer in time');
    case 'context-length':
      return trans.__(
        'The conversation is longer than the model’s context: clear it or lower max tokens'
      );
    case 'refused':
      return trans.__('JupyterLab did not forward the request');
    case 'bad-stream':
      return trans.__(
        'The engine sent something that is not an OpenAI-compatible stream'
      );
    case 'truncated':
      return trans.__('The answer was cut off');
    default:
      return trans.__('The engine answered with an error');
  }
}

function ErrorBox(props: {
  error: IChatError;
  trans: TranslationBundle;
}): JSX.Element {
  const { error, trans } = props;
  return (
    <div
      className="jp-lws-Chat-error jp-lws-mod-error"
      role="alert"
      data-testid="lws-chat-error"
      data-kind={error.kind}
    >
      <strong>{errorTitle(error.kind, trans)}</strong>
      <span>
        {error.status ? `HTTP ${error.status}: ` : ''}
        {error.detail}
      </span>
    </div>
  );
}

function Composer({ model, trans }: IChatViewOptions): JSX.Element {
  const [draft, setDraft] = useState('');
  const streaming = model.streaming !== null || model.busy;
  const send = () => {
    if (!model.canSend || !draft.trim()) {
      return;
    }
    const text = draft;
    setDraft('');
    void model.send(text);
  };
  return (
    <div className="jp-lws-Chat-composer">
      <textarea
        className="jp-mod-styled"
        rows={3}
        value={draft}
        placeholder={trans.__(
          'Message (Enter sends, Shift+Enter for a new line)'
        )}
        onChange={event => setDraft(event.target.value)}
        onKeyDown={event => {
          if (event.key === 'Enter' && !event.shiftKey) {
            event.preventDefault();
            send();
          }
        }}
        data-testid="lws-chat-input"
      />
      <div className="jp-lws-Chat-buttons">
        {streaming ? (
          <Button
            className="jp-mod-styled jp-mod-reject"
            onClick={() => model.stop()}
            data-testid="lws-chat-stop"
          >
            {trans.__('Stop')}
          </Button>
        ) : (
          <Button
            className="jp-mod-styled jp-mod-accept"
            onClick={send}
            disabled={!model.canSend || !draft.trim()}
            data-testid="lws-chat-send"
            title={
              model.readiness?.ready
                ? trans.__('Send')
                : trans.__('The endpoint is not ready')
            }
          >
            {trans.__('Send')}
          </Button>
        )}
        <Button
          minimal
          onClick={() => void model.clear()}
          disabled={streaming || model.turns.length === 0}
          data-testid="lws-chat-clear"
        >
          {trans.__('Clear')}
        </Button>
      </div>
    </div>
  );
}

function SmokeTest({ model, trans }: IChatViewOptions): JSX.Element {
  return (
    <div className="jp-lws-Chat-tool">
      <h3 className="jp-lws-SectionTitle">{trans.__('Smoke test')}</h3>
      <Button
        small
        className="jp-mod-styled jp-mod-reject"
        onClick={() => void model.smokeTest()}
        disabled={model.smokeRunning}
        data-testid="lws-chat-smoke"
        title={trans.__('Send one short fixed prompt and check the answer')}
      >
        {trans.__('Run smoke test')}
      </Button>
      <SmokeResultLine
        result={model.smokeResult}
        running={model.smokeRunning}
        trans={trans}
      />
    </div>
  );
}

function LoadProbe({ model, trans }: IChatViewOptions): JSX.Element {
  const probe = model.probe;
  const [concurrency, setConcurrency] = useState(probe.concurrency);
  const [prompts, setPrompts] = useState(probe.prompts);
  return (
    <div className="jp-lws-Chat-tool" data-testid="lws-probe">
      <h3 className="jp-lws-SectionTitle">{trans.__('Load probe')}</h3>
      <div className="jp-lws-Probe-form">
        <label>
          {trans.__('Concurrent requests')}
          <input
            className="jp-mod-styled"
            type="number"
            min={PROBE_CONCURRENCY.min}
            max={PROBE_CONCURRENCY.max}
            value={concurrency}
            onChange={event => setConcurrency(Number(event.target.value))}
            data-testid="lws-probe-concurrency"
          />
        </label>
        <label>
          {trans.__('Prompts')}
          <input
            className="jp-mod-styled"
            type="number"
            min={1}
            max={256}
            value={prompts}
            onChange={event => setPrompts(Number(event.target.value))}
            data-testid="lws-probe-prompts"
          />
        </label>
        <Button
          small
          className="jp-mod-styled jp-mod-reject"
          onClick={() => void model.runProbe(concurrency, prompts)}
          disabled={probe.running || !model.readiness?.ready}
          data-testid="lws-probe-run"
        >
          {trans.__('Run probe')}
        </Button>
        {probe.running && (
          <span data-testid="lws-probe-progress">
            {trans.__('%1 of %2 requests done', probe.done, probe.prompts)}
          </span>
        )}
      </div>
      {probe.summary && (
        <div className="jp-lws-Probe-result" data-testid="lws-probe-summary">
          <table className="jp-lws-Probe-table">
            <tbody>
              <tr>
                <th>{trans.__('Maximum request concurrency')}</th>
                <td>{probe.concurrency}</td>
              </tr>
              {PROBE_METRICS.map(metric => (
                <tr key={metric.key} data-testid={`lws-probe-${metric.key}`}>
                  <th>{metric.name}</th>
                  <td>
                    {(probe.summary![metric.key] as number).toFixed(
                      metric.digits
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <TtftChart series={probe.series} trans={trans} />
          {probe.summary.errors.length > 0 && (
            <ul className="jp-lws-Probe-errors" data-testid="lws-probe-errors">
              {probe.summary.errors.map(error => (
                <li key={error.message}>
                  {error.count} × {error.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}

/** Each request's TTFT in send order: a rising line shows requests queueing. */
function TtftChart(props: {
  series: (number | null)[];
  trans: TranslationBundle;
}): JSX.Element | null {
  const values = props.series.filter(
    (value): value is number => value !== null
  );
  if (values.length === 0) {
    return null;
  }
  const width = 240;
  const height = 64;
  const top = Math.max(...values) || 1;
  const step = props.series.length > 1 ? width / (props.series.length - 1) : 0;
  const points = props.series
    .map((value, index) =>
      value === null
        ? null
        : `${(index * step).toFixed(1)},${(height - (value / top) * height).toFixed(1)}`
    )
    .filter(Boolean)
    .join(' ');
  return (
    <figure className="jp-lws-Probe-chart" data-testid="lws-probe-chart">
      <svg
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={props.trans.__('TTFT of each request, in send order')}
      >
        <polyline points={points} />
      </svg>
      <figcaption>
        {props.trans.__(
          'TTFT of each request in send order (max %1 ms)',
          Math.round(top)
        )}
      </figcaption>
    </figure>
  );
}
