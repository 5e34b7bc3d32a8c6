// The advice the new-deployment form shows beside its fields: the GPUs a spec takes, the
// sizing plan for its model on the profile's nodes, and every issue of the guide's rules
// (validateSpec) with its reason. One pure function, so the panel only renders.

import type { IGpuFacts, IModelFacts } from './catalog';
import { findGpu, findModel } from './catalog';
import { findEngine } from './engines';
import type { IIssue } from './issues';
import type { IClusterProfile } from './profiles';
import type { IMemoryEstimate, IParallelismPlan } from './sizing';
import { estimateMemory, planParallelism, specFieldsFromPlan } from './sizing';
import type { IDeploymentSpec, IResolvedSpec } from './spec';
import { resolveSpec } from './spec';
import { validateSpec } from './validate';

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
  const validation = validateSpec(spec, profile);
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
  const resolved = tryResolve(spec, profile);
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
  const model = modelFacts(spec);
  const gpu =
    resolved.gpuType !== undefined ? findGpu(resolved.gpuType) : undefined;
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

function tryResolve(
  spec: IDeploymentSpec,
  profile: IClusterProfile
): IResolvedSpec | undefined {
  const counts = [
    spec.nodes,
    spec.gpusPerNode,
    spec.tensorParallel,
    spec.pipelineParallel,
    spec.replicas
  ];
  if (
    !findEngine(spec.engine) ||
    typeof spec.nodes !== 'number' ||
    counts.some(
      value =>
        value !== undefined &&
        (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    )
  ) {
    return undefined;
  }
  try {
    return resolveSpec(spec, profile);
  } catch {
    return undefined;
  }
}

/** The catalog's facts, completed or overridden by the spec's modelConfig. */
function modelFacts(spec: IDeploymentSpec): IModelFacts | undefined {
  const known =
    typeof spec.model === 'string' ? findModel(spec.model) : undefined;
  const facts: Partial<IModelFacts> = { ...known, ...spec.modelConfig };
  if (
    facts.layers === undefined ||
    facts.attentionHeads === undefined ||
    (facts.parametersB === undefined && facts.weightGB === undefined)
  ) {
    return undefined;
  }
  return {
    ...facts,
    id: facts.id ?? spec.model,
    parametersB: facts.parametersB ?? 0,
    layers: facts.layers,
    attentionHeads: facts.attentionHeads,
    kvHeads: facts.kvHeads ?? facts.attentionHeads,
    headDim: facts.headDim ?? 128,
    dtype: facts.dtype ?? 'bf16'
  };
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
