import type { V1Container } from '@kubernetes/client-node';
import { ENGINES } from './engines';
import { shellSplit } from './engines/commandLine';
import type { ILeaderWorkerSet } from './lws';
import { APP_LABELS, MANAGED_BY, SPEC_ANNOTATION } from './manifests';
import type { EngineName, IResolvedSpec } from './spec';

/** What the UI shows about one LeaderWorkerSet, however it was made. */
export interface IDeploymentSummary {
  name: string;
  namespace?: string;
  engine?: EngineName;
  model?: string;
  image?: string;
  /** Pods per group (LWS size). */
  nodes: number;
  gpusPerNode?: number;
  tensorParallel?: number;
  pipelineParallel?: number;
  replicas: number;
  port?: number;
  serviceName?: string;
  /** True when this extension created it (managed-by label). */
  managed: boolean;
  /** The spec it was built from, when its annotation is present and readable. */
  spec?: IResolvedSpec;
}

/**
 * Engine, model, nodes and GPUs of a LeaderWorkerSet: from the spec annotation when the
 * extension made it, otherwise read from the leader's container (image, command line, GPU
 * limit), so deployments made by hand from the guide show up too.
 */
export function describeLws(lws: ILeaderWorkerSet): IDeploymentSummary {
  const metadata = lws.metadata ?? {};
  const template = lws.spec?.leaderWorkerTemplate;
  const summary: IDeploymentSummary = {
    name: metadata.name ?? '',
    nodes: template?.size ?? 1,
    replicas: lws.spec?.replicas ?? 1,
    managed: metadata.labels?.[APP_LABELS.managedBy] === MANAGED_BY
  };
  if (metadata.namespace !== undefined) {
    summary.namespace = metadata.namespace;
  }
  const spec = specFromAnnotation(metadata.annotations?.[SPEC_ANNOTATION]);
  if (spec) {
    return {
      ...summary,
      spec,
      engine: spec.engine,
      model: spec.model,
      image: spec.image,
      gpusPerNode: spec.gpusPerNode,
      tensorParallel: spec.tensorParallel,
      pipelineParallel: spec.pipelineParallel,
      port: spec.port,
      serviceName: spec.serviceName
    };
  }
  const container =
    template?.leaderTemplate?.spec?.containers?.[0] ??
    template?.workerTemplate?.spec?.containers?.[0];
  return container ? { ...summary, ...describeContainer(container) } : summary;
}

function specFromAnnotation(
  annotation: string | undefined
): IResolvedSpec | undefined {
  if (annotation === undefined) {
    return undefined;
  }
  try {
    const value = JSON.parse(annotation);
    const readable =
      value !== null &&
      typeof value === 'object' &&
      typeof value.name === 'string' &&
      typeof value.model === 'string' &&
      Object.prototype.hasOwnProperty.call(ENGINES, value.engine);
    return readable ? (value as IResolvedSpec) : undefined;
  } catch {
    return undefined;
  }
}

function describeContainer(
  container: V1Container
): Partial<IDeploymentSummary> {
  const words = [
    ...(container.command ?? []),
    ...(container.args ?? [])
  ].flatMap(
    // `sh -c "<script>"`: the flags are inside the script.
    word => (/\s/.test(word) ? shellSplit(word) : [word])
  );
  const image = container.image ?? '';
  const facts: Partial<IDeploymentSummary> = {};
  if (image !== '') {
    facts.image = image;
  }
  const gpus = Number(container.resources?.limits?.['nvidia.com/gpu']);
  if (Number.isInteger(gpus) && gpus > 0) {
    facts.gpusPerNode = gpus;
  }
  // Command line first: an image name says less than `sglang.launch_server` does.
  const engine =
    Object.values(ENGINES).find(candidate => candidate.recognizes('', words)) ??
    Object.values(ENGINES).find(candidate => candidate.recognizes(image, []));
  if (engine) {
    facts.engine = engine.name;
    Object.assign(facts, engine.readCommand(words));
  }
  return facts;
}
