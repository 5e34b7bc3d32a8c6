// DeploymentSpec -> LeaderWorkerSet + leader Service (+ HF token Secret): the guide's
// manifests, with its NOTES applied as defaults and these documented differences (each one
// is spelled out in __tests__/guide.spec.ts, which compares with the guide field by field):
// 1. the HF token comes from a Secret (secretKeyRef), never from the manifest;
// 2. the Service selects the leader by the labels LWS itself sets (name + worker-index 0)
//    instead of a hand-added `role` label;
// 3. every object carries the app.kubernetes.io/* recommended labels and the LWS carries
//    its spec (annotation), so the UI can list and round-trip deployments;
// 4. the guide's load budget (300 x 30 s) is a startupProbe for both engines, and a normal
//    readinessProbe on /health follows it, so a server that dies after loading leaves the
//    Service within seconds;
// 5. container names are `<engine>-leader|worker`, the Service port is named `http`;
// 6. engine commands fixed for the releases (engines/releases.ts): SGLang `--tp-size`
//    instead of the abbreviation `--tp`; vLLM's Ray mode names its backend and finds the
//    bootstrap script in either examples folder.

import type {
  V1Container,
  V1EnvVar,
  V1PodTemplateSpec,
  V1Secret,
  V1Service,
  V1Volume,
  V1VolumeMount
} from '@kubernetes/client-node';
import { findEngine } from './engines';
import type { IEngine } from './engines';
import type { ILeaderWorkerSet } from './lws';
import { LWS_API_VERSION, LWS_LABELS } from './lws';
import type { IClusterProfile } from './profiles';
import { rdmaPodParts } from './rdma';
import { resolveSpec, tokenSecretName } from './resolve';
import type { IDeploymentSpec, IResolvedSpec } from './spec';

/** Value of `app.kubernetes.io/managed-by` on everything the extension creates. */
export const MANAGED_BY = 'jupyterlab-lws';

/** LWS annotation holding the resolved spec as JSON (never a token). */
export const SPEC_ANNOTATION = 'jupyterlab-lws/spec';

/** The key of the HF token in its Secret. */
export const HF_TOKEN_SECRET_KEY = 'token';

/** Istio sidecar switch: PCAI injects sidecars into user namespaces unless told not to. */
export const ISTIO_INJECT_ANNOTATION = 'sidecar.istio.io/inject';

/** The Kubernetes recommended labels. */
export const APP_LABELS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  managedBy: 'app.kubernetes.io/managed-by'
} as const;

/**
 * The start-up budget of both engines: the guide's SGLang probe values. 300 failures 30 s
 * apart give the leader 2.5 hours to load the weights (a 70B model from a PVC takes tens of
 * minutes) before Kubernetes restarts it. As a startupProbe it holds back the readiness
 * probe until the server first answers.
 */
export const STARTUP_PROBE = {
  initialDelaySeconds: 15,
  periodSeconds: 30,
  failureThreshold: 300
} as const;

/**
 * Readiness once started: `/health` (both engines answer it; SGLang with 503 while it is not
 * healthy) every 10 s, out of the Service after 3 failures. SGLang's /health may run a
 * one-token generation, hence a timeout above the 1 s default.
 */
export const READINESS_PROBE = {
  periodSeconds: 10,
  timeoutSeconds: 5,
  failureThreshold: 3
} as const;

/** The path both engines answer when healthy. */
export const HEALTH_PATH = '/health';

/** Options of `buildManifests`. */
export interface IBuildOptions {
  /** Cluster profile for defaults; PCAI Gen1 when omitted. */
  profile?: IClusterProfile;
  /**
   * The HF token typed into the form: only used to build the Secret. When the spec names
   * no Secret, it is called `<name>-hf-token`.
   */
  hfToken?: string;
  /** Namespace to set on every object (omitted: the namespace they are applied in). */
  namespace?: string;
}

/** The objects of one deployment. */
export interface IManifests {
  leaderWorkerSet: ILeaderWorkerSet;
  service: V1Service;
  /** Only when a token value was given. */
  secret?: V1Secret;
}

/** Any of the objects `buildManifests` returns. */
export type DeploymentObject = ILeaderWorkerSet | V1Service | V1Secret;

