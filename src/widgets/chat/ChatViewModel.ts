import type { ServerConnection } from '@jupyterlab/services';
import type { IStateDB } from '@jupyterlab/statedb';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';
import type { OpenAI } from 'openai/client';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';

import type { IReadiness } from '../../api/chatClient';
import {
  checkReadiness,
  endpointClient,
  streamChat
} from '../../api/chatClient';
import { runLoadProbe } from '../../api/loadProbeClient';
import type { IChatError } from '../../model/chatErrors';
import type { IAnswerMetrics, IAnswerState } from '../../model/chatStream';
import type { IProbeRequest, IProbeSummary } from '../../model/loadProbe';
import {
  clampConcurrency,
  summarizeProbe,
  ttftSeries
} from '../../model/loadProbe';
import type { ISmokeResult } from '../../model/smokeTest';
import {
  judgeSmokeTest,
  SMOKE_MAX_TOKENS,
  SMOKE_PROMPT
} from '../../model/smokeTest';
import type { SmokeResults } from './smokeResults';

/** The deployment a chat talks to. */
export interface IChatDeployment {
  /** The LeaderWorkerSet's name. */
  name: string;
  namespace: string;
  /** The leader's API Service and port. */
  service: string;
  port: number;
  /** The model name its command line serves, if known (`/v1/models` decides). */
  servedModel?: string;
}

/** The key of a deployment in the state DB and the smoke results. */
export function deploymentKey(deployment: IChatDeployment): string {
  return `${deployment.namespace}/${deployment.name}`;
}

/** One turn of the conversation (plain data: it is kept in the state DB). */
export interface IChatTurn {
  role: 'user' | 'assistant';
  content: string;
  reasoning?: string;
  finishReason?: string | null;
  metrics?: IAnswerMetrics;
  error?: IChatError | null;
  stopped?: boolean;
}

/** What the user sets for the requests. */
export interface IChatSettings {
  model: string;
  systemPrompt: string;
  temperature: number;
  maxTokens: number;
}

/** The load probe's progress and result. */
export interface IProbeState {
  running: boolean;
  concurrency: number;
  prompts: number;
  done: number;
  summary: IProbeSummary | null;
  series: (number | null)[];
}

const DEFAULT_SETTINGS: IChatSettings = {
  model: '',
  systemPrompt: '',
  temperature: 0.7,
  maxTokens: 256
};

/** The prompt every request of a load probe sends. */
export const PROBE_PROMPT =
  'Write a short paragraph about distributed inference.';

/**
 * The chat with one deployment: readiness, the conversation and its streamed answer, the
 * smoke test and the load probe. Views render it and call its methods; it owns every request
 * and aborts them on Stop and on dispose (closing the panel).
 */
export class ChatViewModel implements IDisposable {
  constructor(options: {
    serverSettings: ServerConnection.ISettings;
    deployment: IChatDeployment;
    state: IStateDB | null;
    smokeResults: SmokeResults;
    /** The time for metrics, ms (performance.now by default). */
    now?: () => number;
  }) {
    this.deployment = options.deployment;
    this._serverSettings = options.serverSettings;
    this._state = options.state;
    this._smokeResults = options.smokeResults;
    this._now = options.now ?? (() => performance.now());
    this._client = endpointClient(options.serverSettings, options.deployment);
    this._settings = {
      ...DEFAULT_SETTINGS,
      model: options.deployment.servedModel ?? ''
    };
  }

  readonly deployment: IChatDeployment;

  /** Emitted on every change (a chunk, a turn, readiness, settings, the probe). */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get turns(): readonly IChatTurn[] {
    return this._turns;
  }

  /** The answer being streamed now, if any. */
  get streaming(): IAnswerState | null {
    return this._streaming;
  }

  get readiness(): IReadiness | null {
    return this._readiness;
  }

  get checking(): boolean {
    return this._checking;
  }

  get settings(): IChatSettings {
    return this._settings;
  }

  get probe(): IProbeState {
    return this._probe;
  }

  /** The last smoke test of this deployment. */
  get smokeResult(): ISmokeResult | null {
    return this._smokeResults.result(deploymentKey(this.deployment));
  }

  get smokeRunning(): boolean {
    return this._smokeResults.running(deploymentKey(this.deployment));
  }

