// jsdom has no web streams; Node's are what browsers have. Imported first by specs that read
// response bodies as streams (the openai client does).
import { ReadableStream } from 'node:stream/web';
import { TextDecoder, TextEncoder } from 'node:util';

Object.assign(globalThis, { ReadableStream, TextDecoder, TextEncoder });
