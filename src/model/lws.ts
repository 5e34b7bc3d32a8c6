// The LeaderWorkerSet API as PCAI ships it (LWS v0.7.0, leaderworkerset.x-k8s.io/v1), typed
// here because @kubernetes/client-node has no types for custom resources. Only fields that
// v0.7.0's CRD has: no RecreateGroupAfterStart (v0.9.0), no volumeClaimTemplates (v0.8.0),
// no status.observedGeneration (v0.9.0).

import type {
  V1Condition,
  V1ObjectMeta,
  V1PodTemplateSpec
} from '@kubernetes/client-node';

/** apiVersion of LeaderWorkerSet objects. */
export const LWS_API_VERSION = 'leaderworkerset.x-k8s.io/v1';

/** Labels the LWS controller and pod webhook set on every pod of a LeaderWorkerSet. */
export const LWS_LABELS = {
  /** The LWS name; also the selector of the headless Service LWS creates. */
  name: 'leaderworkerset.sigs.k8s.io/name',
  /** The group (replica) index. */
  groupIndex: 'leaderworkerset.sigs.k8s.io/group-index',
  /** The pod's index in its group; "0" is the leader (the controller selects leaders so). */
  workerIndex: 'leaderworkerset.sigs.k8s.io/worker-index',
  groupKey: 'leaderworkerset.sigs.k8s.io/group-key',
  templateRevisionHash: 'leaderworkerset.sigs.k8s.io/template-revision-hash'
} as const;

/** What LWS v0.7.0 does when a pod of a group restarts. */
export type LwsRestartPolicy = 'RecreateGroupOnPodRestart' | 'None' | 'Default';

/** spec.leaderWorkerTemplate of a LeaderWorkerSet. */
export interface ILeaderWorkerTemplate {
  leaderTemplate?: V1PodTemplateSpec;
  workerTemplate: V1PodTemplateSpec;
  /** Pods per group, leader included. */
  size?: number;
  restartPolicy?: LwsRestartPolicy;
  subGroupPolicy?: {
    subGroupPolicyType?: 'LeaderWorker' | 'LeaderExcluded';
    subGroupSize?: number;
  };
}

/** spec of a LeaderWorkerSet. */
export interface ILeaderWorkerSetSpec {
  /** Number of groups. */
  replicas?: number;
  leaderWorkerTemplate: ILeaderWorkerTemplate;
  rolloutStrategy?: {
    type: 'RollingUpdate';
    rollingUpdateConfiguration?: {
      partition?: number;
      maxUnavailable?: number | string;
      maxSurge?: number | string;
    };
  };
  startupPolicy?: 'LeaderCreated' | 'LeaderReady';
  networkConfig?: { subdomainPolicy: 'Shared' | 'UniquePerReplica' };
}

/** status of a LeaderWorkerSet (conditions Available, Progressing, UpdateInProgress). */
export interface ILeaderWorkerSetStatus {
  conditions?: V1Condition[];
  readyReplicas?: number;
  updatedReplicas?: number;
  replicas?: number;
  hpaPodSelector?: string;
}

/** A LeaderWorkerSet object. */
export interface ILeaderWorkerSet {
  apiVersion: string;
  kind: 'LeaderWorkerSet';
  metadata: V1ObjectMeta;
  spec: ILeaderWorkerSetSpec;
  status?: ILeaderWorkerSetStatus;
}

/** Alias of `ILeaderWorkerSet`, the name the API layer imports. */
export type LeaderWorkerSet = ILeaderWorkerSet;