  /** True when a request is in flight (a chat answer, a smoke test or a probe). */
  get busy(): boolean {
    return this._controllers.size > 0;
  }

  /** Send is allowed: the endpoint is ready, a model is chosen and nothing is in flight. */
  get canSend(): boolean {
    return !!this._readiness?.ready && !!this._settings.model && !this.busy;
  }

  /** Restores the conversation and settings, then checks readiness. */
  async initialize(): Promise<void> {
    const saved = (await this._state
      ?.fetch(this._stateKey)
      .catch(() => null)) as {
      turns?: IChatTurn[];
      settings?: Partial<IChatSettings>;
    } | null;
    if (saved && !this._disposed) {
      this._turns = Array.isArray(saved.turns) ? saved.turns : [];
      this._settings = { ...this._settings, ...saved.settings };
      this._changed.emit();
    }
    this._smokeResults.changed.connect(this._emit, this);
    await this.checkReadiness();
  }

  /** Asks `/health` and `/v1/models`; picks a served model when none is chosen. */
  async checkReadiness(): Promise<void> {
    this._checking = true;
    this._changed.emit();
    const readiness = await checkReadiness(
      this._serverSettings,
      this._client,
      this.deployment
    );
    if (this._disposed) {
      return;
    }
    this._readiness = readiness;
    this._checking = false;
    if (
      readiness.models.length > 0 &&
      !readiness.models.includes(this._settings.model)
    ) {
      this._settings = { ...this._settings, model: readiness.models[0] };
    }
    this._changed.emit();
  }

  /** Changes request settings (kept with the conversation). */
  updateSettings(change: Partial<IChatSettings>): void {
    this._settings = { ...this._settings, ...change };
    this._changed.emit();
    void this._save();
  }

  /** Sends a user message with the history and streams the answer. */
  async send(text: string): Promise<void> {
    const content = text.trim();
    if (!content || !this.canSend) {
      return;
    }
    this._turns = [...this._turns, { role: 'user', content }];
    const messages = this._messages();
    const controller = this._begin();
    const outcome = await streamChat(
      this._client,
      {
        model: this._settings.model,
        messages,
        temperature: this._settings.temperature,
        max_tokens: this._settings.maxTokens
      },
      {
        signal: controller.signal,
        now: this._now,
        onUpdate: answer => {
          this._streaming = answer;
          this._changed.emit();
        }
      }
    );
    this._end(controller);
    this._streaming = null;
    if (this._disposed) {
      return;
    }
    this._turns = [
      ...this._turns,
      {
        role: 'assistant',
        content: outcome.answer.content,
        reasoning: outcome.answer.reasoning || undefined,
        finishReason: outcome.answer.finishReason,
        metrics: outcome.metrics,
        error: outcome.error,
        stopped: outcome.stopped
      }
    ];
    this._changed.emit();
    await this._save();
  }

  /** Stops every request in flight (the proxy then closes the engine's request). */
  stop(): void {
    for (const controller of this._controllers) {
      controller.abort();
    }
  }

  /** Forgets the conversation of this deployment. */
  async clear(): Promise<void> {
    this._turns = [];
    this._changed.emit();
    await this._save();
  }

  /** Sends the fixed smoke-test prompt (no history) and records pass or fail. */
  async smokeTest(): Promise<ISmokeResult> {
    const key = deploymentKey(this.deployment);
    this._smokeResults.setRunning(key, true);
    const controller = this._begin();
    try {
      const result = await runSmokeTest(
        this._client,
        this._settings.model,
        controller.signal,
        this._now
      );
      this._smokeResults.set(key, result);
      return result;
    } finally {
      this._end(controller);
      this._smokeResults.setRunning(key, false);
    }
  }

