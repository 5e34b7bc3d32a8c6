import './webStreams';

import { readFileSync } from 'fs';
import { join } from 'path';

import { ServerConnection } from '@jupyterlab/services';

import { checkReadiness, endpointClient, streamChat } from '../chatClient';

const STREAMS = join(__dirname, 'streams');

/** A recorded stream's bytes, delivered in chunks of `size` bytes (splitting lines and UTF-8). */
function replay(file: string, size = 7): ReadableStream<Uint8Array> {
  const bytes = readFileSync(join(STREAMS, file));
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(new Uint8Array(bytes.subarray(offset, offset + size)));
      offset += size;
    }
  });
}

interface ISeen {
  url: string;
  method: string;
  headers: Headers;
  body: string;
}

/** Server settings whose fetch answers from `respond` and records each request. */
function fakeServer(
  respond: (request: Request) => Response | Promise<Response>
) {
  const seen: ISeen[] = [];
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://lab/base/',
    token: 'jupyter-token',
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const request =
        input instanceof Request ? input : new Request(input, init);
      seen.push({
        url: request.url,
        method: request.method,
        headers: request.headers,
        body: request.method === 'POST' ? await request.clone().text() : ''
      });
      return respond(request);
    }
  });
  return { settings, seen };
}

const sse = (body: ReadableStream<Uint8Array>) =>
  new Response(body, {
    status: 200,
    headers: { 'Content-Type': 'text/event-stream' }
  });

const target = { service: 'llama-leader', port: 8080 };
const request = {
  model: 'm',
  messages: [{ role: 'user' as const, content: 'hi' }]
};

describe('streamChat through the endpoint proxy', () => {
  it('posts a streamed request with usage to the proxy, with the Jupyter token only', async () => {
    const { settings, seen } = fakeServer(() => sse(replay('vllm-usage.sse')));
    await streamChat(endpointClient(settings, target), {
      ...request,
      max_tokens: 32
    });
    expect(seen).toHaveLength(1);
    expect(seen[0].method).toBe('POST');
    expect(seen[0].url).toBe(
      'http://lab/base/lws/api/endpoints/llama-leader/8080/v1/chat/completions'
    );
    expect(seen[0].headers.get('Authorization')).toBe('token jupyter-token');
    expect(JSON.parse(seen[0].body)).toMatchObject({
      model: 'm',
      max_tokens: 32,
      stream: true,
      stream_options: { include_usage: true }
    });
  });

  it('replays a vLLM stream: content, finish reason and the usage chunk', async () => {
    const { settings } = fakeServer(() => sse(replay('vllm-usage.sse')));
    const updates: string[] = [];
    let clock = 0;
    const outcome = await streamChat(
      endpointClient(settings, target),
      request,
      {
        now: () => (clock += 10),
        onUpdate: answer => updates.push(answer.content)
      }
    );
    expect(outcome.error).toBeNull();
    expect(outcome.answer.content).toBe('我是阿里云开发的一款');
    expect(outcome.answer.finishReason).toBe('stop');
    expect(outcome.metrics).toMatchObject({
      outputTokens: 6,
      exactTokens: true,
      totalTokens: 26
    });
    // The answer grew chunk by chunk.
    expect(updates).toContain('我是阿里');
  });

  it('replays an SGLang stream: reasoning kept apart from the answer', async () => {
    const { settings } = fakeServer(() =>
      sse(replay('sglang-reasoning.sse', 13))
    );
    const outcome = await streamChat(endpointClient(settings, target), request);
    expect(outcome.error).toBeNull();
    expect(outcome.answer.reasoning).toBe(' answer: 4');
    expect(outcome.answer.content).toBe('4');
    expect(outcome.metrics.totalTokens).toBe(91);
  });

  it('reports an error object the engine sends in the middle of a stream', async () => {
    const { settings } = fakeServer(() =>
      sse(replay('vllm-error-midstream.sse'))
    );
    const outcome = await streamChat(endpointClient(settings, target), request);
    expect(outcome.answer.reasoning).toBe(' need to');
    expect(outcome.error).toMatchObject({
      kind: 'http',
      detail: 'The engine core died unexpectedly.'
    });
  });

  it('says the answer was cut off when the stream ends without a finish reason', async () => {
    const full = readFileSync(join(STREAMS, 'vllm-usage.sse'), 'utf-8');
    const cut = full.slice(0, full.indexOf('"finish_reason":"stop"'));
    const { settings } = fakeServer(
      () =>
        new Response(cut.slice(0, cut.lastIndexOf('\n\n') + 2), {
          headers: { 'Content-Type': 'text/event-stream' }
        })
    );
    const outcome = await streamChat(endpointClient(settings, target), request);
    expect(outcome.answer.content).toBe('我是阿里云开发的一款');
    expect(outcome.error?.kind).toBe('truncated');
  });

  it('says when the stream is not JSON events', async () => {
    const { settings } = fakeServer(
      () =>
        new Response('data: <html>Gateway</html>\n\n', {
          headers: { 'Content-Type': 'text/event-stream' }
        })
    );
    const outcome = await streamChat(endpointClient(settings, target), request);
    expect(outcome.error?.kind).toBe('bad-stream');
  });

  it("keeps the engine's message of an HTTP error (vLLM's top-level error object)", async () => {
    const { settings } = fakeServer(
      () =>
        new Response(
          JSON.stringify({
            object: 'error',
            message:
              "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4000 in the messages, 1000 in the completion).",
            type: 'BadRequestError',
            param: null,
            code: 400
          }),
          { status: 400, headers: { 'Content-Type': 'application/json' } }
        )
    );
    const outcome = await streamChat(endpointClient(settings, target), request);
    expect(outcome.error).toMatchObject({
      kind: 'context-length',
      status: 400
    });
    expect(outcome.error?.detail).toMatch(
      /^This model's maximum context length/
    );
  });

  it('tells a refused connection (the proxy answers 502 UpstreamUnreachable)', async () => {
    const { settings } = fakeServer(
      () =>
        new Response(
          JSON.stringify({
            message: 'could not reach llama-leader:8080: connection refused',
            reason: 'UpstreamUnreachable'
          }),
          { status: 502, headers: { 'Content-Type': 'application/json' } }
        )
    );
    const outcome = await streamChat(endpointClient(settings, target), request);
    expect(outcome.error).toEqual({
      kind: 'unreachable',
      status: 502,
      detail: 'could not reach llama-leader:8080: connection refused'
    });
  });

  it('gives up when the endpoint does not answer in time', async () => {
    const { settings } = fakeServer(
      request =>
        new Promise<Response>((_, reject) =>
          request.signal.addEventListener('abort', () =>
            reject(new DOMException('aborted', 'AbortError'))
          )
        )
    );
    const outcome = await streamChat(
      endpointClient(settings, target, { timeoutMs: 50 }),
      request
    );
    expect(outcome.stopped).toBe(false);
    expect(outcome.error?.kind).toBe('timeout');
  });

  it('stops when aborted in the middle of the stream, keeping what came', async () => {
    const controller = new AbortController();
    const first = readFileSync(join(STREAMS, 'vllm-usage.sse'), 'utf-8')
      .split('\n\n')
      .slice(0, 2)
      .join('\n\n');
    const { settings } = fakeServer(
      request =>
        new Response(
          new ReadableStream({
            start(stream) {
              stream.enqueue(new TextEncoder().encode(`${first}\n\n`));
              // The engine goes on generating; only the abort ends this stream.
              request.signal.addEventListener('abort', () =>
                stream.error(new DOMException('aborted', 'AbortError'))
              );
            }
          }),
          { headers: { 'Content-Type': 'text/event-stream' } }
        )
    );
    const outcome = await streamChat(
      endpointClient(settings, target),
      request,
      {
        signal: controller.signal,
        onUpdate: () => controller.abort()
      }
    );
    expect(outcome).toMatchObject({ stopped: true, error: null });
    expect(outcome.answer.content).toBe('我是');
  });

  it('stops when aborted before the answer starts, without an error', async () => {
    const controller = new AbortController();
    const { settings } = fakeServer(
      request =>
        new Promise<Response>((resolve, reject) => {
          request.signal.addEventListener('abort', () =>
            reject(new DOMException('aborted', 'AbortError'))
          );
          setTimeout(() => controller.abort(), 0);
        })
    );
    const outcome = await streamChat(
      endpointClient(settings, target),
      request,
      {
        signal: controller.signal
      }
    );
    expect(outcome).toMatchObject({ stopped: true, error: null });
  });
});

