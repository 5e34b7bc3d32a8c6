/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (Node export conditions: `yaml` resolves to its CommonJS build; see guide.spec.ts.)

import {
  chooseVllmMode,
  PCAI_GEN1,
  PCAI_GEN2,
  readSpec,
  resolveSpec,
  validateSpec
} from '..';
import type { IDeploymentSpec } from '..';

const minimal: IDeploymentSpec = {
  name: 'llama',
  engine: 'sglang',
  model: 'meta-llama/Llama-3.1-405B-Instruct',
  nodes: 2
};

describe('resolveSpec', () => {
  it('fills the guide defaults for SGLang', () => {
    expect(resolveSpec(minimal)).toMatchObject({
      image: 'lmsysorg/sglang:v0.5.6.post2',
      gpusPerNode: 8,
      gpuType: 'L40S',
      tensorParallel: 8,
      pipelineParallel: 2,
      replicas: 1,
      port: 31000,
      distPort: 31001,
      serviceName: 'llama-leader',
      storage: { pvc: 'models-pvc', mountPath: '/models' },
      trustRemoteCode: false
    });
  });

  it('fills the guide defaults for vLLM and picks Ray for its image', () => {
    const resolved = resolveSpec({ ...minimal, engine: 'vllm' });
    expect(resolved).toMatchObject({
      image: 'vllm/vllm-openai:v0.10.2',
      port: 8080,
      vllmMode: 'ray'
    });
    expect(resolved.distPort).toBeUndefined();
  });

  it('keeps RDMA off unless the spec turns it on', () => {
    expect(resolveSpec(minimal).rdma).toBeUndefined();
    expect(resolveSpec({ ...minimal, rdma: true }).rdma).toEqual(
      PCAI_GEN1.rdma
    );
    expect(
      resolveSpec({ ...minimal, rdma: true }, PCAI_GEN2).rdma?.networks
    ).toHaveLength(4);
  });

  it('completes a partial RDMA setting from the profile', () => {
    expect(
      resolveSpec({ ...minimal, rdma: { addrFamily: 'AF_INET' } }).rdma
    ).toEqual({
      ...PCAI_GEN1.rdma,
      addrFamily: 'AF_INET'
    });
  });

  it('derives the missing parallel size so that TP x PP uses every GPU', () => {
    expect(resolveSpec({ ...minimal, tensorParallel: 16 })).toMatchObject({
      tensorParallel: 16,
      pipelineParallel: 1
    });
    expect(resolveSpec({ ...minimal, pipelineParallel: 4 })).toMatchObject({
      tensorParallel: 4,
      pipelineParallel: 4
    });
  });

  it('is idempotent, so a resolved spec renders the same deployment', () => {
    const once = resolveSpec({
      ...minimal,
      engine: 'vllm',
      image: 'vllm/vllm-openai:latest'
    });
    expect(resolveSpec(once)).toEqual(once);
  });

  it('throws for an unknown engine, which validateSpec reports instead', () => {
    const spec = { ...minimal, engine: 'tgi' as never };
    expect(() => resolveSpec(spec)).toThrow('unknown engine "tgi"');
    expect(validateSpec(spec).map(issue => issue.id)).toEqual([
      'unknown-engine'
    ]);
  });
});

describe('chooseVllmMode', () => {
  it('reads the release from the tag', () => {
    expect(chooseVllmMode('auto', 'vllm/vllm-openai:v0.11.0').mode).toBe('ray');
    expect(chooseVllmMode(undefined, 'vllm/vllm-openai:v0.12.0').mode).toBe(
      'native'
    );
    expect(
      chooseVllmMode('auto', 'registry:5000/vllm/vllm-openai:0.13.1-cu128')
    ).toMatchObject({
      mode: 'native',
      chosenBy: 'tag'
    });
  });

  it('guesses native for tags without a release', () => {
    expect(chooseVllmMode('auto', 'vllm/vllm-openai:latest')).toEqual({
      mode: 'native',
      chosenBy: 'guessed'
    });
    expect(chooseVllmMode('auto', 'vllm/vllm-openai').chosenBy).toBe('guessed');
  });

  it('follows an explicit choice', () => {
    expect(chooseVllmMode('ray', 'vllm/vllm-openai:v0.12.0')).toMatchObject({
      mode: 'ray',
      chosenBy: 'explicit'
    });
  });
});

describe('readSpec', () => {
  it('warns about unknown fields and suggests the right spelling', () => {
    const { spec, issues } = readSpec({ ...minimal, tensor_parallel: 4 });
    expect(spec?.name).toBe('llama');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      id: 'unknown-field',
      severity: 'warning'
    });
    expect(issues[0].message).toContain('Did you mean "tensorParallel"?');
  });

  it('suggests the closest known field for a misspelt one, and nothing for a stranger', () => {
    const suggestion = (key: string) =>
      /Did you mean "([^"]+)"/.exec(
        readSpec({ name: 'llama', [key]: 8 }).issues[0]?.message ?? ''
      )?.[1];
    expect(suggestion('gpuPerNode')).toBe('gpusPerNode');
    expect(suggestion('tensorParalel')).toBe('tensorParallel');
    expect(suggestion('replica')).toBe('replicas');
    expect(suggestion('foo')).toBeUndefined();
    expect(suggestion('x'.repeat(10_000))).toBeUndefined();
  });

  it('rejects a document that is not a mapping', () => {
    expect(readSpec(['name']).issues.map(issue => issue.id)).toEqual([
      'invalid-spec'
    ]);
    expect(readSpec(['name']).spec).toBeUndefined();
  });
});
