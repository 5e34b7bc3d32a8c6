// The spec file format (YAML, of which JSON is a subset) and the manifests' YAML.

import { distance } from 'fastest-levenshtein';
import type { Document } from 'yaml';
import {
  isMap,
  isScalar,
  LineCounter,
  parseAllDocuments,
  stringify,
  visit
} from 'yaml';
import type { IIssue } from './issues';
import { error, warning } from './issues';
import type { IDeploymentSpec } from './spec';
import { SPEC_FIELDS } from './spec';
import { shown } from './shownText';

/** The largest spec file read, in characters: specs are a few kilobytes. */
export const SPEC_MAX_LENGTH = 1_000_000;

/**
 * Aliases (`*name`) a spec may expand. YAML's "billion laughs" nests anchors so that a few
 * lines expand to gigabytes; the `yaml` library stops at this count (its default, set here so
 * the limit is visible) and the spec is refused with a message instead of freezing the page.
 */
export const SPEC_MAX_ALIAS_COUNT = 100;

/** Output options shared by every YAML we write: no line folding of long commands. */
const YAML_OUTPUT = { lineWidth: 0, minContentWidth: 0 } as const;

/**
 * A spec from YAML or JSON text. Syntax errors come back as `yaml-syntax` issues with
 * line and column (and their range in the text); unknown fields as `unknown-field` warnings,
 * also beside syntax errors (the fields the parser could read), so an editor shows them all.
 */
export function parseSpec(text: string): {
  spec?: IDeploymentSpec;
  issues: IIssue[];
} {
  if (text.length > SPEC_MAX_LENGTH) {
    return { issues: [tooLong(text)] };
  }
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter });
  if (!Array.isArray(documents)) {
    // An empty stream: parseAllDocuments returns an EmptyStream object.
    return {
      issues: [error('invalid-spec', 'The spec is empty.')]
    };
  }
  const issues: IIssue[] = [];
  for (const document of documents) {
    for (const problem of [...document.errors, ...document.warnings]) {
      const position = problem.linePos?.[0];
      const where = position
        ? `line ${position.line}, column ${position.col}: `
        : '';
      const issue = error(
        'yaml-syntax',
        `${where}${firstLine(problem.message)}`
      );
      issue.range = [problem.pos[0], Math.max(problem.pos[0], problem.pos[1])];
      issues.push(issue);
    }
  }
  if (issues.length > 0) {
    const contents = documents[0]?.contents;
    const keys = isMap(contents)
      ? contents.items
          .map(pair => (isScalar(pair.key) ? pair.key.value : undefined))
          .filter((key): key is string => typeof key === 'string')
      : [];
    return { issues: [...issues, ...unknownFieldIssues(keys)] };
  }
  if (documents.length !== 1) {
    return {
      issues: [
        error(
          'invalid-spec',
          `The file holds ${documents.length} YAML documents; a spec is one document.`
        )
      ]
    };
  }
  let raw: unknown;
  try {
    raw = documents[0].toJS({ maxAliasCount: SPEC_MAX_ALIAS_COUNT });
  } catch (reason) {
    return { issues: [unreadable(documents[0], lineCounter, reason)] };
  }
  return readSpec(raw);
}

/** The refusal of a file too long to be a spec, naming its longest line. */
function tooLong(text: string): IIssue {
  let longest = { line: 0, length: 0 };
  let start = 0;
  for (let line = 1; start <= text.length; line++) {
    const end = text.indexOf('\n', start);
    const stop = end === -1 ? text.length : end;
    if (stop - start > longest.length) {
      longest = { line, length: stop - start };
    }
    start = stop + 1;
  }
  return error(
    'spec-too-long',
    `The spec has ${text.length} characters, more than the ${SPEC_MAX_LENGTH} a spec may have ` +
      `(they are a few kilobytes); line ${longest.line} alone has ${longest.length}.`
  );
}

/** Why a parsed document cannot become a value: an alias bomb, or a broken alias. */
function unreadable(
  document: Document.Parsed,
  lineCounter: LineCounter,
  reason: unknown
): IIssue {
  let where = '';
  let range: [number, number] | undefined;
  visit(document, {
    Alias(_key, node) {
      if (node.range) {
        const { line, col } = lineCounter.linePos(node.range[0]);
        where = `line ${line}, column ${col}: `;
        range = [node.range[0], node.range[1]];
      }
      return visit.BREAK;
    }
  });
  const message = reason instanceof Error ? reason.message : String(reason);
  const issue = error(
    'yaml-syntax',
    /alias count/i.test(message)
      ? `${where}the aliases (*name) expand more than ${SPEC_MAX_ALIAS_COUNT} times, as a "billion laughs" ` +
          'YAML bomb does; a spec needs no aliases. Write the values out.'
      : `${where}${shown(firstLine(message), 200)}`
  );
  if (range) {
    issue.range = range;
  }
  return issue;
}

/**
 * A spec from parsed YAML or JSON, with a warning for each field the format does not know
 * (usually a typo, such as `tensor_parallel`, that would otherwise be silently ignored).
 * Returns no spec when the document is not a mapping.
 */
export function readSpec(raw: unknown): {
  spec?: IDeploymentSpec;
  issues: IIssue[];
} {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      issues: [
        error(
          'invalid-spec',
          'The spec must be a mapping of fields (name, engine, model, nodes, ...), as in examples/guide-vllm-70b.yaml.'
        )
      ]
    };
  }
  return {
    spec: raw as IDeploymentSpec,
    issues: unknownFieldIssues(Object.keys(raw))
  };
}

/** An `unknown-field` warning for each of `keys` the spec format does not know. */
function unknownFieldIssues(keys: readonly string[]): IIssue[] {
  const known = new Set<string>(SPEC_FIELDS);
  return keys
    .filter(key => !known.has(key))
    .map(key => {
      const suggestion = closestField(key);
      return warning(
        'unknown-field',
        `Unknown field ${shown(key)} is ignored.` +
          (suggestion ? ` Did you mean "${suggestion}"?` : '') +
          ` Known fields: ${SPEC_FIELDS.join(', ')}.`,
        key.slice(0, 256)
      );
    });
}

function looseFieldName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * The known field a typo most likely meant: the same letters in another case or separator
 * (`tensor_parallel`), else the nearest by edit distance, at most 2 edits and less than a
 * third of the name (`gpuPerNode` -> `gpusPerNode`, but not `foo` -> `port`).
 */
export function closestField(key: string): string | undefined {
  const loose = looseFieldName(key);
  const same = SPEC_FIELDS.find(field => looseFieldName(field) === loose);
  if (same || loose.length > 64) {
    return same;
  }
  let best: { field: string; edits: number } | undefined;
  for (const field of SPEC_FIELDS) {
    const edits = distance(loose, looseFieldName(field));
    if (!best || edits < best.edits) {
      best = { field, edits };
    }
  }
  return best && best.edits <= 2 && best.edits * 3 < loose.length
    ? best.field
    : undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}

/** `spec` as YAML (the form's "download spec") or JSON. */
export function serializeSpec(
  spec: IDeploymentSpec,
  format: 'yaml' | 'json' = 'yaml'
): string {
  return format === 'json'
    ? `${JSON.stringify(spec, null, 2)}\n`
    : stringify(spec, YAML_OUTPUT);
}

/** Kubernetes objects as one multi-document YAML stream, as `kubectl apply -f` reads it. */
export function manifestsToYaml(objects: readonly object[]): string {
  return objects.map(object => stringify(object, YAML_OUTPUT)).join('---\n');
}
