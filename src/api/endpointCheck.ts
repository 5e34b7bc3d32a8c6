import type { ServerConnection } from '@jupyterlab/services';

import { LwsApiError, requestRaw } from './request';

// Reasons the server extension gives when it, not the engine, answers (jupyterlab_lws/routes.py).
const PROXY_REASONS = new Set(['UpstreamUnreachable', 'NotInCluster']);

function fromProxy(error: LwsApiError): boolean {
  return (
    PROXY_REASONS.has(error.reason) ||
    error.message.startsWith('jupyterlab-lws does not forward')
  );
}

/** Whether a model endpoint answered, and what it said. */
export interface IEndpointAnswer {
  /** The engine sent an HTTP answer (any status). */
  answers: boolean;
  /** The answer was a success (2xx): the engine serves. */
  healthy: boolean;
  /** The HTTP status, or why there was none (timeout, connection refused). */
  detail: string;
  /** When the check finished (ms since the epoch). */
  checkedAt: number;
}

/** The request a check sends; {@link requestRaw} by default, a fake in tests. */
export type EndpointRequest = (
  endPoint: string,
  init: RequestInit,
  settings: ServerConnection.ISettings
) => Promise<Response>;

/**
 * Asks `GET /health` of a Service's port through the server extension's endpoint proxy,
 * giving up after `timeoutMs`: a one-shot check, made when the deployment becomes Ready,
 * when its detail opens, or when the user asks.
 */
export async function checkEndpoint(
  settings: ServerConnection.ISettings,
  service: string,
  port: number,
  options: {
    timeoutMs?: number;
    request?: EndpointRequest;
    now?: () => number;
  } = {}
): Promise<IEndpointAnswer> {
  const request = options.request ?? requestRaw;
  const now = options.now ?? Date.now;
  const abort = new AbortController();
  const timeoutMs = options.timeoutMs ?? 5000;
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const response = await request(
      `endpoints/${encodeURIComponent(service)}/${port}/health`,
      { method: 'GET', signal: abort.signal },
      settings
    );
    await response.body?.cancel().catch(() => undefined);
    return {
      answers: true,
      healthy: true,
      detail: `HTTP ${response.status}`,
      checkedAt: now()
    };
  } catch (error) {
    if (abort.signal.aborted) {
      return {
        answers: false,
        healthy: false,
        detail:
          timeoutMs < 1000
            ? `no answer within ${timeoutMs} ms`
            : `no answer within ${Math.round(timeoutMs / 1000)} s`,
        checkedAt: now()
      };
    }
    if (
      error instanceof LwsApiError &&
      !fromProxy(error) &&
      error.status === 404
    ) {
      // vLLM and SGLang have /health; a server without it (llama.cpp's) still answers.
      return {
        answers: true,
        healthy: true,
        detail: 'HTTP 404: no /health route',
        checkedAt: now()
      };
    }
    if (error instanceof LwsApiError && !fromProxy(error)) {
      // The engine itself answered, with an error status (e.g. 503 while it loads).
      return {
        answers: true,
        healthy: false,
        detail: `HTTP ${error.status}`,
        checkedAt: now()
      };
    }
    return {
      answers: false,
      healthy: false,
      detail: (error as Error).message || String(error),
      checkedAt: now()
    };
  } finally {
    clearTimeout(timer);
  }
}
