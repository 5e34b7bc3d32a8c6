import type { KubernetesObject, V1Service } from '@kubernetes/client-node';

import type {
  IApplyProgress,
  IApplyTarget,
  IObjectRef,
  IRefusal
} from '../../api/apply';
import {
  applyDeployment,
  classifyApiError,
  refOf,
  restorable,
  secretValues
} from '../../api/apply';
import { KubeClient } from '../../api/kube';
import { LwsApiError } from '../../api/request';
import { Resources } from '../../api/resources';
import { FIELD_MANAGER } from '../../api/kube';
import type {
  IEditableSpec,
  ISpecChange,
  ILwsUpdateEffect,
  IManifestsDiff
} from '../../model/editDeployment';
import {
  changedSinceReview,
  editableSpec,
  lwsUpdateEffect,
  manifestsDiff,
  objectKey,
  pinnedToReviewed,
  specChanges,
  unexpressedSettings,
  withoutDerived
} from '../../model/editDeployment';
import { adviseSpec } from '../../model/advice';
import { isOurs, leaderServices } from '../../model/endpoint';
import type { IFormValues } from '../../model/formState';
import { formFromSpec } from '../../model/formState';
import type { ILeaderWorkerSet } from '../../model/lws';
import { listManifests, manifestsOf } from '../../model/manifests';
import { manifestsToYaml } from '../../model/specYaml';
import type { IResolvedSpec } from '../../model/spec';
import type {
  IDeploymentCluster,
  INewDeploymentViewModelOptions
} from './viewModel';
import { NewDeploymentViewModel, proxyCluster } from './viewModel';

/** A deployment as it is in the cluster: its LeaderWorkerSet and the Services beside it. */
export interface ILiveDeployment {
  lws: ILeaderWorkerSet & KubernetesObject;
  services: V1Service[];
}

/** The cluster side of an edit: the form's, plus reading the deployment. */
export interface IEditCluster extends IDeploymentCluster {
  /** The live deployment, or null when it does not exist. */
  readDeployment(
    namespace: string,
    name: string
  ): Promise<ILiveDeployment | null>;
}

/** What the form edits: the live objects and what the form cannot carry of them. */
export interface IEditSession {
  name: string;
  lws: ILeaderWorkerSet & KubernetesObject;
  /** The leader's API Service, when one exists. */
  service: V1Service | null;
  source: IEditableSpec['source'];
  /**
   * Settings of the live objects that the spec cannot express (paths); applying the form
   * would drop or overwrite them, so Apply is off and the YAML route is offered.
   */
  unexpressed: string[];
}

/** The change an edit makes, for the user to review before it is applied. */
export interface IEditReview {
  name: string;
  diff: IManifestsDiff;
  /** What LWS does with the change; null when the LWS does not change. */
  effect: ILwsUpdateEffect | null;
  /** The Secret the typed token updates (its value never shown), or null. */
  updatesSecret: string | null;
  /** The spec's fields that change: the summary above the diff. */
  specChanges: ISpecChange[];
}

/** The error message's prefix when the objects changed during the review (then their names). */
export const CHANGED_SINCE_REVIEW = 'changed-since-review:';

/** Fields an edit keeps: a new name or Service name would make new objects beside the old. */
const FIXED_FIELDS: ReadonlySet<string> = new Set(['name', 'serviceName']);

/**
 * The form in edit mode: starts from the live deployment's spec (read back), keeps its name,
 * previews the change as a diff of the manifests (live against the server's dry run), and
 * applies it with {@link applyDeployment}'s update mode, pinned to the reviewed versions.
 * No draft: the deployment itself is the draft.
 */
export class EditDeploymentViewModel extends NewDeploymentViewModel {
  constructor(
    readonly name: string,
    options: Omit<INewDeploymentViewModelOptions, 'cluster' | 'state'> & {
      cluster: IEditCluster;
    }
  ) {
    // No name-taken check (the name is this deployment's) and no draft (the deployment is).
    const full = options.cluster;
    const cluster: IDeploymentCluster = {
      context: () => full.context(),
      target: namespace => full.target(namespace)
    };
    if (full.quotas) {
      cluster.quotas = namespace => full.quotas!(namespace);
    }
    super({ ...options, cluster, state: null });
    this._editCluster = options.cluster;
  }

  /** The live deployment the form edits, once read. */
  get session(): IEditSession | null {
    return this._session;
  }

  /** Why the deployment cannot be edited in the form: `gone`, `unreadable`, or an error. */
  get sessionError(): string | null {
    return this._sessionError;
  }

  /** Whether an input is fixed in this form (the name of what is edited). */
  isFixed(field: string): boolean {
    return FIXED_FIELDS.has(field);
  }

  get deployBlocker(): string | null {
    const blocker = super.deployBlocker;
    if (blocker === 'running' || blocker === 'no-context') {
      return blocker;
    }
    if (!this._session) {
      return this._sessionError ? 'not-editable' : 'loading';
    }
    if (this._session.unexpressed.length > 0) {
      return 'not-expressible';
    }
    return blocker;
  }

