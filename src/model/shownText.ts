// A value the user (or a file) supplied, quoted inside a message: short, on one line, with
// invisible and direction-changing characters made visible and Hugging Face tokens hidden.
// Messages reach the form, the CLI's terminal and logs; a 10 MB string, a terminal escape or
// a right-to-left override must not travel with them whole.

/** How many characters of a value a message quotes before cutting it short. */
export const SHOWN_MAX_LENGTH = 80;

/** A Hugging Face access token (`hf_` and at least 20 letters or digits). */
const HF_TOKEN = /hf_[A-Za-z0-9]{20,}/g;

/**
 * Characters shown as `\u{...}`: C0 and C1 controls (terminal escapes start with ESC),
 * bidirectional overrides and isolates, zero-width characters and the byte order mark.
 */
const INVISIBLE =
  // eslint-disable-next-line no-control-regex -- control characters are what this finds
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** `text` with invisible characters as `\u{XXXX}` and tokens hidden, not shortened. */
export function visibleText(text: string): string {
  return text
    .replace(HF_TOKEN, 'hf_…(hidden)')
    .replace(INVISIBLE, character => `\\u{${codePoint(character).slice(2)}}`);
}

/**
 * `value` for a message: a string in double quotes, a number as written (NaN and Infinity
 * by name, where JSON would say null), anything else as JSON; at most `max` characters of
 * it, then the full length.
 */
export function shown(value: unknown, max: number = SHOWN_MAX_LENGTH): string {
  if (typeof value === 'string') {
    return `"${shortVisible(value, max)}"`;
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    return String(value);
  }
  if (value === undefined) {
    return 'nothing';
  }
  let json: string;
  try {
    json = JSON.stringify(value) ?? String(value);
  } catch {
    // YAML anchors can make a structure that contains itself.
    return 'a structure that contains itself';
  }
  return shortVisible(json, max);
}

/**
 * A sentence pointing out characters outside ASCII in a value that must be ASCII (an
 * object name, a number): a Cyrillic "а" or a fullwidth "２" looks right but is not.
 * Empty when there are none.
 */
export function nonAsciiNote(text: string): string {
  // eslint-disable-next-line no-control-regex -- the ASCII range, controls included
  const found = [...new Set(text.match(/[^\u0000-\u007f]/gu) ?? [])];
  if (found.length === 0) {
    return '';
  }
  const listed = found
    .slice(0, 3)
    .map(character => `${shown(character)} (${codePoint(character)})`)
    .join(', ');
  return ` It contains ${listed}${found.length > 3 ? ', …' : ''}: not ASCII, though it may look so.`;
}

/**
 * The first `max` characters of `text`, made visible, and its length when cut. Only a
 * window of a huge string is scanned; the window is wider than `max` so that a token
 * straddling the cut is still recognised and hidden.
 */
function shortVisible(text: string, max: number): string {
  const window = text.slice(0, 2 * max + 64);
  const visible = Array.from(visibleText(window));
  if (window.length === text.length && visible.length <= max) {
    return visible.join('');
  }
  return `${visible.slice(0, max).join('')}… (${text.length} characters)`;
}

function codePoint(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Terminal escape sequences: CSI (colours, cursor moves) and OSC (titles, links). */
const TERMINAL_SEQUENCE =
  // eslint-disable-next-line no-control-regex -- ESC and BEL delimit the sequences
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g;

/**
 * Characters that text shown to a user may not carry raw: controls but tab and newline,
 * bidirectional overrides, isolates and marks, zero-width space, word joiner and the byte
 * order mark. Zero-width (non-)joiners stay: emoji and several scripts need them.
 */
const UNSAFE_IN_DISPLAY =
  // eslint-disable-next-line no-control-regex -- control characters are what this finds
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/**
 * Text others wrote (a log line, an event message, model output), for display: terminal
 * escape sequences dropped (colours mean nothing here), the remaining controls and the bidi
 * and zero-width characters shown as `\u{XXXX}` (a right-to-left override would make
 * "user\u202Egnp.exe" read "userexe.png"), Hugging Face tokens hidden. React shows the
 * result as text; this keeps that text honest.
 */
export function untrustedText(text: string): string {
  return text
    .replace(TERMINAL_SEQUENCE, '')
    .replace(HF_TOKEN, 'hf_…(hidden)')
    .replace(
      UNSAFE_IN_DISPLAY,
      character => `\\u{${codePoint(character).slice(2)}}`
    );
}