/**
 * The Kubernetes objects for `spec`. Does not validate: call `validateSpec` first and do
 * not deploy a spec with errors.
 */
export function buildManifests(
  spec: IDeploymentSpec,
  options: IBuildOptions = {}
): IManifests {
  return manifestsOf(resolveSpec(spec, options.profile), options);
}

/**
 * The Kubernetes objects for a spec already resolved (the form's validation resolved it);
 * `options.profile` is not used, the defaults are in `spec`.
 */
export function manifestsOf(
  spec: IResolvedSpec,
  options: Omit<IBuildOptions, 'profile'> = {}
): IManifests {
  // A copy: the token's Secret name is added below, the caller's spec stays as it was.
  const resolved: IResolvedSpec = { ...spec };
  const engine = findEngine(resolved.engine) as IEngine;
  const token = options.hfToken ?? '';
  if (token !== '' && resolved.hfTokenSecret === undefined) {
    resolved.hfTokenSecret = tokenSecretName(resolved.name);
  }
  const manifests: IManifests = {
    leaderWorkerSet: leaderWorkerSet(resolved, engine),
    service: leaderService(resolved)
  };
  if (token !== '' && resolved.hfTokenSecret !== undefined) {
    manifests.secret = hfTokenSecret(resolved.hfTokenSecret, token);
  }
  if (options.namespace !== undefined) {
    for (const object of listManifests(manifests)) {
      object.metadata = { ...object.metadata, namespace: options.namespace };
    }
  }
  return manifests;
}

/** The objects in apply order: the Secret before the pods that read it. */
export function listManifests(manifests: IManifests): DeploymentObject[] {
  return [
    ...(manifests.secret ? [manifests.secret] : []),
    manifests.leaderWorkerSet,
    manifests.service
  ];
}

/** The recommended labels of one part of a deployment. */
export function appLabels(
  spec: Pick<IResolvedSpec, 'name' | 'engine'>,
  component: string
): Record<string, string> {
  return {
    [APP_LABELS.name]: spec.engine,
    [APP_LABELS.instance]: spec.name,
    [APP_LABELS.component]: component,
    [APP_LABELS.managedBy]: MANAGED_BY
  };
}

function leaderWorkerSet(
  spec: IResolvedSpec,
  engine: IEngine
): ILeaderWorkerSet {
  return {
    apiVersion: LWS_API_VERSION,
    kind: 'LeaderWorkerSet',
    metadata: {
      name: spec.name,
      labels: appLabels(spec, 'model-server'),
      annotations: { [SPEC_ANNOTATION]: JSON.stringify(spec) }
    },
    spec: {
      replicas: spec.replicas,
      leaderWorkerTemplate: {
        size: spec.nodes,
        // The guide's policy (and LWS's default): a group is only useful whole, so any pod
        // restart recreates all of them and NCCL re-initialises from scratch.
        restartPolicy: 'RecreateGroupOnPodRestart',
        leaderTemplate: podTemplate(spec, engine, 'leader'),
        workerTemplate: podTemplate(spec, engine, 'worker')
      }
    }
  };
}

function podTemplate(
  spec: IResolvedSpec,
  engine: IEngine,
  role: 'leader' | 'worker'
): V1PodTemplateSpec {
  const annotations: Record<string, string> = {
    ...rdmaPodParts(spec.rdma)?.annotations
  };
  // Sidecars break pod-to-pod NCCL traffic and keep Jobs alive; the guide turns them off.
  annotations[ISTIO_INJECT_ANNOTATION] = 'false';
  return {
    metadata: { annotations, labels: appLabels(spec, role) },
    spec: {
      // No <SERVICE>_PORT=tcp://... variables from the namespace's Services: a Service named
      // "vllm" would set VLLM_PORT, which vLLM reads as its own port and refuses to start.
      // Pods find Services by DNS; the API server's KUBERNETES_SERVICE_* variables stay.
      enableServiceLinks: false,
      containers: [container(spec, engine, role)],
      volumes: volumes(spec)
    }
  };
}

