// Applying a deployment's objects (Secret, LeaderWorkerSet, Service) as one unit:
// a server-side dry run of all of them first, a question before replacing existing objects,
// then server-side apply in order, and a rollback of what this run changed when a later
// object fails, so the user is never left guessing what exists.

import type { ServerConnection } from '@jupyterlab/services';
import type { KubernetesObject } from '@kubernetes/client-node';

import { APP_LABELS } from '../model/manifests';
import type { IApplyOptions, IApplyResult } from './kube';
import { KubeClient } from './kube';
import { LwsApiError } from './request';
import { resourceTypeOf } from './resources';

/** Which object: enough to name it to the user and to address it in the API. */
export interface IObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
}

/** What the orchestration needs from the cluster; {@link KubeApplyTarget} in the app. */
export interface IApplyTarget {
  apply(
    object: KubernetesObject,
    options: IApplyOptions
  ): Promise<IApplyResult>;
  /** The object, or null when it does not exist. */
  get(ref: IObjectRef): Promise<KubernetesObject | null>;
  delete(ref: IObjectRef): Promise<void>;
}

/** Why the cluster (or the proxy) refused a request, sorted into what a user can act on. */
export type RefusalKind =
  /** Kubernetes RBAC: the service account lacks a right. */
  | 'forbidden'
  /** The server extension's allow-list refused the request before sending it. */
  | 'proxy'
  /** A ResourceQuota or LimitRange of the namespace. */
  | 'quota'
  /** An admission webhook (e.g. LWS's own validation) denied the object. */
  | 'webhook'
  /** A ValidatingAdmissionPolicy of the cluster denied the object. */
  | 'policy'
  /** The API server's validation (names, values, unknown fields). */
  | 'invalid'
  /** Fields of an existing object are managed by another tool (server-side apply). */
  | 'conflict'
  /** The API does not exist: the LeaderWorkerSet CRD is not installed. */
  | 'not-installed'
  /** The Jupyter server or the API server could not be reached. */
  | 'unreachable'
  | 'other';

/** A refusal in a form the UI can explain: kind, the server's words, the details. */
export interface IRefusal {
  kind: RefusalKind;
  /** HTTP status; 0 when no answer came. */
  status: number;
  /** The server's message, with any secret value blanked out. */
  message: string;
  /** RBAC: the verb and resource that were refused, e.g. `patch` `leaderworkersets`. */
  verb?: string;
  resource?: string;
  /** Field-level causes (`details.causes` of the Kubernetes Status). */
  causes: { field?: string; message: string }[];
  /** Conflicts: the other field managers. */
  managers?: string[];
  /** An admission policy's denial: the policy's name. */
  policy?: string;
}

/** One step of an apply, for progress display. */
export interface IApplyProgress {
  phase: 'dry-run' | 'apply' | 'rollback';
  object: IObjectRef;
  state: 'started' | 'done' | 'failed';
}

/** An object that exists already and that the apply would change. */
export interface IExistingObject {
  ref: IObjectRef;
  /** True when it carries this deployment's labels (made by the form before). */
  ours: boolean;
  /** Field managers of the existing object (`kubectl-client-side-apply`, ...). */
  managers: string[];
}

/** What one object became in a finished or failed apply. */
export interface IObjectReport {
  ref: IObjectRef;
  /** Whether the object existed before this apply. */
  existedBefore: boolean;
  state:
    | 'created'
    | 'updated'
    /** Not applied: still absent, or unchanged when it existed. */
    | 'not-applied'
    /** Created by this apply, then deleted by the rollback. */
    | 'removed'
    /** Updated by this apply, then put back as it was. */
    | 'restored'
    /** Updated and not restorable (Secret values cannot be read back). */
    | 'kept-updated'
    /** The rollback could not undo it: it exists in its new state. */
    | 'rollback-failed';
  /** Why it failed (the failing object, or a failed rollback step). */
  refusal?: IRefusal;
}

/** The outcome of {@link applyDeployment}. */
export type ApplyOutcome =
  /** Everything applied. */
  | { status: 'applied'; objects: IObjectReport[] }
  /** Objects exist: nothing was changed; ask the user, then apply with `replace`. */
  | { status: 'confirm-replace'; existing: IExistingObject[] }
  /** The dry run was refused: nothing was changed. */
  | {
      status: 'refused';
      refusals: { ref: IObjectRef; refusal: IRefusal }[];
    }
  /** An apply failed after the dry run passed; `objects` says what exists now. */
  | { status: 'failed'; objects: IObjectReport[] };

