// The form's rules, run on a deployment as it is in the cluster: what the detail shows as
// checks, also for deployments written by hand (the guide's manifests, the LWS examples).

import type { IDeploymentSummary } from './describe';
import type { IIssue } from './issues';
import type { IClusterProfile } from './profiles';
import { PCAI_GEN1 } from './profiles';
import type { IDeploymentSpec } from './spec';
import { inspectSpec } from './validate';

/**
 * Spec fields a hand-written deployment's objects tell (see {@link describeLws}); issues about
 * other fields (names, Secrets, storage the form would choose) say nothing about it.
 */
const READ_BACK_FIELDS = new Set([
  'engine',
  'image',
  'model',
  'nodes',
  'gpusPerNode',
  'tensorParallel',
  'pipelineParallel',
  'replicas'
]);

/**
 * The errors and warnings the form would raise for this deployment: its own spec when the
 * extension made it, else the spec read back from its leader's command line and limits.
 * Nothing when the engine or the model cannot be read.
 */
export function deployedSpecIssues(
  summary: IDeploymentSummary,
  profile: IClusterProfile = PCAI_GEN1
): IIssue[] {
  const spec = summary.spec ?? readBack(summary);
  if (!spec) {
    return [];
  }
  return inspectSpec(spec, profile).issues.filter(issue => {
    const root = issue.field?.split('.')[0];
    return root !== undefined && READ_BACK_FIELDS.has(root);
  });
}

function readBack(summary: IDeploymentSummary): IDeploymentSpec | null {
  if (!summary.engine || !summary.model) {
    return null;
  }
  const spec: IDeploymentSpec = {
    name: summary.name,
    engine: summary.engine,
    model: summary.model,
    nodes: summary.nodes,
    replicas: summary.replicas
  };
  if (summary.image !== undefined) {
    spec.image = summary.image;
  }
  if (summary.gpusPerNode !== undefined) {
    spec.gpusPerNode = summary.gpusPerNode;
  }
  if (summary.tensorParallel !== undefined) {
    spec.tensorParallel = summary.tensorParallel;
  }
  if (summary.pipelineParallel !== undefined) {
    spec.pipelineParallel = summary.pipelineParallel;
  }
  return spec;
}
