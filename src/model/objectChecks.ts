// Failures that the objects themselves show, before any pod logs a symptom: for deployments
// written by hand (the guide's manifests, the LWS project's examples) as well as ours.

import type { V1EnvVar, V1Service } from '@kubernetes/client-node';

import type { IDiagnosis } from './diagnose';
import type { ILeaderWorkerSet } from './lws';

/** The Service named like the LWS is not the LWS controller's headless Service. */
export const SERVICE_NAME_CLASH = 'service-name-clash';

/** An HF token variable holds a shell reference (`$HF_TOKEN`) that Kubernetes never expands. */
export const TOKEN_PLACEHOLDER = 'hf-token-placeholder';

/** A Service whose link variables (`<NAME>_PORT=tcp://...`) overwrite one of vLLM's settings. */
export const SERVICE_LINK_CLASH = 'service-link-clash';

/** vLLM settings that a Service's link variables can overwrite (vllm/envs.py). */
const VLLM_PORT_VARIABLES = ['VLLM_PORT', 'VLLM_DP_MASTER_PORT'];

/** Environment variables huggingface_hub reads a token from. */
const TOKEN_VARIABLES = ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN'];

/**
 * What is wrong with a LeaderWorkerSet and the Services around it, from the objects alone.
 *
 * #### Notes
 * The LWS controller creates a headless Service named like the LWS (publishing not-ready
 * pods) only when no Service of that name exists, and every pod's DNS name hangs off it. A
 * user's Service with that name (the guide's classic mistake) leaves the workers unable to
 * resolve the leader, whatever the Service selects.
 */
export function objectFindings(
  lws: ILeaderWorkerSet,
  services: readonly V1Service[]
): IDiagnosis[] {
  return [
    ...serviceNameClash(lws, services),
    ...serviceLinkClash(lws, services),
    ...tokenPlaceholders(lws)
  ];
}

function serviceNameClash(
  lws: ILeaderWorkerSet,
  services: readonly V1Service[]
): IDiagnosis[] {
  const name = lws.metadata?.name;
  const service = services.find(candidate => candidate.metadata?.name === name);
  if (!name || !service || ownedBy(service, lws)) {
    return [];
  }
  const headless = service.spec?.clusterIP === 'None';
  return [
    {
      id: SERVICE_NAME_CLASH,
      severity: 'error',
      title: `The Service "${name}" has the LeaderWorkerSet's name`,
      cause:
        `The LWS controller gives the pods of "${name}" their DNS names through a headless Service named "${name}", ` +
        'which it creates only when no Service of that name exists. ' +
        (headless
          ? 'This one was made by someone else (it lacks publishNotReadyAddresses and the owner reference), '
          : 'This one has a cluster IP, so it gives no pod its own DNS name, ') +
        'and the workers cannot resolve the leader ($(LWS_LEADER_ADDRESS)) while it starts.',
      fix:
        `Give the API Service another name (e.g. "${name}-leader"), then delete the Service "${name}": ` +
        `kubectl delete service ${name}. The LWS controller then creates its headless Service; restart the group.`,
      evidence: `Service ${name}: ${headless ? 'headless, ' : `type ${service.spec?.type ?? 'ClusterIP'}, `}not owned by LeaderWorkerSet ${name}`
    }
  ];
}

/**
 * Kubernetes gives every pod `<SERVICE>_PORT=tcp://<ip>:<port>` for each Service of the
 * namespace unless the pod spec sets enableServiceLinks: false; a Service named "vllm" so
 * sets VLLM_PORT, which vLLM reads as its own port and refuses (the service-links rule of
 * diagnose.ts reads the resulting error from the log).
 */
function serviceLinkClash(
  lws: ILeaderWorkerSet,
  services: readonly V1Service[]
): IDiagnosis[] {
  const template = lws.spec?.leaderWorkerTemplate;
  const pods = [template?.leaderTemplate, template?.workerTemplate].filter(
    pod => pod !== undefined
  );
  const runsVllm = pods.some(pod =>
    (pod.spec?.containers ?? []).some(container =>
      [
        container.image ?? '',
        ...(container.command ?? []),
        ...(container.args ?? [])
      ].some(word => /vllm/i.test(word))
    )
  );
  const linked = pods.some(pod => pod.spec?.enableServiceLinks !== false);
  if (!runsVllm || !linked) {
    return [];
  }
  return services.flatMap(service => {
    const name = service.metadata?.name ?? '';
    const variable = `${name.toUpperCase().replace(/-/g, '_')}_PORT`;
    if (!VLLM_PORT_VARIABLES.includes(variable)) {
      return [];
    }
    return [
      {
        id: SERVICE_LINK_CLASH,
        severity: 'warning' as const,
        title: `The Service "${name}" sets ${variable} in every pod of the namespace`,
        cause:
          `Kubernetes puts ${variable}=tcp://<cluster IP>:<port> of the Service "${name}" into each pod it starts (service links), ` +
          `and vLLM reads ${variable} as its own setting: a vLLM pod started after the Service stops with "${variable} ... appears to be a URI" ` +
          '(older vLLM: "invalid literal for int()").',
        fix:
          `Set enableServiceLinks: false in the pod spec of the leader and the worker template, or rename the Service "${name}" ` +
          `(for example "${name}-api"). Pods find Services by DNS name without these variables.`,
        evidence: `Service ${name} in the namespace; the LWS's pods do not set enableServiceLinks: false`
      }
    ];
  });
}

function tokenPlaceholders(lws: ILeaderWorkerSet): IDiagnosis[] {
  const template = lws.spec?.leaderWorkerTemplate;
  const containers = [
    ...(template?.leaderTemplate?.spec?.containers ?? []),
    ...(template?.workerTemplate?.spec?.containers ?? [])
  ];
  const found = new Map<string, V1EnvVar>();
  for (const container of containers) {
    for (const variable of container.env ?? []) {
      if (
        TOKEN_VARIABLES.includes(variable.name) &&
        variable.value !== undefined &&
        isShellReference(variable.value)
      ) {
        found.set(`${variable.name}=${variable.value}`, variable);
      }
    }
  }
  return [...found.values()].map(variable => ({
    id: TOKEN_PLACEHOLDER,
    severity: 'error' as const,
    title: `${variable.name} is the text "${variable.value}", not a token`,
    cause:
      `Kubernetes does not expand "${variable.value}" in an env value (only $(NAME) of the same container's variables), ` +
      'so the engine sends that text to Hugging Face and gated models answer 401.',
    fix:
      `Keep the token in a Secret and read it with valueFrom.secretKeyRef, e.g. ` +
      `kubectl create secret generic hf-token --from-literal=token=<your token>, then ` +
      `env: [{name: ${variable.name}, valueFrom: {secretKeyRef: {name: hf-token, key: token}}}].`,
    evidence: `env ${variable.name}: "${variable.value}"`
  }));
}

// `$HF_TOKEN`, `${HF_TOKEN}`: shell syntax pasted from a tutorial. A real token is never
// shown, so only such references (which hold no secret) are matched.
function isShellReference(value: string): boolean {
  return /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(value.trim());
}

function ownedBy(service: V1Service, lws: ILeaderWorkerSet): boolean {
  return (service.metadata?.ownerReferences ?? []).some(
    owner =>
      owner.kind === 'LeaderWorkerSet' &&
      owner.name === lws.metadata?.name &&
      (!lws.metadata?.uid || owner.uid === lws.metadata.uid)
  );
}
