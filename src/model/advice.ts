// The advice the new-deployment form shows beside its fields: the GPUs a spec takes, the
// sizing plan for its model on the profile's nodes, and every issue of the guide's rules
// (validateSpec) with its reason. One pure function, so the panel only renders.

import type { IGpuFacts, IModelFacts } from './catalog';
import type { IIssue } from './issues';
import type { IClusterProfile } from './profiles';
import type { IMemoryEstimate, IParallelismPlan } from './sizing';
import { estimateMemory, planParallelism, specFieldsFromPlan } from './sizing';
import type { IDeploymentSpec, IResolvedSpec } from './spec';
import { inspectSpec } from './validate';

/** The GPUs a deployment takes: `nodes x gpusPerNode = perGroup`, times `replicas`. */
export interface IGpuUse {
  nodes: number;
  gpusPerNode: number;
  /** GPUs of one group (one copy of the model). */
  perGroup: number;
  replicas: number;
  /** GPUs of all groups. */
  total: number;
  gpuType?: string;
  tensorParallel: number;
  pipelineParallel: number;
}

/** The sizing plan for a known model on known GPUs, next to the user's choice. */
export interface IPlanAdvice {
  model: IModelFacts;
  gpu: IGpuFacts;
  /** What planParallelism recommends on the profile's nodes. */
  recommended: IParallelismPlan;
  /** The spec fields that apply the recommended plan (for a one-click change). */
  fix: Pick<
    IDeploymentSpec,
    'nodes' | 'gpusPerNode' | 'tensorParallel' | 'pipelineParallel'
  >;
  /** True when the spec already follows the recommended plan. */
  followed: boolean;
  /** Memory of the model against the GPUs the spec asks for. */
  memory: IMemoryEstimate;
}

/** Everything the form shows about a spec. */
export interface IAdvice {
  /** The spec with the profile's defaults, when it can be resolved. */
  resolved?: IResolvedSpec;
  gpus?: IGpuUse;
  /** Absent when the model or the GPU type is not in the catalog. */
  plan?: IPlanAdvice;
  /** Input problems and validation issues, errors first. */
  issues: IIssue[];
  errors: number;
  warnings: number;
  /** No errors: the spec may be deployed. */
  canDeploy: boolean;
}

/**
 * Advice for `spec` on `profile`; `inputIssues` are the form's own (text that is not a
 * number, an open quote) and come first.
 */
export function adviseSpec(
  spec: IDeploymentSpec,
  profile: IClusterProfile,
  inputIssues: readonly IIssue[] = []
): IAdvice {
  const inspection = inspectSpec(spec, profile);
  const validation = inspection.issues;
  // A field the form could not read is missing from the spec; its "missing" error from
  // validation would only repeat the input problem.
  const unreadable = new Set(inputIssues.map(issue => issue.field));
  const repeats = (issue: IIssue) =>
    issue.severity === 'error' &&
    issue.field !== undefined &&
    unreadable.has(issue.field);
  const issues = sortIssues(
    dedupe([...inputIssues, ...validation.filter(issue => !repeats(issue))])
  );
  const errors = issues.filter(issue => issue.severity === 'error').length;
  const advice: IAdvice = {
    issues,
    errors,
    warnings: issues.length - errors,
    canDeploy: errors === 0
  };
  const resolved = inspection.resolved;
  if (!resolved) {
    return advice;
  }
  advice.resolved = resolved;
  advice.gpus = {
    nodes: resolved.nodes,
    gpusPerNode: resolved.gpusPerNode,
    perGroup: resolved.nodes * resolved.gpusPerNode,
    replicas: resolved.replicas,
    total: resolved.nodes * resolved.gpusPerNode * resolved.replicas,
    tensorParallel: resolved.tensorParallel,
    pipelineParallel: resolved.pipelineParallel
  };
  if (resolved.gpuType !== undefined) {
    advice.gpus.gpuType = resolved.gpuType;
  }
  const model = inspection.model.complete;
  const gpu = inspection.gpu;
  if (model && gpu) {
    const recommended = planParallelism({
      model,
      gpu,
      gpusPerNode: profile.gpusPerNode
    });
    const fix = specFieldsFromPlan(recommended);
    advice.plan = {
      model,
      gpu,
      recommended,
      fix,
      followed:
        fix.nodes === resolved.nodes &&
        fix.gpusPerNode === resolved.gpusPerNode &&
        fix.tensorParallel === resolved.tensorParallel &&
        fix.pipelineParallel === resolved.pipelineParallel,
      memory: estimateMemory(model, gpu, advice.gpus.perGroup)
    };
  }
  return advice;
}

/** The issues of one spec field (dotted paths such as `env.FOO` count for `env`). */
export function issuesOf(issues: readonly IIssue[], field: string): IIssue[] {
  return issues.filter(
    issue =>
      issue.field === field ||
      (issue.field !== undefined && issue.field.startsWith(`${field}.`))
  );
}

function dedupe(issues: IIssue[]): IIssue[] {
  const seen = new Set<string>();
  return issues.filter(issue => {
    const key = `${issue.id}\u0000${issue.field ?? ''}\u0000${issue.message}`;
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

function sortIssues(issues: IIssue[]): IIssue[] {
  return [
    ...issues.filter(issue => issue.severity === 'error'),
    ...issues.filter(issue => issue.severity !== 'error')
  ];
}
