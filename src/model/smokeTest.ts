// The smoke test: one fixed short prompt, judged pass or fail with the reason, TTFT and the
// total latency, the last result kept with the deployment.

import type { IChatError } from './chatErrors';
import type { IAnswerMetrics } from './chatStream';

/** The fixed prompt of a smoke test. */
export const SMOKE_PROMPT = 'Say hello in one short sentence.';

/** Enough tokens for a sentence; small, so a smoke test stays quick on a busy engine. */
export const SMOKE_MAX_TOKENS = 24;

/** A smoke test's verdict. */
export interface ISmokeResult {
  ok: boolean;
  /** Why it failed (the error's kind, or `empty`); `passed` when it passed. */
  reason: 'passed' | 'empty' | IChatError['kind'];
  /** The engine's or proxy's words, or the start of the answer when it passed. */
  detail: string;
  ttftMs: number | null;
  totalMs: number;
  /** The served model that was asked ('' when none was found). */
  model: string;
  /** When the test ran (ms since the epoch). */
  at: number;
}

/** What a smoke test saw: the stream's outcome. */
export interface ISmokeOutcome {
  content: string;
  reasoning: string;
  metrics: IAnswerMetrics;
  error: IChatError | null;
}

/** Judges a smoke test: it passes when the stream ended cleanly with some output. */
export function judgeSmokeTest(
  outcome: ISmokeOutcome,
  model: string,
  at: number
): ISmokeResult {
  const base = {
    ttftMs: outcome.metrics.ttftMs,
    totalMs: outcome.metrics.totalMs,
    model,
    at
  };
  if (outcome.error) {
    return {
      ...base,
      ok: false,
      reason: outcome.error.kind,
      detail: outcome.error.detail
    };
  }
  const text = (outcome.content || outcome.reasoning).trim();
  if (!text) {
    return {
      ...base,
      ok: false,
      reason: 'empty',
      detail: 'the engine answered with no text'
    };
  }
  return {
    ...base,
    ok: true,
    reason: 'passed',
    detail: text.length > 80 ? `${text.slice(0, 80)}…` : text
  };
}