/** Options of {@link applyDeployment}. */
export interface IApplyDeploymentOptions {
  /** The user agreed to replace existing objects: take over their fields (force). */
  replace?: boolean;
  /**
   * An edit: the user reviewed the change of the existing objects (a diff), so they are
   * updated without the replace question, yet not forced: a field another tool manages is
   * still a refusal (`conflict`), never silently taken over.
   */
  update?: boolean;
  onProgress?: (progress: IApplyProgress) => void;
}

/**
 * Applies `objects` (in order: the Secret before the pods that read it) as one unit.
 *
 * #### Notes
 * 1. Dry run (`dryRun=All`, `fieldValidation=Strict`) of every object, so admission webhooks
 *    and RBAC answer before anything changes; all refusals are collected, not just the first.
 *    A dry run also tells, by `201 Created` or `200 OK`, which objects exist, even a Secret
 *    that the proxy never lets the browser read.
 * 2. Existing objects other than the Secret (whose token the user has just typed) need the
 *    user's consent: without `replace` the outcome is `confirm-replace` and nothing changed.
 *    An edit (`update`) had that consent from its reviewed diff.
 * 3. Apply in order. When one fails, undo this run in reverse: delete what it created and
 *    re-apply the copy read just before of what it updated (server-side apply by the same
 *    field manager drops the fields the failed apply added). A Secret's old value cannot be
 *    read, so an updated Secret stays updated, and the report says so.
 */
export async function applyDeployment(
  target: IApplyTarget,
  objects: readonly KubernetesObject[],
  options: IApplyDeploymentOptions = {}
): Promise<ApplyOutcome> {
  const replace = options.replace === true;
  const update = options.update === true;
  const secrets = secretValues(objects);
  const progress = (
    phase: IApplyProgress['phase'],
    object: IObjectRef,
    state: IApplyProgress['state']
  ) => options.onProgress?.({ phase, object, state });

  // 1. Dry run.
  const existed = new Map<KubernetesObject, boolean>();
  const refusals: { ref: IObjectRef; refusal: IRefusal }[] = [];
  const conflicts: IObjectRef[] = [];
  for (const object of objects) {
    const ref = refOf(object);
    progress('dry-run', ref, 'started');
    try {
      const result = await target.apply(object, {
        dryRun: true,
        force: replace
      });
      existed.set(object, !result.created);
      progress('dry-run', ref, 'done');
    } catch (reason) {
      progress('dry-run', ref, 'failed');
      const refusal = classifyApiError(reason, secrets);
      if (refusal.kind === 'conflict' && !replace && !update) {
        conflicts.push(ref);
      } else {
        refusals.push({ ref, refusal });
      }
    }
  }
  if (refusals.length > 0) {
    return { status: 'refused', refusals };
  }

  // 2. Consent to replace.
  if (!replace && !update) {
    const toReplace = [
      ...objects
        .filter(object => existed.get(object) && object.kind !== 'Secret')
        .map(refOf),
      ...conflicts
    ];
    if (toReplace.length > 0) {
      const existing: IExistingObject[] = [];
      for (const ref of toReplace) {
        existing.push(
          describeExisting(ref, await safeGet(target, ref), objects)
        );
      }
      return { status: 'confirm-replace', existing };
    }
  }

  // 3. Apply, keeping a copy of what is updated so that a failure can put it back.
  const snapshots = new Map<KubernetesObject, KubernetesObject | null>();
  for (const object of objects) {
    if (existed.get(object) && object.kind !== 'Secret') {
      snapshots.set(object, await safeGet(target, refOf(object)));
    }
  }
  const reports: IObjectReport[] = [];
  for (const [index, object] of objects.entries()) {
    const ref = refOf(object);
    progress('apply', ref, 'started');
    try {
      const result = await target.apply(object, { force: replace });
      progress('apply', ref, 'done');
      reports.push({
        ref,
        existedBefore: !result.created,
        state: result.created ? 'created' : 'updated'
      });
    } catch (reason) {
      progress('apply', ref, 'failed');
      const failed: IObjectReport = {
        ref,
        existedBefore: existed.get(object) ?? false,
        state: 'not-applied',
        refusal: classifyApiError(reason, secrets)
      };
      const undone = await rollback(
        target,
        objects.slice(0, index),
        reports,
        snapshots,
        secrets,
        progress
      );
      const untouched = objects
        .slice(index + 1)
        .map((later): IObjectReport => ({
          ref: refOf(later),
          existedBefore: existed.get(later) ?? false,
          state: 'not-applied'
        }));
      return { status: 'failed', objects: [...undone, failed, ...untouched] };
    }
  }
  return { status: 'applied', objects: reports };
}

