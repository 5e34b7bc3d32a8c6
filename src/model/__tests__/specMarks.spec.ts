/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (Node export conditions: `yaml` resolves to its CommonJS build; see guide.spec.ts.)

import fc from 'fast-check';

import { error } from '../issues';
import { markSpecIssues } from '../specMarks';
import { fieldTypeIssues } from '../specTypes';
import { parseSpec } from '../specYaml';

/** The marks of a YAML edit as the form reads it: parse issues, then field types. */
function marksOf(text: string) {
  const parsed = parseSpec(text);
  const issues = parsed.spec
    ? [...parsed.issues, ...fieldTypeIssues(parsed.spec)]
    : parsed.issues;
  return markSpecIssues(text, issues);
}

/** The text a mark covers. */
function covered(text: string, mark: { from: number; to: number }): string {
  return text.slice(mark.from, mark.to);
}

describe('markSpecIssues', () => {
  it('marks a typo and a syntax error, each on its line, naming the field', () => {
    const text = [
      'name: llama',
      'engine: vllm',
      'model: meta-llama/Llama-3.3-70B-Instruct',
      'nodes: 2',
      'gpuPerNode: 4',
      'engineArgs: ["--max-model-len", 4096',
      'port: 8000',
      ''
    ].join('\n');
    const marks = marksOf(text);
    const typo = marks.find(mark => mark.id === 'unknown-field');
    expect(typo).toMatchObject({
      line: 5,
      severity: 'warning',
      field: 'gpuPerNode'
    });
    expect(typo?.message).toMatch(/^gpuPerNode: did you mean gpusPerNode\?/);
    expect(covered(text, typo!)).toBe('gpuPerNode');
    const syntax = marks.filter(mark => mark.id === 'yaml-syntax');
    expect(syntax.length).toBeGreaterThan(0);
    for (const mark of syntax) {
      expect(mark.line).toBeGreaterThanOrEqual(6);
      expect(mark.message).toMatch(/^YAML syntax: /);
      expect(mark.message).not.toMatch(/line \d+, column \d+/);
    }
    expect(marks.map(mark => mark.from)).toEqual(
      [...marks.map(mark => mark.from)].sort((a, b) => a - b)
    );
  });

  it('marks the word a syntax error points at, such as a repeated key', () => {
    const text = 'name: llama\nnodes: 2\ngpusPerNode: 4\nnodes: 3\n';
    const [mark] = marksOf(text);
    expect(mark).toMatchObject({ id: 'yaml-syntax', line: 4, column: 1 });
    expect(covered(text, mark)).toBe('nodes');
    expect(mark.message).toBe('YAML syntax: Map keys must be unique');
  });

  it('marks a field of the wrong type on its key and value', () => {
    const text = 'name: llama\nengine: vllm\nstorage: 5\nnodes: 1\n';
    const [mark] = marksOf(text);
    expect(mark).toMatchObject({
      id: 'invalid-type',
      line: 3,
      column: 1,
      severity: 'error',
      field: 'storage'
    });
    expect(covered(text, mark)).toBe('storage: 5');
    // The message names the field already: no second prefix.
    expect(mark.message).toMatch(/^storage must be /);
  });

  it('follows a dotted field into nested mappings', () => {
    const text = [
      'name: llama',
      'rdma:',
      '  addrFamily: AF_INET6',
      '  networks: abc',
      ''
    ].join('\n');
    const [mark] = marksOf(text);
    expect(mark).toMatchObject({ field: 'rdma.networks', line: 4 });
    expect(covered(text, mark)).toBe('networks: abc');
  });

  it('marks a block value on its key, not over the lines below it', () => {
    const text = 'name: llama\nenv:\n  A: [1]\n  B: x\n';
    const [mark] = marksOf(text);
    expect(mark).toMatchObject({ id: 'invalid-env', field: 'env', line: 2 });
    expect(covered(text, mark)).toBe('env');
  });

  it('puts an issue about a field the text lacks on the first line, naming the field', () => {
    const text = '\n# a spec\nname: llama\nengine: vllm\n';
    const issue = error('empty-model', 'No model: set `model`.', 'model');
    const [mark] = markSpecIssues(text, [issue]);
    expect(mark).toMatchObject({ line: 2, field: 'model' });
    expect(covered(text, mark)).toBe('# a spec');
    expect(mark.message).toBe('model: No model: set `model`.');
  });

  it('marks an issue about no field on the first line', () => {
    const [mark] = marksOf('- a\n- b\n');
    expect(mark).toMatchObject({ id: 'invalid-spec', line: 1, from: 0 });
  });

  it('keeps a suggestion-less unknown field readable and its key shown safely', () => {
    const text = 'name: llama\n"zz\u202etop": 1\n';
    const [mark] = marksOf(text);
    expect(mark.id).toBe('unknown-field');
    expect(mark.line).toBe(2);
    expect(mark.message).toMatch(
      /^zz\\u\{202E\}top: the spec has no such field/
    );
    expect(mark.message).toContain('Known fields: name, engine');
  });

  it('places every issue of any text inside the text, one mark each, in order', () => {
    const piece = fc.constantFrom(
      'name: a',
      'gpuPerNode: 2',
      'storage: 5',
      'rdma: {networks: x}',
      'env:\n  A: [1]',
      'engineArgs: [x',
      '  - y',
      ': :',
      '"unclosed',
      'nodes: 1\nnodes: 2',
      '---'
    );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(piece, fc.string()), { maxLength: 8 }),
        pieces => {
          const text = pieces.join('\n');
          const parsed = parseSpec(text);
          const issues = parsed.spec
            ? [...parsed.issues, ...fieldTypeIssues(parsed.spec)]
            : parsed.issues;
          const marks = markSpecIssues(text, issues);
          expect(marks).toHaveLength(issues.length);
          const lineCount = text.split('\n').length;
          for (const mark of marks) {
            expect(0 <= mark.from && mark.from <= mark.to).toBe(true);
            expect(mark.to).toBeLessThanOrEqual(text.length);
            expect(mark.line).toBeGreaterThanOrEqual(1);
            expect(mark.line).toBeLessThanOrEqual(lineCount);
            expect(mark.message.length).toBeGreaterThan(0);
          }
          for (let index = 1; index < marks.length; index++) {
            expect(marks[index - 1].from).toBeLessThanOrEqual(
              marks[index].from
            );
          }
        }
      ),
      { numRuns: 200, seed: 14 }
    );
  });
});
