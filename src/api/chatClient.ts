// The smoke-test chat's transport: the official `openai` client, pointed at the server
// extension's endpoint proxy (`lws/api/endpoints/<service>/<port>/v1`) with a `fetch` that goes
// through ServerConnection.makeRequest, so the Jupyter token and XSRF header ride along and the
// browser never talks to the cluster. The client parses the server-sent events and raises the
// engines' in-stream `{"error": ...}` objects; nothing here parses SSE by hand.

import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { OpenAI } from 'openai/client';
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError
} from 'openai/core/error';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';

import type { IAnswerState } from '../model/chatStream';
import {
  answerMetrics,
  applyChunk,
  chunkError,
  startAnswer,
  truncation
} from '../model/chatStream';
import type { IAnswerMetrics, EngineChunk } from '../model/chatStream';
import type { IChatError } from '../model/chatErrors';
import { classifyChatError } from '../model/chatErrors';
import type { IEndpointAnswer } from './endpointCheck';
import { checkEndpoint } from './endpointCheck';
import { API_PREFIX } from './request';

/** Where a chat goes: a Service of the user's namespace, by name and port. */
export interface IChatTarget {
  service: string;
  port: number;
}

/** An OpenAI client for `target`, through the Jupyter server's endpoint proxy. */
export function endpointClient(
  settings: ServerConnection.ISettings,
  target: IChatTarget,
  options: { timeoutMs?: number } = {}
): OpenAI {
  return new OpenAI({
    // Never sent: the proxy forwards only Content-Type and Accept.
    apiKey: 'unused',
    baseURL: URLExt.join(
      settings.baseUrl,
      API_PREFIX,
      'endpoints',
      encodeURIComponent(target.service),
      String(target.port),
      'v1'
    ),
    fetch: (url, init) => proxyFetch(String(url), init ?? {}, settings),
    maxRetries: 0,
    timeout: options.timeoutMs ?? 60_000,
    // Failures reach the user through the panel; the console would only repeat them.
    logLevel: 'off',
    // The "key" is a placeholder and every request goes to the Jupyter server.
    dangerouslyAllowBrowser: true
  });
}

/**
 * `fetch` over ServerConnection.makeRequest. Engines and the proxy answer errors in three
 * shapes (OpenAI's `{"error": {...}}`, vLLM's and SGLang's `{"object": "error", "message"}`,
 * the proxy's `{"message", "reason"}`); the openai client reads only the first, so error
 * answers are rewritten into it, keeping the engine's message, code and the proxy's reason.
 */
async function proxyFetch(
  url: string,
  init: RequestInit,
  settings: ServerConnection.ISettings
): Promise<Response> {
  const headers = new Headers(init.headers);
  // makeRequest adds `Authorization: token ...`; the client's placeholder key must not clash.
  headers.delete('Authorization');
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(
      url,
      // `no-store` would make makeRequest add a `?<timestamp>`, which the proxy refuses.
      { ...init, headers, cache: 'no-cache' },
      settings
    );
  } catch (error) {
    if (init.signal?.aborted) {
      // makeRequest wraps every failure as a NetworkError; the client tells its timeout (and
      // the user's abort) from a network failure by the AbortError it gave the signal.
      throw new DOMException('The request was aborted', 'AbortError');
    }
    throw error;
  }
  if (response.ok) {
    return response;
  }
  const text = await response.text().catch(() => '');
  return new Response(JSON.stringify({ error: errorObject(text, response) }), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers
  });
}

function errorObject(
  text: string,
  response: Response
): Record<string, unknown> {
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  const inner = body && typeof body.error === 'object' ? body.error : body;
  const message =
    (inner && typeof inner.message === 'string' && inner.message) ||
    text.trim() ||
    `${response.status} ${response.statusText}`;
  return {
    message,
    code: inner?.code ?? null,
    type: inner?.type ?? null,
    reason: typeof body?.reason === 'string' ? body.reason : null
  };
}

/** Whether the endpoint can take a chat, and the models it serves. */
export interface IReadiness {
  ready: boolean;
  /** Served model ids from `/v1/models`. */
  models: string[];
  /** The `/health` answer. */
  health: IEndpointAnswer;
  /** Why it is not ready, when it is not. */
  error: IChatError | null;
}

/**
 * Asks `/health` and `/v1/models`: ready when both answer (an engine without `/health`, 404,
 * counts on `/v1/models` alone). SGLang answers `/health` with 503 while it loads.
 */