async function rollback(
  target: IApplyTarget,
  applied: readonly KubernetesObject[],
  reports: readonly IObjectReport[],
  snapshots: Map<KubernetesObject, KubernetesObject | null>,
  secrets: readonly string[],
  progress: (
    phase: IApplyProgress['phase'],
    object: IObjectRef,
    state: IApplyProgress['state']
  ) => void
): Promise<IObjectReport[]> {
  const results: IObjectReport[] = reports.map(report => ({ ...report }));
  for (let index = applied.length - 1; index >= 0; index--) {
    const object = applied[index];
    const report = results[index];
    const snapshot = snapshots.get(object);
    if (report.state === 'updated' && !snapshot) {
      // A Secret, or an object that could not be read before: nothing to put back.
      report.state = 'kept-updated';
      continue;
    }
    progress('rollback', report.ref, 'started');
    try {
      if (report.state === 'created') {
        await target.delete(report.ref);
        report.state = 'removed';
      } else if (snapshot) {
        await target.apply(restorable(snapshot), { force: true });
        report.state = 'restored';
      }
      progress('rollback', report.ref, 'done');
    } catch (reason) {
      progress('rollback', report.ref, 'failed');
      report.refusal = classifyApiError(reason, secrets);
      report.state = 'rollback-failed';
    }
  }
  return results;
}

/**
 * An object read from the cluster as an apply configuration that recreates its content:
 * without status and the fields the server owns (uid, resourceVersion, managedFields, ...).
 */
export function restorable(object: KubernetesObject): KubernetesObject {
  const { metadata, ...rest } = object as KubernetesObject & {
    status?: unknown;
  };
  const copy: Record<string, unknown> = { ...rest };
  delete copy.status;
  const kept: Record<string, unknown> = {};
  for (const key of ['name', 'namespace', 'labels', 'annotations'] as const) {
    if (metadata?.[key] !== undefined) {
      kept[key] = metadata[key];
    }
  }
  return { ...copy, metadata: kept } as KubernetesObject;
}

/** Reference of a manifest. */
export function refOf(object: KubernetesObject): IObjectRef {
  return {
    apiVersion: object.apiVersion ?? '',
    kind: object.kind ?? '',
    name: object.metadata?.name ?? ''
  };
}

async function safeGet(
  target: IApplyTarget,
  ref: IObjectRef
): Promise<KubernetesObject | null> {
  try {
    return await target.get(ref);
  } catch {
    return null;
  }
}

function describeExisting(
  ref: IObjectRef,
  existing: KubernetesObject | null,
  objects: readonly KubernetesObject[]
): IExistingObject {
  const wanted = objects.find(
    object => object.kind === ref.kind && object.metadata?.name === ref.name
  );
  const labels = existing?.metadata?.labels ?? {};
  const wantedLabels = wanted?.metadata?.labels ?? {};
  const managers = [
    ...new Set(
      (existing?.metadata?.managedFields ?? [])
        .map(entry => entry.manager ?? '')
        .filter(manager => manager !== '')
    )
  ];
  return {
    ref,
    ours:
      labels[APP_LABELS.managedBy] === wantedLabels[APP_LABELS.managedBy] &&
      labels[APP_LABELS.managedBy] !== undefined &&
      labels[APP_LABELS.instance] === wantedLabels[APP_LABELS.instance],
    managers
  };
}

