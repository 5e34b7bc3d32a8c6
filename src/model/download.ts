// The model download Job: a Hugging Face repository into the models PVC, in the cache layout
// the engines read (`HF_HOME=/models` -> `/models/hub/models--org--name/snapshots/<commit>`),
// so a deployment with the same HF_HOME starts without network. It is the guide's
// "Pre-download the model files in PVC" Job with these documented differences (each one is
// spelled out in __tests__/download.spec.ts, which compares with the guide field by field):
// 1. the token comes from a Secret (secretKeyRef), never from the manifest;
// 2. no `pip install` at run time: the image is one that carries huggingface_hub (the
//    engine image by default; a profile setting), and the script is our tested file
//    (jupyterlab_lws/jobs/download_model.py, embedded at build time) run with `python3 -c`;
// 3. restartPolicy Never and a podFailurePolicy: a failed pod stays for its log, and a
//    failure retrying cannot fix (bad token, unknown model) ends the Job at once;
// 4. ttlSecondsAfterFinished, a name and labels that tie the Job to its model, revision
//    and file filters, progress bars off in favour of the script's progress lines, and
//    HF_ENDPOINT when the profile names a mirror.

import type { V1EnvVar, V1Job } from '@kubernetes/client-node';
import { isDns1123Subdomain } from './dns1123';
import type { IIssue } from './issues';
import { error, warning } from './issues';
import { DOWNLOAD_SCRIPT } from './jobScripts.generated';
import {
  APP_LABELS,
  HF_TOKEN_SECRET_KEY,
  ISTIO_INJECT_ANNOTATION,
  MANAGED_BY
} from './manifests';
import type { IClusterProfile } from './profiles';

/** Label on download Jobs and their pods: the model, as a valid label value. */
export const MODEL_LABEL = 'jupyterlab-lws/model';

/** Annotations with the exact request (label values cannot hold a repo id as is). */
export const DOWNLOAD_ANNOTATIONS = {
  model: 'jupyterlab-lws/model',
  revision: 'jupyterlab-lws/revision',
  include: 'jupyterlab-lws/include',
  exclude: 'jupyterlab-lws/exclude'
} as const;

/** `app.kubernetes.io/component` of download Jobs. */
export const DOWNLOAD_COMPONENT = 'model-download';

/** The container's name (the guide's). */
export const DOWNLOADER_CONTAINER = 'model-downloader';

/** Exit code of the script for failures that a retry cannot fix. */
export const EXIT_PERMANENT = 3;

/** A finished Job (and its pod's log) stays this long, then Kubernetes deletes it. */
export const DOWNLOAD_TTL_SECONDS = 7 * 24 * 3600;

/** What to download. */
export interface IDownloadRequest {
  /** Hugging Face repository id, `org/name` (or a legacy `name`). */
  repo: string;
  /** Branch, tag or commit; `main` when omitted. */
  revision?: string;
  /** Globs of the files to fetch (all when empty). */
  include?: string[];
  /** Globs of the files to skip. */
  exclude?: string[];
  /** Secret whose key `token` holds the HF token (gated models). */
  tokenSecret?: string;
}

/** Where and with what the Job downloads: the cluster profile's settings. */
export interface IDownloadTarget {
  image: string;
  pvc: string;
  /** Where the PVC is mounted: HF_HOME of the deployments. */
  mountPath: string;
  /** A Hub mirror (HF_ENDPOINT); huggingface.co when omitted. */
  hfEndpoint?: string;
}

/** The download settings of `profile`: its download image (else an engine image), PVC, mirror. */
export function downloadTarget(profile: IClusterProfile): IDownloadTarget {
  const target: IDownloadTarget = {
    image:
      profile.downloadImage ??
      profile.images?.vllm ??
      profile.images?.sglang ??
      '',
    pvc: profile.storage?.pvc ?? '',
    mountPath: profile.storage?.mountPath ?? '/models'
  };
  if (profile.hfEndpoint) {
    target.hfEndpoint = profile.hfEndpoint;
  }
  return target;
}

const REPO_PART = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const REPO_MAX_LENGTH = 96;
const REVISION = /^[A-Za-z0-9._][A-Za-z0-9._/-]*$/;

/**
 * Why `repo` is not a Hugging Face repository id, or undefined when it is one.
 * The Hub's rules (huggingface_hub `validate_repo_id`): one or two parts of letters, digits,
 * `-`, `_`, `.`, no `--` or `..`, at most 96 characters.
 */