describe('checkReadiness', () => {
  it('is ready when /health answers and /v1/models lists a model', async () => {
    const { settings, seen } = fakeServer(request =>
      request.url.endsWith('/health')
        ? new Response('', { status: 200 })
        : Response.json({
            object: 'list',
            data: [{ id: 'tiny', object: 'model' }]
          })
    );
    const readiness = await checkReadiness(
      settings,
      endpointClient(settings, target),
      target
    );
    expect(readiness).toMatchObject({
      ready: true,
      models: ['tiny'],
      error: null
    });
    expect(seen.map(s => new URL(s.url).pathname)).toEqual([
      '/base/lws/api/endpoints/llama-leader/8080/health',
      '/base/lws/api/endpoints/llama-leader/8080/v1/models'
    ]);
  });

  it('is not ready while SGLang answers /health with 503', async () => {
    const { settings, seen } = fakeServer(
      () => new Response('', { status: 503 })
    );
    const readiness = await checkReadiness(
      settings,
      endpointClient(settings, target),
      target
    );
    expect(readiness).toMatchObject({
      ready: false,
      error: { kind: 'not-ready', status: 503 }
    });
    expect(seen).toHaveLength(1);
  });

  it('counts on /v1/models alone for an engine without /health', async () => {
    const { settings } = fakeServer(request =>
      request.url.endsWith('/health')
        ? new Response('{"detail":"Not Found"}', { status: 404 })
        : Response.json({ data: [{ id: 'tiny-chat' }] })
    );
    const readiness = await checkReadiness(
      settings,
      endpointClient(settings, target),
      target
    );
    expect(readiness.ready).toBe(true);
  });
});