  /** Reads the live deployment and fills the form from it. */
  async loadSession(): Promise<void> {
    const context = this.context ?? (await this.loadContext());
    if (!context) {
      return;
    }
    try {
      const live = await this._editCluster.readDeployment(
        context.namespace,
        this.name
      );
      if (!live) {
        this._fail('gone');
        return;
      }
      const candidates = leaderServices(live.lws, live.services);
      const service =
        candidates.find(candidate => isOurs(candidate, this.name)) ??
        candidates[0] ??
        null;
      const editable = editableSpec(live.lws, service);
      if (!editable) {
        this._fail('unreadable');
        return;
      }
      // A stored spec is resolved: leave derived fields empty so they follow a change.
      const spec = withoutDerived(
        editable.spec,
        candidate => adviseSpec(candidate, this.profile).resolved ?? null
      );
      const values = formFromSpec(spec, {
        profileId: this.values.profileId,
        nameEdited: true,
        name: this.name
      });
      this._initial = values;
      this._setValues(values);
      this._initialSpec = this.advice.resolved ?? null;
      // The manifests the form would write for the deployment as read, against the live ones.
      const resolved = this.advice.resolved;
      const rebuilt = resolved
        ? manifestsOf(resolved, { namespace: context.namespace })
        : null;
      const unexpressed = [
        ...unexpressedSettings(
          live.lws,
          rebuilt?.leaderWorkerSet ?? null,
          FIELD_MANAGER
        ).map(path => `LeaderWorkerSet ${this.name}: ${path}`),
        ...(service
          ? unexpressedSettings(
              service as KubernetesObject,
              rebuilt?.service ?? null,
              FIELD_MANAGER
            ).map(path => `Service ${service.metadata?.name ?? ''}: ${path}`)
          : [])
      ];
      this._session = {
        name: this.name,
        lws: live.lws,
        service,
        source: editable.source,
        unexpressed
      };
      this._sessionError = null;
    } catch (reason) {
      this._fail(reason instanceof Error ? reason.message : String(reason));
      return;
    }
    this._setApplyState({ phase: 'idle' });
  }

  /**
   * The live objects as YAML for editing by hand (the route for settings the form cannot
   * express): as `kubectl apply -f` takes them, without status or the server's metadata.
   */
  get liveYaml(): string {
    if (!this._session) {
      return '';
    }
    const objects: KubernetesObject[] = [restorable(this._session.lws)];
    if (this._session.service) {
      const service = restorable(this._session.service as KubernetesObject) as {
        spec?: Record<string, unknown>;
      };
      // Addresses the API server assigned; kubectl would refuse to change them anyway.
      for (const key of ['clusterIP', 'clusterIPs']) {
        delete service.spec?.[key];
      }
      objects.push(service as KubernetesObject);
    }
    return manifestsToYaml(objects);
  }

  /** Back to the deployment as it is. */
  reset(): void {
    if (this._initial) {
      this._setValues(this._initial);
      this._setApplyState({ phase: 'idle' });
    }
  }

  /** Names and the Service name stay as they are. */
  setValues(change: Partial<IFormValues>): void {
    const kept = { ...change };
    for (const field of FIXED_FIELDS) {
      delete (kept as Record<string, unknown>)[field];
    }
    super.setValues(kept);
  }

  /** A YAML edit may not rename what is edited either: the fixed fields are put back. */
  editYaml(text: string): void {
    super.editYaml(text);
    const initial = this._initial;
    if (
      initial &&
      [...FIXED_FIELDS].some(
        field =>
          this.values[field as keyof IFormValues] !==
          initial[field as keyof IFormValues]
      )
    ) {
      const kept = { ...this.values };
      for (const field of FIXED_FIELDS) {
        (kept as Record<string, unknown>)[field] =
          initial[field as keyof IFormValues];
      }
      this._setValues(kept);
    }
  }

