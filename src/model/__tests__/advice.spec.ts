import { adviseSpec, issuesOf } from '../advice';
import { error, warning } from '../issues';
import { PCAI_GEN1 } from '../profiles';
import type { IDeploymentSpec } from '../spec';

/** The guide's 70B example as the form's minimum fields give it. */
const guide70b: IDeploymentSpec = {
  name: 'llama-70b',
  engine: 'sglang',
  model: 'meta-llama/Llama-3.3-70B-Instruct',
  nodes: 2,
  gpusPerNode: 4,
  rdma: true,
  ncclDebug: 'INFO'
};

describe('adviseSpec', () => {
  it('counts the GPUs of the guide’s 70B example: 2 nodes x 4 = 8 L40S, TP 4 x PP 2', () => {
    const advice = adviseSpec(guide70b, PCAI_GEN1);
    expect(advice.gpus).toEqual({
      nodes: 2,
      gpusPerNode: 4,
      perGroup: 8,
      replicas: 1,
      total: 8,
      gpuType: 'L40S',
      tensorParallel: 4,
      pipelineParallel: 2
    });
  });

  it('gives the guide’s warnings with reasons, and allows deploying', () => {
    const advice = adviseSpec(guide70b, PCAI_GEN1);
    const ids = advice.issues.map(issue => issue.id);
    expect(ids).toContain('partial-node');
    expect(ids).toContain('fits-single-node');
    expect(advice.errors).toBe(0);
    expect(advice.warnings).toBe(advice.issues.length);
    expect(advice.canDeploy).toBe(true);
    const partial = advice.issues.find(issue => issue.id === 'partial-node');
    expect(partial?.message).toMatch(/NCCL initialisation can hang/);
  });

  it('recommends the single-node plan for a model that fits one node', () => {
    const plan = adviseSpec(guide70b, PCAI_GEN1).plan;
    expect(plan?.model.id).toBe('meta-llama/Llama-3.3-70B-Instruct');
    expect(plan?.gpu.type).toBe('L40S');
    expect(plan?.fix).toEqual({
      nodes: 1,
      gpusPerNode: 4,
      tensorParallel: 4,
      pipelineParallel: 1
    });
    expect(plan?.followed).toBe(false);
    expect(plan?.memory.fits).toBe(true);
  });

  it('says the plan is followed when the spec is the plan', () => {
    const advice = adviseSpec(
      { ...guide70b, nodes: 1, tensorParallel: 4, pipelineParallel: 1 },
      PCAI_GEN1
    );
    expect(advice.plan?.followed).toBe(true);
    expect(advice.issues.map(issue => issue.id)).not.toContain(
      'fits-single-node'
    );
  });

  it('has no plan for a model outside the catalog, but still counts GPUs', () => {
    const advice = adviseSpec(
      { ...guide70b, model: 'someone/unknown-model' },
      PCAI_GEN1
    );
    expect(advice.plan).toBeUndefined();
    expect(advice.gpus?.perGroup).toBe(8);
  });

  it('uses the spec’s modelConfig for a model outside the catalog', () => {
    const advice = adviseSpec(
      {
        ...guide70b,
        model: 'someone/unknown-model',
        modelConfig: { layers: 32, attentionHeads: 32, parametersB: 8 }
      },
      PCAI_GEN1
    );
    expect(advice.plan?.recommended.nodes).toBe(1);
  });

  it('puts input problems first and drops the errors that only repeat them', () => {
    const { nodes: _, ...withoutNodes } = guide70b;
    const input = error('form-not-a-number', '"two" is not a number.', 'nodes');
    const advice = adviseSpec(withoutNodes as IDeploymentSpec, PCAI_GEN1, [
      input
    ]);
    expect(advice.issues[0]).toBe(input);
    expect(
      advice.issues.filter(
        issue => issue.field === 'nodes' && issue.severity === 'error'
      )
    ).toEqual([input]);
    expect(advice.canDeploy).toBe(false);
    expect(advice.gpus).toBeUndefined();
  });

  it('sorts errors before warnings', () => {
    const advice = adviseSpec(
      { ...guide70b, name: 'Bad_Name', serviceName: 'x' },
      PCAI_GEN1
    );
    const severities = advice.issues.map(issue => issue.severity);
    expect(severities[0]).toBe('error');
    expect(severities.lastIndexOf('error')).toBeLessThan(
      severities.indexOf('warning')
    );
    expect(advice.canDeploy).toBe(false);
  });

  it('cannot resolve an unknown engine but still reports it', () => {
    const advice = adviseSpec(
      { ...guide70b, engine: 'tgi' as never },
      PCAI_GEN1
    );
    expect(advice.resolved).toBeUndefined();
    expect(advice.issues.map(issue => issue.id)).toContain('unknown-engine');
  });
});

describe('issuesOf', () => {
  it('finds the issues of a field and of its dotted sub-fields', () => {
    const issues = [
      warning('a', 'a', 'env.HF_HOME'),
      error('b', 'b', 'env'),
      error('c', 'c', 'envelope'),
      error('d', 'd')
    ];
    expect(issuesOf(issues, 'env').map(issue => issue.id)).toEqual(['a', 'b']);
  });
});