function container(
  spec: IResolvedSpec,
  engine: IEngine,
  role: 'leader' | 'worker'
): V1Container {
  const result: V1Container = {
    name:
      role === 'leader'
        ? engine.leaderContainerName
        : engine.workerContainerName,
    image: spec.image
  };
  const rdma = rdmaPodParts(spec.rdma);
  if (rdma) {
    result.securityContext = rdma.securityContext;
  }
  result.env = environment(spec, rdma?.env ?? []);
  result.command =
    role === 'leader' ? engine.leaderCommand(spec) : engine.workerCommand(spec);
  result.resources = {
    limits: { 'nvidia.com/gpu': String(spec.gpusPerNode), ...rdma?.limits }
  };
  if (role === 'leader') {
    result.ports = [{ containerPort: spec.port }];
    result.startupProbe = { tcpSocket: { port: spec.port }, ...STARTUP_PROBE };
    result.readinessProbe = {
      httpGet: { path: HEALTH_PATH, port: spec.port },
      ...READINESS_PROBE
    };
  }
  result.volumeMounts = volumeMounts(spec);
  return result;
}

function environment(spec: IResolvedSpec, rdmaEnv: V1EnvVar[]): V1EnvVar[] {
  const env: V1EnvVar[] = [];
  if (spec.hfTokenSecret !== undefined) {
    env.push({
      name: 'HF_TOKEN',
      valueFrom: {
        secretKeyRef: { name: spec.hfTokenSecret, key: HF_TOKEN_SECRET_KEY }
      }
    });
  }
  if (spec.storage) {
    // The download Job writes under <mountPath>/hub, where HF_HOME makes the engines look.
    env.push({ name: 'HF_HOME', value: spec.storage.mountPath });
  }
  if (spec.ncclDebug !== undefined) {
    env.push({ name: 'NCCL_DEBUG', value: spec.ncclDebug });
  }
  env.push(...rdmaEnv);
  // The pod spec's env is a list map keyed by name: a user value replaces ours in place
  // rather than adding a duplicate.
  for (const [name, value] of Object.entries(spec.env)) {
    const existing = env.findIndex(variable => variable.name === name);
    if (existing >= 0) {
      env[existing] = { name, value };
    } else {
      env.push({ name, value });
    }
  }
  return env;
}

function volumeMounts(spec: IResolvedSpec): V1VolumeMount[] {
  const mounts: V1VolumeMount[] = [{ mountPath: '/dev/shm', name: 'dshm' }];
  if (spec.storage) {
    mounts.push({ name: 'model-storage', mountPath: spec.storage.mountPath });
  }
  return mounts;
}

function volumes(spec: IResolvedSpec): V1Volume[] {
  // NCCL and the engines' worker processes exchange tensors through shared memory;
  // the container runtime's default 64 MiB /dev/shm is far too small.
  const result: V1Volume[] = [{ name: 'dshm', emptyDir: { medium: 'Memory' } }];
  if (spec.storage) {
    result.push({
      name: 'model-storage',
      persistentVolumeClaim: { claimName: spec.storage.pvc }
    });
  }
  return result;
}

function leaderService(spec: IResolvedSpec): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: spec.serviceName, labels: appLabels(spec, 'api') },
    spec: {
      type: 'ClusterIP',
      // Labels LWS puts on every pod; worker-index 0 is each group's leader, the only pod
      // serving HTTP. The headless Service LWS creates carries the LWS's own name, which is
      // why this one must not (the guide's NOTES: pods stop resolving each other).
      selector: {
        [LWS_LABELS.name]: spec.name,
        [LWS_LABELS.workerIndex]: '0'
      },
      ports: [
        {
          name: 'http',
          protocol: 'TCP',
          port: spec.port,
          targetPort: spec.port
        }
      ]
    }
  };
}

/** The Secret holding an HF token under key `token` (deployments and downloads read it). */
export function hfTokenSecret(name: string, token: string): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    // No instance label: a token Secret may serve several deployments, and deleting one
    // deployment by its instance label must not take the others' token with it.
    metadata: {
      name,
      labels: {
        [APP_LABELS.component]: 'hf-token',
        [APP_LABELS.managedBy]: MANAGED_BY
      }
    },
    type: 'Opaque',
    stringData: { [HF_TOKEN_SECRET_KEY]: token }
  };
}
