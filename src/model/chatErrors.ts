// Why a chat request failed, in the few kinds a user can act on differently: the engine is
// still starting, nothing listens, it took too long, the prompt is too long, the engine refused
// the request, or the stream itself was broken.

/** The kinds of chat failure, each with its own advice in the view. */
export type ChatErrorKind =
  | 'not-ready'
  | 'unreachable'
  | 'timeout'
  | 'context-length'
  | 'http'
  | 'refused'
  | 'bad-stream'
  | 'truncated';

/** A classified failure: the kind, and the engine's or proxy's own words. */
export interface IChatError {
  kind: ChatErrorKind;
  /** HTTP status when there was an answer. */
  status?: number;
  /** The message as the engine or the proxy gave it (untrusted text). */
  detail: string;
}

/** What is known about a failure, gathered by the transport. */
export interface IChatFailure {
  /** The HTTP status of an error answer. */
  status?: number;
  /** The error message of the answer or the exception. */
  message: string;
  /** The engine's error code (`context_length_exceeded`, 400, ...). */
  code?: string | number | null;
  /** The proxy's reason when the Jupyter server answered itself (`UpstreamUnreachable`). */
  proxyReason?: string;
  /** No answer within the time limit. */
  timedOut?: boolean;
  /** The stream held something that is not an OpenAI-compatible event. */
  badStream?: boolean;
  /** The engine sent the error inside a stream it had begun (after a 200). */
  inStream?: boolean;
}

// vLLM: "This model's maximum context length is 4096 tokens. However, you requested ...";
// SGLang: "The input (5000 tokens) is longer than the model's context length (4096 tokens).";
// llama-cpp-python: code context_length_exceeded, "Requested tokens (...) exceed context window".
const CONTEXT_LENGTH =
  /maximum context length|context length|context window|too many tokens|context_length_exceeded/i;

/** Classifies a failed chat request. */
export function classifyChatError(failure: IChatFailure): IChatError {
  const { status, message } = failure;
  const detail =
    message.trim() || (status ? `HTTP ${status}` : 'unknown error');
  if (failure.timedOut) {
    return { kind: 'timeout', detail };
  }
  if (failure.badStream) {
    return { kind: 'bad-stream', detail };
  }
  if (failure.proxyReason === 'UpstreamUnreachable') {
    return { kind: 'unreachable', status, detail };
  }
  if (
    CONTEXT_LENGTH.test(message) ||
    String(failure.code ?? '') === 'context_length_exceeded'
  ) {
    return { kind: 'context-length', status, detail };
  }
  if (failure.inStream) {
    return { kind: 'http', status, detail };
  }
  if (status === undefined) {
    return { kind: 'unreachable', detail };
  }
  if (failure.proxyReason || status === 403) {
    // The Jupyter server refused before anything reached the engine.
    return { kind: 'refused', status, detail };
  }
  if (status === 502 || status === 503 || status === 504) {
    // SGLang answers /health with 503 while it loads; vLLM is not listening yet (502).
    return { kind: 'not-ready', status, detail };
  }
  return { kind: 'http', status, detail };
}
