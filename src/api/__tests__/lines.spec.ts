import { ReadableStream } from 'node:stream/web';
import { TextDecoder, TextEncoder } from 'node:util';

import { readLines } from '../lines';

// jsdom has no streams API; the browser and Node do.
Object.assign(globalThis, { TextDecoder });

function streamOf(chunks: Uint8Array[]): any {
  return new ReadableStream({
    start(controller) {
      chunks.forEach(c => controller.enqueue(c));
      controller.close();
    }
  });
}

async function collect(stream: any): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of readLines(stream)) {
    lines.push(line);
  }
  return lines;
}

describe('readLines', () => {
  it('joins a line split across chunks', async () => {
    const enc = new TextEncoder();
    const lines = await collect(
      streamOf([
        enc.encode('{"type":"ADD'),
        enc.encode('ED"}\n{"type":'),
        enc.encode('"DELETED"}\n')
      ])
    );
    expect(lines).toEqual(['{"type":"ADDED"}', '{"type":"DELETED"}']);
  });

  it('keeps a multi-byte character split between chunks intact', async () => {
    const bytes = new TextEncoder().encode('état ✓\n');
    const lines = await collect(streamOf([bytes.slice(0, 7), bytes.slice(7)]));
    expect(lines).toEqual(['état ✓']);
  });

  it('yields a last line without newline and strips carriage returns', async () => {
    const enc = new TextEncoder();
    const lines = await collect(
      streamOf([enc.encode('data: a\r\n\r\ndata: [DONE]')])
    );
    expect(lines).toEqual(['data: a', '', 'data: [DONE]']);
  });
});
