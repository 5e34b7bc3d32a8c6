import type { ServerConnection } from '@jupyterlab/services';

import type { IProbeRequest } from '../model/loadProbe';
import type { IChatTarget } from './chatClient';
import { readLines } from './lines';
import { requestRaw } from './request';

/** What a load probe sends. */
export interface IProbeParams {
  model: string;
  prompt: string;
  maxTokens: number;
  /** Requests in flight at once (1-64). */
  concurrency: number;
  /** Requests in all. */
  prompts: number;
}

/**
 * Runs a load probe on the Jupyter server (`POST lws/api/probe/<service>/<port>`), which sends
 * the streamed requests to the engine itself: a browser holds at most six connections per host,
 * so it could neither reach 64 concurrent streams nor leave JupyterLab a connection. Each
 * finished request arrives as a JSON line (`onRequest`); resolves with the probe's wall time, ms.
 */
export async function runLoadProbe(
  settings: ServerConnection.ISettings,
  target: IChatTarget,
  params: IProbeParams,
  options: {
    signal?: AbortSignal;
    onRequest?: (request: IProbeRequest) => void;
  } = {}
): Promise<number> {
  const response = await requestRaw(
    `probe/${encodeURIComponent(target.service)}/${target.port}`,
    {
      method: 'POST',
      body: JSON.stringify(params),
      headers: { 'Content-Type': 'application/json' },
      signal: options.signal
    },
    settings
  );
  let durationMs = 0;
  for await (const line of readLines(response.body!, options.signal)) {
    if (!line.trim()) {
      continue;
    }
    const record = JSON.parse(line) as IProbeRequest | { durationMs: number };
    if ('durationMs' in record) {
      durationMs = record.durationMs;
    } else {
      options.onRequest?.(record);
    }
  }
  return durationMs;
}