  /**
   * Runs the load probe: `prompts` streamed requests, `concurrency` at a time (1-64), sent by
   * the Jupyter server (a browser would hold only six connections per host).
   */
  async runProbe(concurrency: number, prompts: number): Promise<void> {
    const width = clampConcurrency(concurrency);
    const count = Math.max(1, Math.min(256, Math.round(prompts)));
    const controller = this._begin();
    this._probe = {
      running: true,
      concurrency: width,
      prompts: count,
      done: 0,
      summary: null,
      series: []
    };
    this._changed.emit();
    const requests: IProbeRequest[] = [];
    let durationMs = 0;
    try {
      durationMs = await runLoadProbe(
        this._serverSettings,
        this.deployment,
        {
          model: this._settings.model,
          prompt: PROBE_PROMPT,
          maxTokens: 64,
          concurrency: width,
          prompts: count
        },
        {
          signal: controller.signal,
          onRequest: request => {
            requests.push(request);
            this._probe = { ...this._probe, done: requests.length };
            this._changed.emit();
          }
        }
      );
    } catch (error) {
      requests.push({
        startMs: 0,
        endMs: 0,
        tokenTimesMs: [],
        outputTokens: 0,
        error: (error as Error).message
      });
    } finally {
      this._end(controller);
    }
    if (this._disposed) {
      return;
    }
    this._probe = {
      ...this._probe,
      running: false,
      summary: summarizeProbe(requests, durationMs),
      series: ttftSeries(requests)
    };
    this._changed.emit();
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this.stop();
    this._smokeResults.changed.disconnect(this._emit, this);
    Signal.clearData(this);
  }

  private _messages(): ChatCompletionMessageParam[] {
    const history: ChatCompletionMessageParam[] = this._turns
      // A failed or stopped answer is not part of what the model said.
      .filter(turn => turn.role === 'user' || (!turn.error && !turn.stopped))
      .map(turn => ({ role: turn.role, content: turn.content }));
    const system = this._settings.systemPrompt.trim();
    return system ? [{ role: 'system', content: system }, ...history] : history;
  }

  private _begin(): AbortController {
    const controller = new AbortController();
    this._controllers.add(controller);
    this._changed.emit();
    return controller;
  }

  private _end(controller: AbortController): void {
    this._controllers.delete(controller);
    if (!this._disposed) {
      this._changed.emit();
    }
  }

  private _emit(): void {
    this._changed.emit();
  }

  private get _stateKey(): string {
    return `jupyterlab-lws:chat:${deploymentKey(this.deployment)}`;
  }

  private async _save(): Promise<void> {
    await this._state
      ?.save(this._stateKey, {
        turns: this._turns,
        settings: this._settings
      } as any)
      .catch(error => console.warn('jupyterlab-lws: chat not saved', error));
  }

  private _serverSettings: ServerConnection.ISettings;
  private _state: IStateDB | null;
  private _smokeResults: SmokeResults;
  private _now: () => number;
  private _client: OpenAI;
  private _turns: IChatTurn[] = [];
  private _streaming: IAnswerState | null = null;
  private _readiness: IReadiness | null = null;
  private _checking = false;
  private _settings: IChatSettings;
  private _probe: IProbeState = {
    running: false,
    concurrency: 8,
    prompts: 32,
    done: 0,
    summary: null,
    series: []
  };
  private _controllers = new Set<AbortController>();
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}

/**
 * One smoke test: asks readiness when no model is known, then the fixed prompt; judged by
 * {@link judgeSmokeTest}. Used by the chat and by the sidebar's button.
 */
export async function runSmokeTest(
  client: OpenAI,
  model: string,
  signal: AbortSignal,
  now: () => number = () => performance.now()
): Promise<ISmokeResult> {
  const started = now();
  let served = model;
  try {
    // The engine's list is the truth (a command line may not name the model as served).
    const ids = (await client.models.list({ signal })).data.map(m => m.id);
    served = ids.includes(served) ? served : (ids[0] ?? served);
  } catch {
    // The chat request below fails the same way and says why.
  }
  const outcome = await streamChat(
    client,
    {
      model: served || 'default',
      messages: [{ role: 'user', content: SMOKE_PROMPT }],
      max_tokens: SMOKE_MAX_TOKENS,
      temperature: 0
    },
    { signal, now }
  );
  const result = judgeSmokeTest(
    {
      content: outcome.answer.content,
      reasoning: outcome.answer.reasoning,
      metrics: outcome.metrics,
      error: outcome.stopped
        ? { kind: 'http', detail: 'stopped before the answer ended' }
        : outcome.error
    },
    served,
    Date.now()
  );
  // The latency a user waits: from the click, model discovery included.
  return { ...result, totalMs: now() - started };
}
