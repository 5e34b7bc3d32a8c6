/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (Node export conditions: `yaml` resolves to its CommonJS build; see guide.spec.ts.)

import { parseSpec, serializeSpec } from '..';
import type { IDeploymentSpec } from '..';

describe('parseSpec', () => {
  it('reads YAML and JSON alike', () => {
    const yaml = parseSpec('name: llama\nengine: vllm\nmodel: m/x\nnodes: 2\n');
    const json = parseSpec(
      '{"name": "llama", "engine": "vllm", "model": "m/x", "nodes": 2}'
    );
    expect(yaml).toEqual({
      spec: { name: 'llama', engine: 'vllm', model: 'm/x', nodes: 2 },
      issues: []
    });
    expect(json).toEqual(yaml);
  });

  it('reports syntax errors with their line and column', () => {
    const { spec, issues } = parseSpec(
      'name: llama\nengine: [vllm\nmodel: x\n'
    );
    expect(spec).toBeUndefined();
    expect(issues[0].id).toBe('yaml-syntax');
    expect(issues[0].message).toMatch(/^line \d+, column \d+: /);
  });

  it('reports a duplicated field on its line', () => {
    const { issues } = parseSpec('name: a\nnodes: 1\nname: b\n');
    expect(issues).toHaveLength(1);
    expect(issues[0].message).toMatch(/^line 3, column 1: /);
  });

  it('rejects an empty file and several documents', () => {
    expect(parseSpec('').issues[0].id).toBe('invalid-spec');
    expect(parseSpec('name: a\n---\nname: b\n').issues[0].message).toContain(
      '2 YAML documents'
    );
  });
});

describe('serializeSpec', () => {
  const spec: IDeploymentSpec = {
    name: 'llama',
    engine: 'sglang',
    model: 'meta-llama/Llama-3.3-70B-Instruct',
    nodes: 1,
    engineArgs: ['--max-running-requests', '500']
  };

  it('writes YAML and JSON that parse back to the same spec', () => {
    expect(parseSpec(serializeSpec(spec)).spec).toEqual(spec);
    expect(parseSpec(serializeSpec(spec, 'json')).spec).toEqual(spec);
  });

  it('keeps numeric-looking strings as strings', () => {
    expect(serializeSpec(spec)).toContain('"500"');
  });
});
