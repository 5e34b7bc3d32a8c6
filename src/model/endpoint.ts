// Where a deployment answers: the leader's API Service, its URL inside the cluster, and a
// ready-to-run curl smoke test. Works for deployments made by the extension (the Service
// carries our labels) and for the guide's hand-written ones (a Service selecting the leader
// by its own `role` label).

import type { V1Service } from '@kubernetes/client-node';
import { shellQuote, shellSplit } from './engines/commandLine';
import type { ILeaderWorkerSet } from './lws';
import { LWS_LABELS } from './lws';
import { APP_LABELS, MANAGED_BY } from './manifests';

/** The leader's API Service of a deployment. */
export interface IEndpoint {
  service: string;
  port: number;
  /** The URL from any pod of the cluster (cluster DNS). */
  url: string;
  /** True when the extension created the Service (it goes when the deployment is deleted). */
  managed: boolean;
}

/** The Services that expose the leader pods' API (not LWS's own headless Service). */
export function leaderServices(
  lws: ILeaderWorkerSet,
  services: readonly V1Service[],
  leaderLabels: Record<string, string> = leaderPodLabels(lws)
): V1Service[] {
  const name = lws.metadata?.name ?? '';
  return services.filter(service => {
    if (service.spec?.clusterIP === 'None' || service.metadata?.name === name) {
      // The headless Service LWS creates (named like the LWS) is for pod DNS, not the API.
      return false;
    }
    if (isOurs(service, name)) {
      return true;
    }
    const selector = service.spec?.selector ?? {};
    return (
      selector[LWS_LABELS.name] === name &&
      Object.entries(selector).every(
        ([key, value]) => leaderLabels[key] === value
      )
    );
  });
}

/**
 * The endpoint of a deployment: the leader's API Service and port, preferring the one the
 * extension made. `leaderLabels` are the live leader pod's labels when it exists.
 */
export function findEndpoint(
  lws: ILeaderWorkerSet,
  services: readonly V1Service[],
  leaderLabels?: Record<string, string>
): IEndpoint | null {
  const name = lws.metadata?.name ?? '';
  const candidates = leaderServices(lws, services, leaderLabels);
  const service =
    candidates.find(candidate => isOurs(candidate, name)) ?? candidates[0];
  if (!service) {
    return null;
  }
  const port = servicePort(service, leaderContainerPorts(lws));
  if (port === undefined) {
    return null;
  }
  const serviceName = service.metadata?.name ?? '';
  const namespace = service.metadata?.namespace ?? lws.metadata?.namespace;
  const host = namespace
    ? `${serviceName}.${namespace}.svc.cluster.local`
    : serviceName;
  return {
    service: serviceName,
    port,
    url: `http://${host}:${port}`,
    managed: isOurs(service, name)
  };
}

/**
 * The name the engine serves the model under: `--served-model-name` when the command sets
 * it, otherwise the model id (vLLM and SGLang both default to the path they loaded).
 */
export function servedModelName(
  lws: ILeaderWorkerSet,
  model: string | undefined
): string | undefined {
  const container = leaderTemplate(lws)?.spec?.containers?.[0];
  const words = [
    ...(container?.command ?? []),
    ...(container?.args ?? [])
  ].flatMap(word => (/\s/.test(word) ? shellSplit(word) : [word]));
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (word.startsWith('--served-model-name=')) {
      return word.slice('--served-model-name='.length);
    }
    if (word === '--served-model-name' && i + 1 < words.length) {
      return words[i + 1];
    }
  }
  return model;
}

/**
 * A curl command that asks the deployment for a short chat completion: run it in a notebook
 * terminal (or any pod of the cluster) once the deployment is Ready.
 */
export function curlSmokeTest(endpoint: IEndpoint, model: string): string {
  const body = JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
    max_tokens: 32
  });
  return [
    `curl -sS ${shellQuote(`${endpoint.url}/v1/chat/completions`)} \\`,
    "  -H 'Content-Type: application/json' \\",
    `  -d ${shellQuote(body)}`
  ].join('\n');
}

/** The labels a leader pod of `lws` carries: its template's plus the ones LWS adds. */
export function leaderPodLabels(lws: ILeaderWorkerSet): Record<string, string> {
  return {
    ...(leaderTemplate(lws)?.metadata?.labels ?? {}),
    [LWS_LABELS.name]: lws.metadata?.name ?? '',
    [LWS_LABELS.workerIndex]: '0'
  };
}

/** True when the extension made `service` for the LWS `lwsName` (our labels). */
export function isOurs(service: V1Service, lwsName: string): boolean {
  const labels = service.metadata?.labels ?? {};
  return (
    labels[APP_LABELS.managedBy] === MANAGED_BY &&
    labels[APP_LABELS.instance] === lwsName
  );
}

function leaderTemplate(lws: ILeaderWorkerSet) {
  const template = lws.spec?.leaderWorkerTemplate;
  return template?.leaderTemplate ?? template?.workerTemplate;
}

function leaderContainerPorts(lws: ILeaderWorkerSet): number[] {
  return (leaderTemplate(lws)?.spec?.containers ?? []).flatMap(container =>
    (container.ports ?? []).map(port => port.containerPort)
  );
}

// The port that reaches the engine: the one targeting a leader container port, else the
// one named http, else the only one.
function servicePort(
  service: V1Service,
  containerPorts: number[]
): number | undefined {
  const ports = service.spec?.ports ?? [];
  const target = ports.find(port => {
    const targetPort = port.targetPort ?? port.port;
    return typeof targetPort === 'number'
      ? containerPorts.includes(targetPort)
      : false;
  });
  return (target ?? ports.find(port => port.name === 'http') ?? ports[0])?.port;
}
