// Quoting values in messages (shown) and showing text others wrote (untrustedText).

import fc from 'fast-check';

import {
  nonAsciiNote,
  shown,
  SHOWN_MAX_LENGTH,
  untrustedText,
  visibleText
} from '../shownText';

const TOKEN = 'hf_abcdefghijNOTREAL0000000';

/** Raw characters no displayed text may carry (tab and newline are fine). */
// eslint-disable-next-line no-control-regex -- control characters are what this finds
const UNSAFE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200b\ufeff]/;

describe('shown', () => {
  it('quotes strings and names numbers JSON cannot', () => {
    expect(shown('llama')).toBe('"llama"');
    expect(shown(NaN)).toBe('NaN');
    expect(shown(-Infinity)).toBe('-Infinity');
    expect(shown(undefined)).toBe('nothing');
    expect(shown([1, 'a'])).toBe('[1,"a"]');
  });

  it('cuts a long value and says how long it was', () => {
    expect(shown('x'.repeat(10_000_000))).toBe(
      `"${'x'.repeat(SHOWN_MAX_LENGTH)}… (10000000 characters)"`
    );
  });

  it('shows controls, bidi and zero-width characters as their codes', () => {
    expect(shown('a\u202eb\u200bc\u001b[0m')).toBe(
      '"a\\u{202E}b\\u{200B}c\\u{001B}[0m"'
    );
  });

  it('hides an HF token, also when the cut falls inside it', () => {
    expect(shown(`token ${TOKEN}`)).toBe('"token hf_…(hidden)"');
    expect(shown(`${'x'.repeat(70)}${TOKEN}`)).not.toContain('abcdefghij');
  });

  it('says a structure contains itself instead of throwing', () => {
    const loop: unknown[] = [];
    loop.push(loop);
    expect(shown(loop)).toBe('a structure that contains itself');
  });
});

describe('nonAsciiNote', () => {
  it('names look-alike characters by code point', () => {
    expect(nonAsciiNote('llаma-８b')).toBe(
      ' It contains "а" (U+0430), "８" (U+FF18): not ASCII, though it may look so.'
    );
    expect(nonAsciiNote('llama')).toBe('');
  });
});

describe('untrustedText', () => {
  it('drops terminal colours and titles, keeps the words', () => {
    expect(untrustedText('\u001b[31mred\u001b[0m \u001b]0;title\u0007ok')).toBe(
      'red ok'
    );
  });

  it('shows a right-to-left override instead of reversing the text', () => {
    expect(untrustedText('user\u202egnp.exe')).toBe('user\\u{202E}gnp.exe');
  });

  it('keeps tabs, newlines, joiners in emoji and markup as text', () => {
    const text = 'a\tb\nc 👩\u200d💻 <img src=x onerror=alert(1)>';
    expect(untrustedText(text)).toBe(text);
  });

  it('hides HF tokens', () => {
    expect(untrustedText(`HF_TOKEN=${TOKEN}`)).toBe('HF_TOKEN=hf_…(hidden)');
  });

  it('never leaves an unsafe character and is stable when applied again', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), text => {
        const once = untrustedText(text);
        expect(once).not.toMatch(UNSAFE);
        expect(untrustedText(once)).toBe(once);
      }),
      { numRuns: 500, seed: 16 }
    );
  });

  it('matches visibleText on what both show', () => {
    expect(visibleText('\u202e')).toBe(untrustedText('\u202e'));
  });
});
