// The spec file format (YAML, of which JSON is a subset) and the manifests' YAML.

import { parseAllDocuments, stringify } from 'yaml';
import type { IIssue } from './issues';
import { error, warning } from './issues';
import type { IDeploymentSpec } from './spec';
import { SPEC_FIELDS } from './spec';

/** Output options shared by every YAML we write: no line folding of long commands. */
const YAML_OUTPUT = { lineWidth: 0, minContentWidth: 0 } as const;

/**
 * A spec from YAML or JSON text. Syntax errors come back as `yaml-syntax` issues with
 * line and column; unknown fields as `unknown-field` warnings.
 */
export function parseSpec(text: string): {
  spec?: IDeploymentSpec;
  issues: IIssue[];
} {
  const documents = parseAllDocuments(text);
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
      issues.push(
        error('yaml-syntax', `${where}${firstLine(problem.message)}`)
      );
    }
  }
  if (issues.length > 0) {
    return { issues };
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
  return readSpec(documents[0].toJS());
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
  const issues: IIssue[] = [];
  const known = new Set<string>(SPEC_FIELDS);
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) {
      const suggestion = SPEC_FIELDS.find(
        field => looseFieldName(field) === looseFieldName(key)
      );
      issues.push(
        warning(
          'unknown-field',
          `Unknown field "${key}" is ignored.` +
            (suggestion ? ` Did you mean "${suggestion}"?` : '') +
            ` Known fields: ${SPEC_FIELDS.join(', ')}.`,
          key
        )
      );
    }
  }
  return { spec: raw as IDeploymentSpec, issues };
}

function looseFieldName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
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
