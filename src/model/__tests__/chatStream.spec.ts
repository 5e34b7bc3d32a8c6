import type { EngineChunk } from '../chatStream';
import {
  answerMetrics,
  applyChunk,
  chunkError,
  startAnswer,
  truncation
} from '../chatStream';

const chunk = (
  delta: Record<string, unknown>,
  extra: Partial<EngineChunk> = {},
  finish: string | null = null
): EngineChunk =>
  ({
    id: 'c',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...extra
  }) as EngineChunk;

describe('a streamed answer', () => {
  it('collects content and reasoning apart, with the arrival of each token', () => {
    let answer = startAnswer(1000);
    answer = applyChunk(answer, chunk({ role: 'assistant' }), 1010);
    answer = applyChunk(answer, chunk({ reasoning_content: 'Think' }), 1100);
    answer = applyChunk(answer, chunk({ reasoning: ' more' }), 1120);
    answer = applyChunk(answer, chunk({ content: 'Hello' }), 1150);
    answer = applyChunk(answer, chunk({ content: ' world' }, {}, 'stop'), 1200);
    expect(answer.reasoning).toBe('Think more');
    expect(answer.content).toBe('Hello world');
    expect(answer.finishReason).toBe('stop');
    // The role-only chunk carries no output: TTFT starts at the first token.
    expect(answer.tokenTimes).toEqual([1100, 1120, 1150, 1200]);
  });

  it('takes token counts from the usage chunk when the engine sends one', () => {
    let answer = startAnswer(0);
    answer = applyChunk(answer, chunk({ content: 'a' }), 100);
    answer = applyChunk(answer, chunk({ content: 'b' }, {}, 'length'), 300);
    answer = applyChunk(
      answer,
      {
        ...chunk({}),
        choices: [],
        usage: { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 }
      },
      310
    );
    expect(answerMetrics(answer, 400)).toEqual({
      ttftMs: 100,
      totalMs: 400,
      outputTokens: 5,
      exactTokens: true,
      outputTokensPerS: 20, // 4 tokens after the first, in 200 ms
      totalTokens: 12
    });
  });

  it('counts output chunks when there is no usage (llama.cpp)', () => {
    let answer = startAnswer(0);
    for (const [index, at] of [10, 20, 30].entries()) {
      answer = applyChunk(answer, chunk({ content: `t${index}` }), at);
    }
    expect(answerMetrics(answer, 40)).toMatchObject({
      outputTokens: 3,
      exactTokens: false,
      totalTokens: null,
      outputTokensPerS: 100
    });
  });

  it('has no TTFT or rate when no token came', () => {
    expect(answerMetrics(startAnswer(0), 50)).toMatchObject({
      ttftMs: null,
      outputTokensPerS: null,
      outputTokens: 0
    });
  });

  it('is truncated when the stream ends without a finish reason', () => {
    const cut = applyChunk(startAnswer(0), chunk({ content: 'Hel' }), 5);
    expect(truncation(cut)).toMatch(/no finish_reason/);
    expect(
      truncation(applyChunk(cut, chunk({ content: 'lo' }, {}, 'stop'), 6))
    ).toBeNull();
  });

  it("recognises vLLM's in-band error object", () => {
    expect(
      chunkError({
        object: 'error',
        message: 'The engine died',
        code: 500
      } as unknown as EngineChunk)
    ).toBe('The engine died');
    expect(chunkError(chunk({ content: 'fine' }))).toBeNull();
  });
});