/** Values of the Secrets among `objects` (and their base64), to keep them out of messages. */
export function secretValues(objects: readonly KubernetesObject[]): string[] {
  const values: string[] = [];
  for (const object of objects) {
    if (object.kind !== 'Secret') {
      continue;
    }
    const secret = object as KubernetesObject & {
      stringData?: Record<string, string>;
      data?: Record<string, string>;
    };
    for (const value of Object.values(secret.stringData ?? {})) {
      values.push(value, base64(value));
    }
    values.push(...Object.values(secret.data ?? {}));
  }
  return values.filter(value => value.length >= 4);
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary);
}

/** `text` with every occurrence of `secrets` replaced by a mask. */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret !== '') {
      result = result.split(secret).join('••••••');
    }
  }
  return result;
}

/**
 * Sorts an error from the proxy or the Kubernetes API into a {@link IRefusal}; messages are
 * redacted of `secrets`.
 */
export function classifyApiError(
  reason: unknown,
  secrets: readonly string[] = []
): IRefusal {
  if (!(reason instanceof LwsApiError)) {
    const message =
      reason instanceof Error ? reason.message : String(reason ?? '');
    return {
      kind: 'unreachable',
      status: 0,
      message: redact(message, secrets),
      causes: []
    };
  }
  const body = (reason.body ?? {}) as {
    kind?: string;
    reason?: string;
    message?: string;
    details?: { causes?: { field?: string; message?: string }[] };
  };
  const message = redact(reason.message, secrets);
  const causes = (body.details?.causes ?? []).map(cause => {
    const entry: { field?: string; message: string } = {
      message: redact(cause.message ?? '', secrets)
    };
    if (cause.field) {
      entry.field = cause.field;
    }
    return entry;
  });
  const refusal: IRefusal = {
    kind: 'other',
    status: reason.status,
    message,
    causes
  };
  const isKubeStatus = body.kind === 'Status';
  const policy = /ValidatingAdmissionPolicy '([^']+)'.* denied request/.exec(
    message
  );
  if (policy) {
    refusal.kind = 'policy';
    refusal.policy = policy[1];
  } else if (/admission webhook .* denied the request/.test(message)) {
    refusal.kind = 'webhook';
  } else if (reason.status === 403 && !isKubeStatus) {
    refusal.kind = 'proxy';
  } else if (
    reason.status === 403 &&
    /exceeded quota|LimitRange/i.test(message)
  ) {
    refusal.kind = 'quota';
  } else if (reason.status === 403) {
    refusal.kind = 'forbidden';
    const match = /cannot (\w+) resource "([^"]+)"/.exec(message);
    if (match) {
      refusal.verb = match[1];
      refusal.resource = match[2];
    }
  } else if (reason.status === 409) {
    refusal.kind = 'conflict';
    refusal.managers = [
      ...new Set(
        [...message.matchAll(/conflicts? with "([^"]+)"/g)].map(
          match => match[1]
        )
      )
    ];
  } else if (reason.status === 404) {
    refusal.kind = 'not-installed';
  } else if (reason.status === 422 || reason.status === 400) {
    refusal.kind = 'invalid';
  } else if (
    reason.status === 502 ||
    reason.status === 503 ||
    reason.status === 504
  ) {
    refusal.kind = 'unreachable';
  }
  return refusal;
}

/**
 * The cluster side of {@link applyDeployment}: server-side apply through the proxy with the
 * extension's field manager and `fieldValidation=Strict`, reporting `201 Created`.
 */
export class KubeApplyTarget implements IApplyTarget {
  constructor(
    readonly namespace: string,
    readonly serverSettings: ServerConnection.ISettings
  ) {
    this._client = new KubeClient(namespace, serverSettings);
  }

  apply(
    object: KubernetesObject,
    options: IApplyOptions
  ): Promise<IApplyResult> {
    return this._client.apply(object, options);
  }

  async get(ref: IObjectRef): Promise<KubernetesObject | null> {
    try {
      return await this._client.get(
        resourceTypeOf(ref.apiVersion, ref.kind),
        ref.name
      );
    } catch (reason) {
      if (reason instanceof LwsApiError && reason.status === 404) {
        return null;
      }
      throw reason;
    }
  }

  async delete(ref: IObjectRef): Promise<void> {
    await this._client.delete(
      resourceTypeOf(ref.apiVersion, ref.kind),
      ref.name
    );
  }

  private readonly _client: KubeClient;
}
