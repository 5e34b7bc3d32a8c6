import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** The server extension's URL prefix, below the Jupyter base URL. */
export const API_PREFIX = 'lws/api';

/**
 * An error from the server extension or the Kubernetes API, with the reason in words a user
 * can act on.
 *
 * #### Notes
 * Kubernetes answers refusals with a `Status` object (`reason`, `message`, `details.causes`);
 * the proxy passes it through unchanged and adds its own `{message, reason}` for requests it
 * refuses itself, so both shapes land here.
 */
export class LwsApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string = '',
    readonly body: unknown = null
  ) {
    super(message);
    this.name = 'LwsApiError';
  }

  /** True when Kubernetes RBAC (or the proxy's allow-list) refused the request. */
  get forbidden(): boolean {
    return this.status === 403;
  }

  /** True for `410 Gone`: a watch's resourceVersion is too old and the list must be redone. */
  get gone(): boolean {
    return this.status === 410;
  }
}

/** Builds the full URL of an endpoint of the server extension. */
export function apiUrl(
  endPoint: string,
  settings: ServerConnection.ISettings
): string {
  return URLExt.join(settings.baseUrl, API_PREFIX, endPoint);
}

/**
 * Sends a request to the server extension and returns the raw response once its headers are
 * in; the caller owns the body (streams read it chunk by chunk).
 */
export async function requestRaw(
  endPoint: string,
  init: RequestInit,
  settings: ServerConnection.ISettings
): Promise<Response> {
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(
      apiUrl(endPoint, settings),
      // JupyterLab's default `cache: 'no-store'` makes makeRequest append a cache-busting
      // `?<timestamp>`, which the proxy refuses as an unknown query parameter (it forwards
      // only the Kubernetes API's). `no-cache` still revalidates every response.
      { cache: 'no-cache', ...init },
      settings
    );
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  if (!response.ok) {
    throw await errorFromResponse(response);
  }
  return response;
}

/** Sends a request to the server extension and parses the JSON answer. */
export async function requestAPI<T>(
  endPoint: string,
  init: RequestInit,
  settings: ServerConnection.ISettings
): Promise<T> {
  const response = await requestRaw(endPoint, init, settings);
  const text = await response.text();
  return (text ? JSON.parse(text) : {}) as T;
}

/** Turns a failed response into an {@link LwsApiError} with the most specific message. */
export async function errorFromResponse(
  response: Response
): Promise<LwsApiError> {
  const text = await response.text().catch(() => '');
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const message =
    (body && typeof body.message === 'string' && body.message) ||
    text ||
    `${response.status} ${response.statusText}`;
  const reason = (body && typeof body.reason === 'string' && body.reason) || '';
  return new LwsApiError(response.status, message, reason, body);
}
