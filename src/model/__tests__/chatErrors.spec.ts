import { classifyChatError } from '../chatErrors';

describe('classifyChatError', () => {
  it('tells a proxy that could not connect from an engine that is loading', () => {
    expect(
      classifyChatError({
        status: 502,
        message: 'could not reach llama-leader:8080: connection refused',
        proxyReason: 'UpstreamUnreachable'
      })
    ).toEqual({
      kind: 'unreachable',
      status: 502,
      detail: 'could not reach llama-leader:8080: connection refused'
    });
    expect(
      classifyChatError({ status: 503, message: 'Service Unavailable' }).kind
    ).toBe('not-ready');
  });

  it('recognises each engine’s context-length message', () => {
    for (const message of [
      "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.",
      "The input (5000 tokens) is longer than the model's context length (4096 tokens).",
      'Requested tokens (3000) exceed context window of 2048'
    ]) {
      expect(classifyChatError({ status: 400, message }).kind).toBe(
        'context-length'
      );
    }
    expect(
      classifyChatError({
        status: 400,
        message: 'too long',
        code: 'context_length_exceeded'
      }).kind
    ).toBe('context-length');
  });

  it('keeps the engine’s own message for other HTTP errors', () => {
    expect(
      classifyChatError({
        status: 404,
        message: 'The model `llama` does not exist.'
      })
    ).toEqual({
      kind: 'http',
      status: 404,
      detail: 'The model `llama` does not exist.'
    });
  });

  it('says when the proxy refused, the time ran out, or the stream was broken', () => {
    expect(
      classifyChatError({
        status: 403,
        message: 'jupyterlab-lws does not forward ...',
        proxyReason: 'not an allowed endpoint path'
      }).kind
    ).toBe('refused');
    expect(
      classifyChatError({ message: 'Request timed out.', timedOut: true }).kind
    ).toBe('timeout');
    expect(
      classifyChatError({ message: 'Unexpected token', badStream: true }).kind
    ).toBe('bad-stream');
    expect(
      classifyChatError({ message: 'engine died', inStream: true }).kind
    ).toBe('http');
    expect(classifyChatError({ message: 'Failed to fetch' }).kind).toBe(
      'unreachable'
    );
  });
});
