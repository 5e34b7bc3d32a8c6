import '../../../api/__tests__/webStreams';

import { ServerConnection } from '@jupyterlab/services';
import { StateDB } from '@jupyterlab/statedb';

import { ChatViewModel } from '../ChatViewModel';
import { SmokeResults } from '../smokeResults';

const deployment = {
  name: 'llama',
  namespace: 'alice',
  service: 'llama-leader',
  port: 8080
};

function sse(events: object[], finish = true): string {
  const chunks = events.map(
    (delta, index) =>
      `data: ${JSON.stringify({
        id: 'c',
        object: 'chat.completion.chunk',
        created: 0,
        model: 'tiny',
        choices: [
          {
            index: 0,
            delta,
            finish_reason: finish && index === events.length - 1 ? 'stop' : null
          }
        ]
      })}\n\n`
  );
  return chunks.join('') + (finish ? 'data: [DONE]\n\n' : '');
}

/** A fake Jupyter server: /health, /v1/models and a chat stream per request body. */
function server(options: { healthStatus?: number; answer?: string } = {}) {
  const bodies: any[] = [];
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://lab/',
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const request =
        input instanceof Request ? input : new Request(input, init);
      const path = new URL(request.url).pathname;
      if (path.endsWith('/health')) {
        return new Response('', { status: options.healthStatus ?? 200 });
      }
      if (path.endsWith('/v1/models')) {
        return Response.json({ data: [{ id: 'tiny' }] });
      }
      bodies.push(JSON.parse(await request.text()));
      return new Response(
        sse([
          { role: 'assistant' },
          { content: options.answer ?? 'Hi' },
          { content: '!' }
        ]),
        { headers: { 'Content-Type': 'text/event-stream' } }
      );
    }
  });
  return { settings, bodies };
}

function chat(settings: ServerConnection.ISettings, state = new StateDB()) {
  return new ChatViewModel({
    serverSettings: settings,
    deployment,
    state,
    smokeResults: new SmokeResults(state)
  });
}

describe('ChatViewModel', () => {
  it('gates Send on readiness and picks the served model', async () => {
    const loading = chat(server({ healthStatus: 503 }).settings);
    await loading.initialize();
    expect(loading.readiness?.ready).toBe(false);
    expect(loading.canSend).toBe(false);

    const ready = chat(server().settings);
    await ready.initialize();
    expect(ready.canSend).toBe(true);
    expect(ready.settings.model).toBe('tiny');
  });

  it('sends the history with the system prompt and keeps the answer with its metrics', async () => {
    const { settings, bodies } = server();
    const model = chat(settings);
    await model.initialize();
    model.updateSettings({ systemPrompt: 'Be brief.', maxTokens: 64 });
    await model.send('Hello');
    await model.send('Again');
    expect(bodies[1]).toMatchObject({
      model: 'tiny',
      max_tokens: 64,
      stream: true,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi!' },
        { role: 'user', content: 'Again' }
      ]
    });
    expect(model.turns).toHaveLength(4);
    expect(model.turns[3]).toMatchObject({
      role: 'assistant',
      content: 'Hi!',
      finishReason: 'stop',
      error: null,
      stopped: false
    });
    expect(model.turns[3].metrics?.outputTokens).toBe(2);
  });

  it('keeps the conversation per deployment in the state DB, until cleared', async () => {
    const state = new StateDB();
    const first = chat(server().settings, state);
    await first.initialize();
    await first.send('Hello');
    first.dispose();

    const again = chat(server().settings, state);
    await again.initialize();
    expect(again.turns.map(turn => turn.content)).toEqual(['Hello', 'Hi!']);
    await again.clear();
    const cleared = chat(server().settings, state);
    await cleared.initialize();
    expect(cleared.turns).toEqual([]);
  });

  it('records a smoke test with the shared results', async () => {
    const state = new StateDB();
    const results = new SmokeResults(state);
    const model = new ChatViewModel({
      serverSettings: server({ answer: 'Hello there' }).settings,
      deployment,
      state,
      smokeResults: results
    });
    await model.initialize();
    const result = await model.smokeTest();
    expect(result).toMatchObject({
      ok: true,
      reason: 'passed',
      detail: 'Hello there!',
      model: 'tiny'
    });
    expect(results.result('alice/llama')).toEqual(result);
    expect(model.smokeRunning).toBe(false);
  });
});
