// The models in the PVC: a short-lived Job lists `<HF_HOME>/hub` (or deletes one model's
// folder) with jupyterlab_lws/jobs/model_cache.py, because the notebook cannot mount the
// volume; the UI reads the one JSON line it prints, then deletes the Job and its pod.

import type { V1Job } from '@kubernetes/client-node';
import type { IDownloadTarget } from './download';
import { modelLabelValue, MODEL_LABEL, shortHash } from './download';
import { MODEL_CACHE_SCRIPT } from './jobScripts.generated';
import type { LeaderWorkerSet } from './lws';
import {
  APP_LABELS,
  ISTIO_INJECT_ANNOTATION,
  MANAGED_BY,
  SPEC_ANNOTATION
} from './manifests';

/** Every machine-readable line of the cache script starts with this. */
export const CACHE_LINE_PREFIX = 'LWS-CACHE ';

/** `app.kubernetes.io/component` of cache Jobs. */
export const CACHE_COMPONENT = 'model-cache';

/** One model in the cache. */
export interface ICachedModel {
  repo: string;
  sizeOnDisk: number;
  revisions: { commit: string; refs: string[]; files: number }[];
  /** A download was interrupted (or runs): `.incomplete` files are present. */
  incomplete: boolean;
}

/** What the cache Job reports. */
export type CacheReport =
  | {
      event: 'cache';
      models: ICachedModel[];
      freeBytes: number;
      totalBytes: number;
    }
  | { event: 'deleted'; repo: string; freedBytes: number }
  | { event: 'error'; id: string; message: string };

/** The report in one log line, or undefined. */
export function parseCacheLine(line: string): CacheReport | undefined {
  const at = line.indexOf(CACHE_LINE_PREFIX);
  if (at < 0) {
    return undefined;
  }
  try {
    const value = JSON.parse(line.slice(at + CACHE_LINE_PREFIX.length));
    if (
      (value?.event === 'cache' && Array.isArray(value.models)) ||
      (value?.event === 'deleted' && typeof value.repo === 'string') ||
      (value?.event === 'error' && typeof value.id === 'string')
    ) {
      return value as CacheReport;
    }
  } catch {
    // not a report
  }
  return undefined;
}

/** The first report among `lines`. */
export function findCacheReport(
  lines: Iterable<string>
): CacheReport | undefined {
  for (const line of lines) {
    const report = parseCacheLine(line);
    if (report) {
      return report;
    }
  }
  return undefined;
}

/** A cache action: list every model, or delete one. */
export type CacheAction =
  { action: 'list' } | { action: 'delete'; repo: string };

/** The Job name of a cache action (one of each at a time). */
export function cacheJobName(action: CacheAction): string {
  return action.action === 'list'
    ? 'model-cache-list'
    : `model-cache-delete-${shortHash(action.repo.trim())}`;
}

/** The short-lived Job that runs a cache action on the model volume. */
export function buildCacheJob(
  action: CacheAction,
  target: IDownloadTarget
): V1Job {
  const labels: Record<string, string> = {
    [APP_LABELS.name]: 'huggingface-hub',
    [APP_LABELS.component]: CACHE_COMPONENT,
    [APP_LABELS.managedBy]: MANAGED_BY
  };
  const env = [
    { name: 'ACTION', value: action.action },
    {
      name: 'CACHE_DIR',
      value: `${target.mountPath.replace(/\/+$/, '')}/hub`
    }
  ];
  if (action.action === 'delete') {
    labels[MODEL_LABEL] = modelLabelValue(action.repo);
    env.push({ name: 'MODEL_ID', value: action.repo.trim() });
  }
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: cacheJobName(action), labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: 600,
      // The UI deletes it once read; this cleans up after a closed page.
      ttlSecondsAfterFinished: 600,
      template: {
        metadata: {
          labels,
          annotations: { [ISTIO_INJECT_ANNOTATION]: 'false' }
        },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'model-cache',
              image: target.image,
              command: ['python3', '-c'],
              args: [MODEL_CACHE_SCRIPT],
              env,
              volumeMounts: [
                {
                  name: 'model-storage',
                  mountPath: target.mountPath,
                  // Listing never writes.
                  readOnly: action.action === 'list'
                }
              ],
              resources: {
                requests: { memory: '128Mi', cpu: '100m' },
                limits: { memory: '512Mi', cpu: '1' }
              }
            }
          ],
          volumes: [
            {
              name: 'model-storage',
              persistentVolumeClaim: { claimName: target.pvc }
            }
          ]
        }
      }
    }
  };
}

/** The cached entry of `repo`, or undefined (ids compare as the Hub does: case-insensitively). */
export function findCachedModel(
  models: readonly ICachedModel[],
  repo: string
): ICachedModel | undefined {
  const wanted = repo.trim().toLowerCase();
  return models.find(model => model.repo.toLowerCase() === wanted);
}

/**
 * The deployments that read `repo` from the model volume: deleting it under them would
 * break their next restart (the guide's pods reload weights from the PVC).
 */
export function deploymentsUsingModel(
  deployments: readonly LeaderWorkerSet[],
  repo: string
): string[] {
  const wanted = repo.trim().toLowerCase();
  return deployments
    .filter(lws => {
      const text = lws.metadata?.annotations?.[SPEC_ANNOTATION];
      if (!text) {
        return false;
      }
      try {
        const spec = JSON.parse(text) as { model?: unknown };
        return (
          typeof spec.model === 'string' &&
          spec.model.trim().toLowerCase() === wanted
        );
      } catch {
        return false;
      }
    })
    .map(lws => lws.metadata?.name ?? '');
}

/** Whether a deployment's model is in the volume, as the new-deployment form says it. */
export type ModelAvailability =
  /** The volume was not listed yet. */
  | { kind: 'unknown' }
  | { kind: 'cached'; sizeOnDisk: number; incomplete: boolean }
  | { kind: 'downloading'; percent: number }
  | { kind: 'not-cached' };

/**
 * The availability of `repo`: a running download first (its progress), else the last cache
 * listing, else unknown. A model whose download just finished is cached even before the
 * volume is listed again.
 */
export function modelAvailability(
  repo: string,
  cache: ICachedModel[] | null,
  download?: {
    phase: string;
    progress: {
      bytes: number;
      bytesTotal: number;
      done?: { sizeOnDisk: number };
    };
  }
): ModelAvailability {
  if (download?.phase === 'downloading' || download?.phase === 'waiting') {
    const { bytes, bytesTotal } = download.progress;
    return {
      kind: 'downloading',
      percent: bytesTotal > 0 ? Math.floor((100 * bytes) / bytesTotal) : 0
    };
  }
  if (download?.phase === 'done' && download.progress.done) {
    return {
      kind: 'cached',
      sizeOnDisk: download.progress.done.sizeOnDisk,
      incomplete: false
    };
  }
  if (cache === null) {
    return { kind: 'unknown' };
  }
  const cached = findCachedModel(cache, repo);
  return cached
    ? {
        kind: 'cached',
        sizeOnDisk: cached.sizeOnDisk,
        incomplete: cached.incomplete
      }
    : { kind: 'not-cached' };
}