  /**
   * Dry run of the new objects (against the versions read now), the diff and LWS's reaction
   * for `confirmEdit` to show, then the apply; the outcome lands in {@link applyState}.
   */
  async applyChanges(
    confirmEdit: (review: IEditReview) => Promise<boolean>
  ): Promise<void> {
    if (this.deployBlocker) {
      return;
    }
    if (!this.advice.canDeploy) {
      for (const field of Object.keys(this.values)) {
        this.touch(field);
      }
      return;
    }
    const context = this.context;
    if (!context) {
      return;
    }
    const resolved = this.advice.resolved as IResolvedSpec;
    const manifests = this._buildManifests(resolved, context.namespace, true);
    const target = this._cluster.target(context.namespace);
    const steps: IApplyProgress[] = [];
    const onProgress = (step: IApplyProgress) => {
      steps.push(step);
      this._setApplyState({ phase: 'running', steps: [...steps] });
    };
    const done = {
      phase: 'done' as const,
      namespace: context.namespace,
      name: this.name,
      serviceName: manifests.service.metadata?.name ?? '',
      port: manifests.service.spec?.ports?.[0]?.port ?? 0
    };
    this._setApplyState({ phase: 'running', steps });
    try {
      const objects = listManifests(manifests);
      const review = await this._review(target, objects, onProgress);
      if ('refused' in review) {
        this._setApplyState({
          ...done,
          outcome: { status: 'refused', refusals: review.refused }
        });
        return;
      }
      if (!(await confirmEdit(review.review))) {
        this._setApplyState({ phase: 'cancelled', reason: 'edit-review' });
        return;
      }
      // The review took the user's time: apply only onto what they saw.
      const now = await this._readLive(target, objects);
      const changed = changedSinceReview(review.live, now);
      if (changed.length > 0) {
        this._setApplyState({
          phase: 'error',
          message: `${CHANGED_SINCE_REVIEW}${changed.join(', ')}`
        });
        return;
      }
      const outcome = await applyDeployment(
        target,
        pinnedToReviewed(objects, now),
        { update: true, onProgress }
      );
      this._setApplyState({
        ...done,
        outcome,
        edit: { effect: review.review.effect }
      });
      if (outcome.status === 'applied') {
        // The form now edits what was applied: read it back (new versions, same settings).
        await this.loadSession();
        this._setApplyState({
          ...done,
          outcome,
          edit: { effect: review.review.effect }
        });
      }
    } catch (reason) {
      this._setApplyState({
        phase: 'error',
        message: reason instanceof Error ? reason.message : String(reason)
      });
    }
  }

  /** Each object read now and dry-run applied: the diff and what LWS will do. */
  private async _review(
    target: IApplyTarget,
    objects: KubernetesObject[],
    onProgress: (step: IApplyProgress) => void
  ): Promise<
    | {
        review: IEditReview;
        live: Map<string, KubernetesObject | null>;
      }
    | { refused: { ref: IObjectRef; refusal: IRefusal }[] }
  > {
    const live = await this._readLive(target, objects);
    const pinned = pinnedToReviewed(objects, live);
    const changes = [];
    const refused = [];
    for (const object of pinned) {
      const ref = refOf(object);
      onProgress({ phase: 'dry-run', object: ref, state: 'started' });
      try {
        const result = await target.apply(object, { dryRun: true });
        onProgress({ phase: 'dry-run', object: ref, state: 'done' });
        changes.push({
          kind: ref.kind,
          name: ref.name,
          live: live.get(objectKey(object)) ?? null,
          after: result.object
        });
      } catch (reason) {
        onProgress({ phase: 'dry-run', object: ref, state: 'failed' });
        refused.push({
          ref,
          refusal: classifyApiError(reason, secretValues(objects))
        });
      }
    }
    if (refused.length > 0) {
      return { refused };
    }
    const lwsChange = changes.find(change => change.kind === 'LeaderWorkerSet');
    const secret = objects.find(object => object.kind === 'Secret');
    return {
      live,
      review: {
        name: this.name,
        diff: manifestsDiff(changes),
        effect:
          lwsChange?.live && lwsChange.after
            ? lwsUpdateEffect(
                lwsChange.live as ILeaderWorkerSet,
                lwsChange.after as ILeaderWorkerSet
              )
            : null,
        updatesSecret: secret?.metadata?.name ?? null,
        specChanges:
          this._initialSpec && this.advice.resolved
            ? specChanges(this._initialSpec, this.advice.resolved)
            : []
      }
    };
  }

  /** The live objects by `Kind/name` (a Secret is never read: its value stays unread). */
  private async _readLive(
    target: IApplyTarget,
    objects: readonly KubernetesObject[]
  ): Promise<Map<string, KubernetesObject | null>> {
    const live = new Map<string, KubernetesObject | null>();
    for (const object of objects) {
      live.set(
        objectKey(object),
        object.kind === 'Secret' ? null : await target.get(refOf(object))
      );
    }
    return live;
  }

  private _fail(reason: string): void {
    this._session = null;
    this._sessionError = reason;
    this._setApplyState({ phase: 'idle' });
  }

  private readonly _editCluster: IEditCluster;
  private _session: IEditSession | null = null;
  private _sessionError: string | null = null;
  private _initial: IFormValues | null = null;
  private _initialSpec: IResolvedSpec | null = null;
}

/** The edit model behind a form, or null for a new deployment's form. */
export function editOf(
  model: NewDeploymentViewModel
): EditDeploymentViewModel | null {
  return model instanceof EditDeploymentViewModel ? model : null;
}

/** The edit's cluster side through the server extension's proxy. */
export function proxyEditCluster(
  serverSettings: ConstructorParameters<typeof KubeClient>[1]
): IEditCluster {
  return {
    ...proxyCluster(serverSettings),
    readDeployment: async (namespace, name) => {
      const client = new KubeClient(namespace, serverSettings);
      let lws: ILeaderWorkerSet & KubernetesObject;
      try {
        lws = await client.get(Resources.leaderWorkerSets, name);
      } catch (error) {
        if (error instanceof LwsApiError && error.status === 404) {
          return null;
        }
        throw error;
      }
      const services = await client.list<V1Service>(Resources.services);
      return { lws, services: services.items };
    }
  };
}