export function repoIdProblem(repo: string): string | undefined {
  const id = repo.trim();
  if (id === '') {
    return 'Enter a model id, e.g. meta-llama/Llama-3.3-70B-Instruct.';
  }
  const fromUrl = /^https?:\/\/[^/]+\/([^/]+\/[^/?#]+)/.exec(id);
  if (fromUrl) {
    return `Enter the model id, not its web address: ${fromUrl[1]}.`;
  }
  const parts = id.split('/');
  if (parts.length > 2 || parts.some(part => !REPO_PART.test(part))) {
    return `"${id}" is not a model id: use org/name with letters, digits, "-", "_" and ".".`;
  }
  if (id.includes('--') || id.includes('..')) {
    return `"${id}" is not a model id: "--" and ".." are not allowed in one.`;
  }
  if (id.length > REPO_MAX_LENGTH) {
    return `"${id}" is longer than the ${REPO_MAX_LENGTH} characters a model id may have.`;
  }
  return undefined;
}

/** Why `glob` cannot match a file of a repository, or undefined when it can. */
function globProblem(glob: string): string | undefined {
  if (glob.trim() === '') {
    return 'is empty';
  }
  if (/[\n\r]/.test(glob)) {
    return 'contains a line break';
  }
  if (glob.startsWith('/')) {
    return 'starts with "/": file paths in a repository are relative (e.g. "*.safetensors")';
  }
  let depth = 0;
  for (const character of glob) {
    depth += character === '[' ? 1 : character === ']' && depth > 0 ? -1 : 0;
  }
  if (depth !== 0) {
    return 'has a "[" without its "]"';
  }
  return undefined;
}

/**
 * Problems of a download request and its target, before anything is created. A glob that
 * matches no file is only known to the Hub: the Job says so (`no-matching-files`) before it
 * writes anything.
 */
export function validateDownload(
  request: IDownloadRequest,
  target: IDownloadTarget
): IIssue[] {
  const issues: IIssue[] = [];
  const repoProblem = repoIdProblem(request.repo);
  if (repoProblem) {
    issues.push(error('download-repo-invalid', repoProblem, 'repo'));
  }
  const revision = request.revision?.trim() ?? '';
  if (
    revision !== '' &&
    (!REVISION.test(revision) || revision.includes('..'))
  ) {
    issues.push(
      error(
        'download-revision-invalid',
        `"${revision}" is not a branch, tag or commit: use letters, digits, ".", "_", "-" and "/".`,
        'revision'
      )
    );
  }
  for (const [field, globs] of [
    ['include', request.include ?? []],
    ['exclude', request.exclude ?? []]
  ] as const) {
    for (const glob of globs) {
      const problem = globProblem(glob);
      if (problem) {
        issues.push(
          error(
            'download-glob-invalid',
            `The ${field} pattern "${glob}" ${problem}.`,
            field
          )
        );
      }
    }
  }
  if (
    request.tokenSecret !== undefined &&
    request.tokenSecret !== '' &&
    !isDns1123Subdomain(request.tokenSecret)
  ) {
    issues.push(
      error(
        'download-secret-invalid',
        `"${request.tokenSecret}" is not a Secret name: lowercase letters, digits, "-" and ".".`,
        'tokenSecret'
      )
    );
  }
  if (target.pvc === '') {
    issues.push(
      error(
        'download-no-pvc',
        'The cluster profile names no model volume (storage.pvc): set it in the settings.',
        'pvc'
      )
    );
  }
  if (target.image === '') {
    issues.push(
      error(
        'download-no-image',
        'The cluster profile names no image with huggingface_hub (downloadImage or an engine image).',
        'image'
      )
    );
  }
  return issues;
}

/** The part of a PersistentVolumeClaim that decides whether a download can use it. */
export interface IPvcState {
  name: string;
  /** `status.phase`: Pending, Bound or Lost; undefined when the claim does not exist. */
  phase?: string;
}

/**
 * Whether the model volume can take a download: an error when the claim is missing or
 * lost, a warning while it is Pending (normal for `WaitForFirstConsumer` storage classes,
 * which bind when the Job's pod is scheduled).
 */
export function pvcIssues(pvc: IPvcState): IIssue[] {
  if (pvc.phase === undefined) {
    return [
      error(
        'pvc-not-found',
        `The volume claim "${pvc.name}" does not exist in this namespace. Ask an admin to create it, or choose a cluster profile with your model volume.`,
        'pvc'
      )
    ];
  }
  if (pvc.phase === 'Lost') {
    return [
      error(
        'pvc-not-bound',
        `The volume claim "${pvc.name}" lost its volume (phase Lost): an admin has to restore or recreate it.`,
        'pvc'
      )
    ];
  }
  if (pvc.phase !== 'Bound') {
    return [
      warning(
        'pvc-not-bound',
        `The volume claim "${pvc.name}" is ${pvc.phase}: the download waits until a volume is bound to it.`,
        'pvc'
      )
    ];
  }
  return [];
}

/** The cache folder of a model under HF_HOME: `<mountPath>/hub/models--org--name`. */
export function cacheFolder(repo: string, mountPath: string): string {
  return `${mountPath.replace(/\/+$/, '')}/hub/models--${repo.trim().replace(/\//g, '--')}`;
}

/** 32-bit FNV-1a as 8 hex digits: a short stable suffix that keeps cut names unique. */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * The model as a label value (at most 63 of `[A-Za-z0-9._-]`, alphanumeric at both ends):
 * `org--name` when it fits, else a cut of it plus a hash of the whole id.
 */
export function modelLabelValue(repo: string): string {
  const id = repo.trim();
  const value = id.replace(/\//g, '--');
  if (value.length <= 63) {
    return value;
  }
  return `${value.slice(0, 54).replace(/[^A-Za-z0-9]+$/, '')}-${shortHash(id)}`;
}

/** The Job's name: `download-<name>-<hash>`, a DNS-1123 label (pod names add 6 characters). */
export function downloadJobName(repo: string): string {
  const id = repo.trim();
  const slug = (id.split('/').pop() ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 36)
    .replace(/-+$/, '');
  return slug === ''
    ? `download-${shortHash(id)}`
    : `download-${slug}-${shortHash(id)}`;
}

/** Labels of a download Job and its pod. */
export function downloadLabels(repo: string): Record<string, string> {
  return {
    [APP_LABELS.name]: 'huggingface-hub',
    [APP_LABELS.instance]: modelLabelValue(repo),
    [APP_LABELS.component]: DOWNLOAD_COMPONENT,
    [APP_LABELS.managedBy]: MANAGED_BY,
    [MODEL_LABEL]: modelLabelValue(repo)
  };
}

/** Label selector of the download Jobs of one model (or of all when `repo` is omitted). */
export function downloadSelector(repo?: string): string {
  const selector = `${APP_LABELS.component}=${DOWNLOAD_COMPONENT},${APP_LABELS.managedBy}=${MANAGED_BY}`;
  return repo === undefined
    ? selector
    : `${selector},${MODEL_LABEL}=${modelLabelValue(repo)}`;
}

/** Options of {@link buildDownloadJob}. */
export interface IDownloadJobOptions {
  namespace?: string;
}

/**
 * The download Job for `request`. Does not validate: call `validateDownload` (and
 * `pvcIssues`) first and create nothing when they report errors.
 */
export function buildDownloadJob(
  request: IDownloadRequest,
  target: IDownloadTarget,
  options: IDownloadJobOptions = {}
): V1Job {
  const repo = request.repo.trim();
  const revision = request.revision?.trim() || 'main';
  const include = request.include ?? [];
  const exclude = request.exclude ?? [];
  const labels = downloadLabels(repo);
  const annotations: Record<string, string> = {
    [DOWNLOAD_ANNOTATIONS.model]: repo,
    [DOWNLOAD_ANNOTATIONS.revision]: revision
  };
  if (include.length > 0) {
    annotations[DOWNLOAD_ANNOTATIONS.include] = JSON.stringify(include);
  }
  if (exclude.length > 0) {
    annotations[DOWNLOAD_ANNOTATIONS.exclude] = JSON.stringify(exclude);
  }
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: downloadJobName(repo),
      ...(options.namespace !== undefined
        ? { namespace: options.namespace }
        : {}),
      labels,
      annotations
    },
    spec: {
      backoffLimit: 3,
      ttlSecondsAfterFinished: DOWNLOAD_TTL_SECONDS,
      podFailurePolicy: {
        rules: [
          {
            action: 'FailJob',
            onExitCodes: {
              containerName: DOWNLOADER_CONTAINER,
              operator: 'In',
              values: [EXIT_PERMANENT]
            }
          }
        ]
      },
      template: {
        metadata: {
          labels: { app: 'hf-model-downloader', ...labels },
          // A sidecar would keep the Job's pod running after the download (the guide).
          annotations: { [ISTIO_INJECT_ANNOTATION]: 'false' }
        },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: DOWNLOADER_CONTAINER,
              image: target.image,
              command: ['python3', '-c'],
              args: [DOWNLOAD_SCRIPT],
              env: downloadEnvironment(request, target, revision),
              volumeMounts: [
                { name: 'model-storage', mountPath: target.mountPath }
              ],
              // The guide's values: the client streams to disk, memory stays small.
              resources: {
                requests: { memory: '2Gi', cpu: '1' },
                limits: { memory: '4Gi', cpu: '2' }
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

function downloadEnvironment(
  request: IDownloadRequest,
  target: IDownloadTarget,
  revision: string
): V1EnvVar[] {
  const env: V1EnvVar[] = [
    { name: 'MODEL_ID', value: request.repo.trim() },
    {
      name: 'CACHE_DIR',
      value: `${target.mountPath.replace(/\/+$/, '')}/hub`
    }
  ];
  if (request.tokenSecret) {
    env.push({
      name: 'HF_TOKEN',
      valueFrom: {
        secretKeyRef: { name: request.tokenSecret, key: HF_TOKEN_SECRET_KEY }
      }
    });
  }
  env.push({ name: 'REVISION', value: revision });
  if ((request.include ?? []).length > 0) {
    env.push({
      name: 'ALLOW_PATTERNS',
      value: JSON.stringify(request.include)
    });
  }
  if ((request.exclude ?? []).length > 0) {
    env.push({
      name: 'IGNORE_PATTERNS',
      value: JSON.stringify(request.exclude)
    });
  }
  if (target.hfEndpoint) {
    env.push({ name: 'HF_ENDPOINT', value: target.hfEndpoint });
  }
  // The client's bars redraw with carriage returns: noise in a followed log.
  env.push({ name: 'HF_HUB_DISABLE_PROGRESS_BARS', value: '1' });
  env.push({ name: 'HF_HUB_DISABLE_TELEMETRY', value: '1' });
  return env;
}
