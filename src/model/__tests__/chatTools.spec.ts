import type { IAnswerMetrics } from '../chatStream';
import {
  DEFAULT_NOTEBOOK_URL_TEMPLATE,
  notebookBaseUrl,
  notebookCode
} from '../notebookCode';
import { judgeSmokeTest } from '../smokeTest';

const metrics: IAnswerMetrics = {
  ttftMs: 120,
  totalMs: 480,
  outputTokens: 9,
  exactTokens: true,
  outputTokensPerS: 22,
  totalTokens: 30
};

describe('judgeSmokeTest', () => {
  it('passes a clean answer, with its timings', () => {
    expect(
      judgeSmokeTest(
        { content: ' Hello there! ', reasoning: '', metrics, error: null },
        'tiny',
        7
      )
    ).toEqual({
      ok: true,
      reason: 'passed',
      detail: 'Hello there!',
      ttftMs: 120,
      totalMs: 480,
      model: 'tiny',
      at: 7
    });
  });

  it('fails with the reason: an error, or an empty answer', () => {
    const refused = judgeSmokeTest(
      {
        content: '',
        reasoning: '',
        metrics,
        error: { kind: 'unreachable', detail: 'connection refused' }
      },
      'tiny',
      7
    );
    expect(refused).toMatchObject({
      ok: false,
      reason: 'unreachable',
      detail: 'connection refused'
    });
    expect(
      judgeSmokeTest(
        { content: '  ', reasoning: '', metrics, error: null },
        'tiny',
        7
      )
    ).toMatchObject({ ok: false, reason: 'empty' });
  });
});

describe('notebook code', () => {
  const target = {
    service: 'llama-70b-leader',
    namespace: 'project-user-alice',
    port: 8080,
    model: 'meta-llama/Llama-3.3-70B-Instruct'
  };

  it('calls the Service through cluster DNS by default', () => {
    expect(notebookBaseUrl(DEFAULT_NOTEBOOK_URL_TEMPLATE, target)).toBe(
      'http://llama-70b-leader.project-user-alice.svc.cluster.local:8080/v1'
    );
    expect(notebookBaseUrl('http://127.0.0.1:{port}/', target)).toBe(
      'http://127.0.0.1:8080/v1'
    );
  });

  it('streams a chat completion with the served model name', () => {
    const code = notebookCode(target, 'http://h:8080/v1', 'Say "hi"');
    expect(code).toContain(
      'client = OpenAI(base_url="http://h:8080/v1", api_key="EMPTY")'
    );
    expect(code).toContain('    model="meta-llama/Llama-3.3-70B-Instruct",');
    expect(code).toContain('"content": "Say \\"hi\\""');
    expect(code).toContain('    stream=True,');
  });
});