export async function checkReadiness(
  settings: ServerConnection.ISettings,
  client: OpenAI,
  target: IChatTarget,
  options: { timeoutMs?: number } = {}
): Promise<IReadiness> {
  const health = await checkEndpoint(settings, target.service, target.port, {
    timeoutMs: options.timeoutMs ?? 5000
  });
  const healthOk = health.healthy || health.detail === 'HTTP 404';
  if (!healthOk) {
    const status = Number(/^HTTP (\d+)$/.exec(health.detail)?.[1]);
    return {
      ready: false,
      models: [],
      health,
      error: health.answers
        ? { kind: 'not-ready', status, detail: `/health: ${health.detail}` }
        : classifyChatError({
            message: health.detail,
            timedOut: health.detail.startsWith('no answer within'),
            proxyReason: 'UpstreamUnreachable'
          })
    };
  }
  try {
    const page = await client.models.list({
      timeout: options.timeoutMs ?? 5000
    });
    const models = page.data.map(model => model.id);
    return {
      ready: models.length > 0,
      models,
      health,
      error:
        models.length > 0
          ? null
          : { kind: 'not-ready', detail: '/v1/models lists no model yet' }
    };
  } catch (error) {
    return { ready: false, models: [], health, error: failureOf(error) };
  }
}

/** A chat request: what the panel's settings choose. */
export interface IChatRequest {
  model: string;
  messages: ChatCompletionMessageParam[];
  temperature?: number;
  max_tokens?: number;
}

/** How a streamed request ended. */
export interface IStreamOutcome {
  answer: IAnswerState;
  metrics: IAnswerMetrics;
  /** Why it failed; null on success and on Stop. */
  error: IChatError | null;
  /** The user (or closing the panel) stopped it. */
  stopped: boolean;
}

/**
 * Sends `request` with `stream: true` and `stream_options.include_usage`, folds the chunks
 * as they arrive (`onUpdate` after each), and resolves when the stream ends, fails or is
 * aborted through `signal` (the proxy then closes the upstream request).
 */
export async function streamChat(
  client: OpenAI,
  request: IChatRequest,
  options: {
    signal?: AbortSignal;
    onUpdate?: (answer: IAnswerState) => void;
    now?: () => number;
  } = {}
): Promise<IStreamOutcome> {
  const now = options.now ?? (() => performance.now());
  let answer = startAnswer(now());
  const done = (error: IChatError | null, stopped = false): IStreamOutcome => ({
    answer,
    metrics: answerMetrics(answer, now()),
    error,
    stopped
  });
  try {
    const stream = await client.chat.completions.create(
      { ...request, stream: true, stream_options: { include_usage: true } },
      { signal: options.signal }
    );
    for await (const chunk of stream) {
      const problem = chunkError(chunk as EngineChunk);
      if (problem !== null) {
        const { code } = chunk as EngineChunk;
        return done(
          classifyChatError({ message: problem, code, inStream: true })
        );
      }
      answer = applyChunk(answer, chunk as EngineChunk, now());
      options.onUpdate?.(answer);
    }
    if (options.signal?.aborted) {
      // An abort during the stream ends the client's iteration quietly.
      return done(null, true);
    }
    const cut = truncation(answer);
    return done(cut === null ? null : { kind: 'truncated', detail: cut });
  } catch (error) {
    if (options.signal?.aborted || error instanceof APIUserAbortError) {
      return done(null, true);
    }
    return done(failureOf(error));
  }
}

/** Classifies what the openai client threw. */
export function failureOf(error: unknown): IChatError {
  if (error instanceof APIConnectionTimeoutError) {
    return classifyChatError({ message: error.message, timedOut: true });
  }
  if (error instanceof APIConnectionError) {
    const cause = (error as { cause?: unknown }).cause;
    return classifyChatError({
      message: cause instanceof Error ? cause.message : error.message
    });
  }
  if (error instanceof APIError) {
    const body = (error.error ?? {}) as {
      message?: string;
      code?: string | number | null;
      reason?: string | null;
    };
    return classifyChatError({
      status: error.status,
      message: body.message ?? error.message,
      code: body.code,
      proxyReason: body.reason ?? undefined,
      // An error object inside a stream that had started (the answer's status was 200).
      inStream: error.status === undefined
    });
  }
  if (error instanceof SyntaxError) {
    return classifyChatError({
      message: `not an OpenAI-compatible event: ${error.message}`,
      badStream: true
    });
  }
  return classifyChatError({
    message: error instanceof Error ? error.message : String(error)
  });
}
