// One streamed chat answer, folded chunk by chunk from the OpenAI-compatible stream of vLLM,
// SGLang or llama.cpp, with its timings. Pure: the caller passes each chunk's arrival time.

import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';

/** A chunk as engines send it: OpenAI's, plus the fields vLLM and SGLang add. */
export type EngineChunk = ChatCompletionChunk & {
  /** vLLM's older in-band error object (`{"object": "error", "message", "code"}`). */
  message?: string;
  code?: number | string;
};

/** Where a streamed answer stands. */
export interface IAnswerState {
  content: string;
  /** The model's reasoning (`reasoning_content`, or vLLM's newer `reasoning`), kept apart. */
  reasoning: string;
  /** `stop`, `length`, ...; null until the engine says why it ended. */
  finishReason: string | null;
  /** The engine's token counts (`stream_options.include_usage`), when it sends them. */
  usage: CompletionUsage | null;
  /** When the request was sent (ms). */
  startedAt: number;
  /** Arrival time of each chunk that carried output (content or reasoning), ms. */
  tokenTimes: number[];
}

/** The figures shown under an answer. */
export interface IAnswerMetrics {
  /** Time to first token, ms; null when no output came. */
  ttftMs: number | null;
  /** Request sent to stream end, ms. */
  totalMs: number;
  /** Output tokens: the engine's usage count, else one per output chunk. */
  outputTokens: number;
  /** True when `outputTokens` is the engine's own count (not counted chunks). */
  exactTokens: boolean;
  /** Output tokens per second while generating (first to last token). */
  outputTokensPerS: number | null;
  /** Prompt plus output tokens, when the engine reported usage. */
  totalTokens: number | null;
}

/** A new, empty answer to a request sent at `startedAt`. */
export function startAnswer(startedAt: number): IAnswerState {
  return {
    content: '',
    reasoning: '',
    finishReason: null,
    usage: null,
    startedAt,
    tokenTimes: []
  };
}

/**
 * The error an engine sent inside the stream, if this chunk is one. vLLM sent
 * `{"object": "error", ...}` chunks before it wrapped errors as `{"error": {...}}` (which the
 * openai client raises itself).
 */
export function chunkError(chunk: EngineChunk): string | null {
  if ((chunk.object as string) === 'error') {
    return chunk.message ?? 'the engine reported an error';
  }
  return null;
}

/** The answer after one more chunk that arrived at `at` (ms). */
export function applyChunk(
  state: IAnswerState,
  chunk: EngineChunk,
  at: number
): IAnswerState {
  let { content, reasoning, finishReason } = state;
  let carriedOutput = false;
  for (const choice of chunk.choices ?? []) {
    if (choice.index !== 0) {
      continue;
    }
    const delta = (choice.delta ?? {}) as {
      content?: string | null;
      reasoning_content?: string | null;
      reasoning?: string | null;
    };
    const thought = delta.reasoning_content ?? delta.reasoning;
    if (thought) {
      reasoning += thought;
      carriedOutput = true;
    }
    if (delta.content) {
      content += delta.content;
      carriedOutput = true;
    }
    finishReason = choice.finish_reason ?? finishReason;
  }
  return {
    ...state,
    content,
    reasoning,
    finishReason,
    usage: chunk.usage ?? state.usage,
    tokenTimes: carriedOutput ? [...state.tokenTimes, at] : state.tokenTimes
  };
}

/** The figures of an answer whose stream ended (or stopped) at `endedAt` (ms). */
export function answerMetrics(
  state: IAnswerState,
  endedAt: number
): IAnswerMetrics {
  const times = state.tokenTimes;
  const exactTokens = typeof state.usage?.completion_tokens === 'number';
  const outputTokens = exactTokens
    ? state.usage!.completion_tokens
    : times.length;
  const generatingMs =
    times.length > 1 ? times[times.length - 1] - times[0] : 0;
  return {
    ttftMs: times.length > 0 ? times[0] - state.startedAt : null,
    totalMs: endedAt - state.startedAt,
    outputTokens,
    exactTokens,
    // The first token's time is TTFT; the rate is over the tokens after it.
    outputTokensPerS:
      generatingMs > 0 ? ((outputTokens - 1) * 1000) / generatingMs : null,
    totalTokens: state.usage?.total_tokens ?? null
  };
}

/**
 * Why a stream that ended without an error is still not a whole answer: none when the engine
 * said why it finished; otherwise the stream was cut (a proxy timeout, the engine died).
 */
export function truncation(state: IAnswerState): string | null {
  return state.finishReason === null
    ? 'the stream ended before the engine said it was finished (no finish_reason): the connection was cut or the engine stopped'
    : null;
}
