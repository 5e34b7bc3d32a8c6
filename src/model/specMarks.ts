// Where each issue of a spec sits in its YAML text, for the editor to mark it there (a lint
// marker on the line, naming the field): the mapping from an issue to a source range.

import type { Document, Node, Pair, YAMLMap } from 'yaml';
import { isMap, isScalar, LineCounter, parseAllDocuments } from 'yaml';
import type { IIssue, Severity } from './issues';
import { SPEC_MAX_LENGTH, closestField } from './specYaml';
import { visibleText } from './shownText';

/** One issue placed in the spec text. */
export interface ISpecMark {
  /** Offsets [from, to) in the text; `from === to` marks a point. */
  from: number;
  to: number;
  /** The 1-based line and column of `from`. */
  line: number;
  column: number;
  severity: Severity;
  /** The issue's rule id. */
  id: string;
  /** The field the mark is about, as written in the text (absent: about the whole text). */
  field?: string;
  /** What is wrong, naming the field first (`gpuPerNode: did you mean gpusPerNode? ...`). */
  message: string;
}

/**
 * The issues of a spec text placed where they are: a syntax error at its position, an
 * unknown field on its key (with the closest known field), any other issue about a field on
 * that field's value (or key), and one about a field the text lacks, or about no field, on
 * the first line. Ordered by position; one mark per issue.
 */
export function markSpecIssues(
  text: string,
  issues: readonly IIssue[]
): ISpecMark[] {
  const lines = new LineCounter();
  const document =
    text.length > SPEC_MAX_LENGTH ? undefined : firstDocument(text, lines);
  const marks = issues.map(issue => {
    const range = issueRange(issue, document, text);
    const from = clamp(range[0], text.length);
    const { line, col } =
      lines.lineStarts.length > 0
        ? lines.linePos(from)
        : { line: 1, col: from + 1 };
    return {
      from,
      to: clamp(Math.max(range[0], range[1]), text.length),
      line,
      column: col,
      severity: issue.severity,
      id: issue.id,
      ...(issue.field !== undefined ? { field: issue.field } : {}),
      message: markMessage(issue)
    };
  });
  return marks.sort((a, b) => a.from - b.from || a.to - b.to);
}

/** The message of a mark: the field first, then what is wrong with it. */
function markMessage(issue: IIssue): string {
  if (issue.id === 'yaml-syntax') {
    // The position is the marker's; the parser also repeats it at the end.
    const message = issue.message
      .replace(/^line \d+, column \d+: /, '')
      .replace(/ at line \d+, column \d+:?$/, '');
    return `YAML syntax: ${message}`;
  }
  if (issue.id === 'unknown-field' && issue.field !== undefined) {
    // A key typed by the user: at most 80 characters, invisible characters shown.
    const key = visibleText(issue.field.slice(0, 80));
    const suggestion = closestField(issue.field);
    return suggestion
      ? `${key}: did you mean ${suggestion}? A field the spec does not know is ignored.`
      : `${key}: the spec has no such field; it is ignored. ${knownFields(issue.message)}`;
  }
  if (issue.field === undefined || issue.message.startsWith(issue.field)) {
    return issue.message;
  }
  return `${issue.field}: ${issue.message}`;
}

// The "Known fields: ..." sentence of an unknown-field message.
function knownFields(message: string): string {
  const at = message.indexOf('Known fields:');
  return at >= 0 ? message.slice(at) : '';
}

function issueRange(
  issue: IIssue,
  document: Document.Parsed | undefined,
  text: string
): [number, number] {
  if (issue.range) {
    // The parser often points at one character (the `n` of a repeated `nodes`): the mark
    // covers the word there, which a reader sees.
    const [from, to] = issue.range;
    const word = /^[^\s:,[\]{}#]*/.exec(text.slice(to))?.[0] ?? '';
    return to - from <= 1 ? [from, to + word.length] : [from, to];
  }
  const root = document?.contents;
  if (issue.field !== undefined && isMap(root)) {
    if (issue.id === 'unknown-field') {
      // The key as written (it may hold dots): the typo is the key.
      const pair = pairOf(root, issue.field);
      const key = pair && nodeRange(pair.key);
      if (key) {
        return key;
      }
    } else {
      const found = fieldRange(root, issue.field.split('.'));
      if (found) {
        return found;
      }
    }
  }
  return firstLine(text);
}

/** The range of the deepest part of `path` the map has: the value when it is inline. */
function fieldRange(
  root: YAMLMap,
  path: readonly string[]
): [number, number] | undefined {
  let map: unknown = root;
  let found: Pair | undefined;
  for (const key of path) {
    const pair = isMap(map) ? pairOf(map, key) : undefined;
    if (!pair) {
      break;
    }
    found = pair;
    map = pair.value;
  }
  if (!found) {
    return undefined;
  }
  const key = nodeRange(found.key);
  const value = nodeRange(found.value);
  // A block value spans lines below its key: the key is where the field is said.
  const inline =
    value &&
    key &&
    (isScalar(found.value) || (found.value as { flow?: boolean }).flow);
  if (inline) {
    return [key[0], value[1]];
  }
  return key ?? value;
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find(
    pair => isScalar(pair.key) && String(pair.key.value) === key
  );
}

function nodeRange(node: unknown): [number, number] | undefined {
  const range = (node as Node | null)?.range;
  return range ? [range[0], range[1]] : undefined;
}

function firstDocument(
  text: string,
  lines: LineCounter
): Document.Parsed | undefined {
  const documents = parseAllDocuments(text, { lineCounter: lines });
  return Array.isArray(documents) ? documents[0] : undefined;
}

// The first line that has something on it, else the start.
function firstLine(text: string): [number, number] {
  const match = /[^\s]/.exec(text);
  if (!match) {
    return [0, 0];
  }
  const end = text.indexOf('\n', match.index);
  return [match.index, end === -1 ? text.length : end];
}

function clamp(offset: number, length: number): number {
  return Math.min(Math.max(0, offset), length);
}
