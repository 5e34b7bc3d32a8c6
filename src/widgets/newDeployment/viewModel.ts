import type { ServerConnection } from '@jupyterlab/services';
import type { IStateDB } from '@jupyterlab/statedb';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import type {
  ApplyOutcome,
  IApplyProgress,
  IApplyTarget,
  IExistingObject
} from '../../api/apply';
import { applyDeployment, KubeApplyTarget } from '../../api/apply';
import type { IClusterContext } from '../../api/context';
import { fetchContext } from '../../api/context';
import { KubeClient } from '../../api/kube';
import { LwsApiError } from '../../api/request';
import { Resources } from '../../api/resources';
import type { IAdvice } from '../../model/advice';
import { adviseSpec } from '../../model/advice';
import type { IFormValues } from '../../model/formState';
import {
  applySpecFix,
  formFromSpec,
  yamlEditIssues,
  initialValues,
  specFromForm,
  switchProfile,
  updateValues,
  visibleIssues
} from '../../model/formState';
import { isDns1035Label } from '../../model/dns1123';
import type { IIssue } from '../../model/issues';
import { nameTakenIssue } from '../../model/nameTaken';
import type { IQuotaCheck, IResourceQuota } from '../../model/quota';
import { checkQuota, deploymentNeeds } from '../../model/quota';
import type { IManifests } from '../../model/manifests';
import { listManifests, manifestsOf } from '../../model/manifests';
import type { IResolvedSettings } from '../../model/profileSettings';
import { selfContainedSpec, withTokenSecret } from '../../model/resolve';
import type { IClusterProfile } from '../../model/profiles';
import type { ILwsUpdateEffect } from '../../model/editDeployment';
import type { IDeploymentSpec, IResolvedSpec } from '../../model/spec';
import type { ISpecMark } from '../../model/specMarks';
import { markSpecIssues } from '../../model/specMarks';
import {
  manifestsToYaml,
  parseSpec,
  serializeSpec
} from '../../model/specYaml';

/** Key of the form's draft in the state database (never holds the token). */
export const DRAFT_KEY = 'jupyterlab-lws:new-deployment-draft';

/** What the user sees of an apply: progress, then one of the outcomes. */
export type ApplyState =
  | { phase: 'idle' }
  | { phase: 'running'; steps: IApplyProgress[] }
  | { phase: 'cancelled'; reason?: 'replace' | 'edit-review' }
  | {
      phase: 'done';
      outcome: ApplyOutcome;
      namespace: string;
      /** Names and port of what was deployed, for the next steps. */
      name: string;
      serviceName: string;
      port: number;
      /** Fresh context after an RBAC refusal: what is missing, the admin commands. */
      context?: IClusterContext;
      /** An edit of an existing deployment: what LWS does with the change. */
      edit?: { effect: ILwsUpdateEffect | null };
    }
  | { phase: 'error'; message: string };

/** A YAML edit that is not applied to the form, and why. */
export interface IYamlEdit {
  text: string;
  issues: IIssue[];
  /** The issues placed in `text`, by position: the editor's lint markers. */
  marks: ISpecMark[];
}

/** The cluster side of the model: where to deploy. */
export interface IDeploymentCluster {
  /** Reads the context: namespace, rights, whether LWS is installed. */
  context(): Promise<IClusterContext>;
  /** The apply target for a namespace. */
  target(namespace: string): IApplyTarget;
  /** The namespace's ResourceQuotas with their usage (absent: quotas are not checked). */
  quotas?(namespace: string): Promise<IResourceQuota[]>;
  /** Whether a LeaderWorkerSet of that name exists (absent: not checked while typing). */
  nameTaken?(namespace: string, name: string): Promise<boolean>;
}

/** Quiet time after typing before the name is looked up in the namespace, in ms. */
const NAME_CHECK_DELAY_MS = 400;

/** Options of {@link NewDeploymentViewModel}. */
export interface INewDeploymentViewModelOptions {
  settings: IResolvedSettings;
  cluster: IDeploymentCluster;
  state?: IStateDB | null;
  /** Delay before the preview re-renders after a change, in ms. */
  previewDelay?: number;
  /** Delay before a draft is saved, in ms. */
  draftDelay?: number;
}

/**
 * The state of the new-deployment form: the values, the typed token (memory only), the
 * advice, the YAML preview, and the apply flow. The views render it and call its methods;
 * all domain rules live in `src/model`.
 */
export class NewDeploymentViewModel implements IDisposable {
  constructor(options: INewDeploymentViewModelOptions) {
    this._settings = options.settings;
    this._cluster = options.cluster;
    this._state = options.state ?? null;
    this._previewDelay = options.previewDelay ?? 200;
    this._draftDelay = options.draftDelay ?? 400;
    this._values = initialValues(this._settings.profile, {
      ncclDebug: this._settings.ncclDebugByDefault
    });
    this._recompute();
    this._renderPreview();
  }

  /** Emitted when the values, advice, YAML edit state or apply state change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted (debounced) when the preview texts change. */
  get previewChanged(): ISignal<this, void> {
    return this._previewChanged;
  }

  get values(): IFormValues {
    return this._values;
  }

  get profiles(): readonly IClusterProfile[] {
    return this._settings.profiles;
  }

  get profile(): IClusterProfile {
    return (
      this._settings.profiles.find(p => p.id === this._values.profileId) ??
      this._settings.profile
    );
  }

  /** Problems in the extension's settings (ignored profiles). */
  get settingsProblems(): readonly string[] {
    return this._settings.problems;
  }

  /** True when the user typed a token (its value is never exposed). */
  get hasToken(): boolean {
    return this._token !== '';
  }

  /** The spec as it will be deployed. */
  get spec(): IDeploymentSpec {
    return this._spec;
  }

  get advice(): IAdvice {
    return this._advice;
  }

  /**
   * The issues to show now: all of the advice's, except that required fields the user has
   * not been to yet do not count as errors until Deploy is tried.
   */
  get issues(): IIssue[] {
    const namespace = this._context?.namespace;
    const taken =
      namespace &&
      this._takenName !== null &&
      this._takenName === this._spec.name
        ? [nameTakenIssue(this._takenName, namespace)]
        : [];
    return [
      ...visibleIssues(
        this._advice.issues,
        this._values,
        this._touched,
        this._showAll
      ),
      ...taken
    ];
  }

  /** Marks an input as visited (its errors show from now on). */
  touch(field: string): void {
    if (!this._touched.has(field)) {
      this._touched.add(field);
      this._changed.emit();
    }
  }

  /** The spec as YAML, as the preview shows it when it follows the form. */
  get specYaml(): string {
    return this._specYaml;
  }

  /** The objects that will be applied, as YAML, without any token value. */
  get manifestsYaml(): string {
    return this._manifestsYaml;
  }

  /** The spec for `jupyterlab-lws render`: self-contained, with a how-to header. */
  get renderSpecYaml(): string {
    const name = this._spec.name || 'deployment';
    const header = [
      `# jupyterlab-lws deployment spec (cluster profile: ${this.profile.id}).`,
      `# Render the manifests with: npx jupyterlab-lws render ${name}.yaml`,
      this._spec.hfTokenSecret
        ? `# The HF token is read from the Secret "${this._spec.hfTokenSecret}" (key "token").`
        : undefined
    ].filter(line => line !== undefined);
    return `${header.join('\n')}\n${serializeSpec(
      selfContainedSpec(this._spec, this.profile)
    )}`;
  }

  /** A YAML edit that could not be applied, or null when the YAML follows the form. */
  get yamlEdit(): IYamlEdit | null {
    return this._yamlEdit;
  }

  /** True when the last change came from the YAML editor (do not overwrite its text). */
  get editedInYaml(): boolean {
    return this._editedInYaml;
  }

  get applyState(): ApplyState {
    return this._applyState;
  }

  /** The cluster context, once read. */
  get context(): IClusterContext | null {
    return this._context;
  }

  /** Why the context could not be read. */
  get contextError(): string | null {
    return this._contextError;
  }

  /** Reads the cluster context (namespace, rights); again after an admin granted rights. */
  async loadContext(): Promise<IClusterContext | null> {
    try {
      this._context = await this._cluster.context();
      this._contextError = null;
      this._checkedName = null;
      this._scheduleNameCheck();
      await this._loadQuotas(this._context.namespace);
    } catch (reason) {
      this._context = null;
      this._contextError = errorMessage(reason);
    }
    if (!this._disposed) {
      this._changed.emit();
    }
    return this._context;
  }

  /**
   * The deployment against the namespace's ResourceQuotas, once they were read; null before,
   * when the spec cannot be built yet, or when they could not be read ({@link quotaError}).
   */
  get quotaCheck(): IQuotaCheck | null {
    if (this._quotas === null) {
      return null;
    }
    if (this._quotaCheckSpec !== this._spec) {
      this._quotaCheckSpec = this._spec;
      this._quotaCheck = this._checkQuota(this._quotas);
    }
    return this._quotaCheck;
  }

  /** Why the ResourceQuotas could not be read (RBAC, network), or null. */
  get quotaError(): string | null {
    return this._quotaError;
  }

  /** Why Deploy is not possible now, or null. */
  get deployBlocker(): string | null {
    if (this._applyState.phase === 'running') {
      return 'running';
    }
    if (!this._context) {
      return 'no-context';
    }
    if (!this._context.lwsInstalled) {
      return 'no-lws';
    }
    if (this._yamlEdit) {
      return 'yaml-edit';
    }
    if (this.issues.some(issue => issue.severity === 'error')) {
      return 'errors';
    }
    return null;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Changes form values (from an input). */
  setValues(change: Partial<IFormValues>): void {
    for (const key of Object.keys(change)) {
      this._touched.add(key);
    }
    this._setValues(updateValues(this._values, change));
  }

  /** The token typed into the password field; kept in memory only. */
  setToken(token: string): void {
    const had = this.hasToken;
    this._token = token;
    if (had !== this.hasToken) {
      this._recompute();
      this._schedulePreview();
    }
    this._changed.emit();
  }

  /** Switches the cluster profile the defaults come from. */
  setProfile(id: string): void {
    const profile = this._settings.profiles.find(p => p.id === id);
    if (profile) {
      this._setValues(switchProfile(this._values, profile));
    }
  }

  /** Applies an issue's or the sizing plan's suggested fields. */
  applyFix(fix: Partial<IDeploymentSpec>): void {
    this._setValues(applySpecFix(this._values, fix));
  }

  /** Starts again from the profile's defaults (the token is kept). */
  reset(): void {
    this._setValues(
      initialValues(this.profile, {
        ncclDebug: this._settings.ncclDebugByDefault
      })
    );
    this._applyState = { phase: 'idle' };
    this._touched.clear();
    this._showAll = false;
    this._changed.emit();
  }

  /**
   * The user edited the YAML. A parse problem, an unknown field, a field the form would read
   * as something else (yamlEditIssues), or an error the form does not already have keeps
   * the edit out of the form (shown with all its reasons, each placed in the text for the
   * editor's markers); otherwise the form takes the edited spec.
   */
  editYaml(text: string): void {
    if (text === this._specYaml && !this._yamlEdit) {
      return;
    }
    const parsed = parseSpec(text);
    const typeIssues = parsed.spec ? yamlEditIssues(parsed.spec) : [];
    const blocking: IIssue[] = [...parsed.issues, ...typeIssues];
    if (parsed.spec && typeIssues.length === 0) {
      // Also beside unknown fields (which the form ignores): every problem is shown at once.
      const candidate = formFromSpec(parsed.spec, this._values);
      const advised = this._advise(candidate);
      const before = new Set(
        this._advice.issues
          .filter(issue => issue.severity === 'error')
          .map(issueKey)
      );
      blocking.push(
        ...advised.advice.issues.filter(
          issue => issue.severity === 'error' && !before.has(issueKey(issue))
        )
      );
      if (blocking.length === 0) {
        this._yamlEdit = null;
        this._editedInYaml = true;
        this._values = candidate;
        this._afterValuesChanged(advised);
        return;
      }
    }
    this._yamlEdit = {
      text,
      issues: blocking,
      marks: markSpecIssues(text, blocking)
    };
    this._changed.emit();
  }

  /** Drops a YAML edit that was not applied: the YAML follows the form again. */
  revertYaml(): void {
    this._yamlEdit = null;
    this._editedInYaml = false;
    this._changed.emit();
    this._previewChanged.emit();
  }

  /** Restores the draft saved before a reload, if any. */
  async restoreDraft(): Promise<void> {
    if (!this._state) {
      return;
    }
    let draft: unknown;
    try {
      draft = await this._state.fetch(DRAFT_KEY);
    } catch {
      return;
    }
    const values = (draft as { values?: unknown } | undefined)?.values;
    if (!values || typeof values !== 'object') {
      return;
    }
    const restored = {
      ...initialValues(this._settings.profile, {
        ncclDebug: this._settings.ncclDebugByDefault
      }),
      ...(values as Partial<IFormValues>)
    };
    if (!this._settings.profiles.some(p => p.id === restored.profileId)) {
      restored.profileId = this._settings.profile.id;
    }
    this._values = restored;
    this._recompute();
    this._renderPreview();
    this._changed.emit();
    this._previewChanged.emit();
  }

  /** Forgets the draft (after a deployment succeeded). */
  async clearDraft(): Promise<void> {
    this._draftPending = false;
    clearTimeout(this._draftTimer);
    await this._state?.remove(DRAFT_KEY).catch(() => undefined);
  }

  /**
   * Dry run, then apply, asking `confirmReplace` before replacing existing objects.
   * The outcome lands in {@link applyState}.
   */
  async deploy(
    confirmReplace: (existing: IExistingObject[]) => Promise<boolean>,
    confirmOverQuota?: (check: IQuotaCheck) => Promise<boolean>
  ): Promise<void> {
    if (this.deployBlocker) {
      return;
    }
    if (!this._advice.canDeploy) {
      // Errors of fields not visited yet: show them instead of deploying.
      this._showAll = true;
      this._changed.emit();
      return;
    }
    const spec = this._spec;
    // Resolved with the advice; canDeploy (no errors) means it could be.
    const resolved = this._advice.resolved as IResolvedSpec;
    if (confirmOverQuota && this._context) {
      // Usage moves while the form is open: read it again right before deciding.
      await this._loadQuotas(this._context.namespace);
      const check = this.quotaCheck;
      if (
        check &&
        check.exceeded.length > 0 &&
        !(await confirmOverQuota(check))
      ) {
        return;
      }
    }
    const steps: IApplyProgress[] = [];
    this._setApplyState({ phase: 'running', steps });
    const context = this._context;
    if (!context) {
      this._setApplyState({ phase: 'error', message: 'no-context' });
      return;
    }
    const manifests = this._buildManifests(resolved, context.namespace, true);
    const objects = listManifests(manifests);
    const target = this._cluster.target(context.namespace);
    const onProgress = (step: IApplyProgress) => {
      steps.push(step);
      this._setApplyState({ phase: 'running', steps: [...steps] });
    };
    try {
      let outcome = await applyDeployment(target, objects, { onProgress });
      if (outcome.status === 'confirm-replace') {
        if (!(await confirmReplace(outcome.existing))) {
          this._setApplyState({ phase: 'cancelled' });
          return;
        }
        outcome = await applyDeployment(target, objects, {
          onProgress,
          replace: true
        });
      }
      const done: ApplyState = {
        phase: 'done',
        outcome,
        namespace: context.namespace,
        name: manifests.leaderWorkerSet.metadata.name ?? spec.name,
        serviceName: manifests.service.metadata?.name ?? '',
        port: manifests.service.spec?.ports?.[0]?.port ?? 0
      };
      if (
        outcome.status === 'refused' &&
        outcome.refusals.some(r => r.refusal.kind === 'forbidden')
      ) {
        // Rights may have changed since the form opened: show what is missing now.
        const fresh = await this.loadContext();
        if (fresh) {
          done.context = fresh;
        }
      }
      this._setApplyState(done);
      if (outcome.status === 'applied') {
        await this.clearDraft();
      }
    } catch (reason) {
      this._setApplyState({ phase: 'error', message: errorMessage(reason) });
    }
  }

  /** Acknowledges an apply outcome so the form is editable again. */
  dismissApplyState(): void {
    this._setApplyState({ phase: 'idle' });
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    clearTimeout(this._previewTimer);
    if (this._nameTimer !== null) {
      clearTimeout(this._nameTimer);
    }
    if (this._draftPending) {
      clearTimeout(this._draftTimer);
      void this._saveDraft();
    }
    this._token = '';
    Signal.clearData(this);
  }

  protected _setValues(values: IFormValues): void {
    this._values = values;
    this._yamlEdit = null;
    this._editedInYaml = false;
    this._afterValuesChanged();
  }

  /** After new values: `advised` when the caller already advised on them (a YAML edit). */
  private _afterValuesChanged(advised?: IAdvisedValues): void {
    if (this._applyState.phase !== 'running') {
      this._applyState = { phase: 'idle' };
    }
    this._recompute(advised);
    this._schedulePreview();
    this._scheduleDraft();
    this._changed.emit();
  }

  protected _setApplyState(state: ApplyState): void {
    this._applyState = state;
    this._changed.emit();
  }

  /**
   * The spec and advice of the values: the one place the form validates, and so resolves,
   * a spec; the preview, the quota check and Deploy use the advice's resolved spec.
   */
  private _recompute(
    advised: IAdvisedValues = this._advise(this._values)
  ): void {
    this._spec = advised.spec;
    this._advice = advised.advice;
    this._scheduleNameCheck();
  }

  // Asks once the typing pauses whether the name is taken; only a well-formed name is asked.
  private _scheduleNameCheck(): void {
    const name = this._spec.name;
    const namespace = this._context?.namespace;
    if (this._nameTimer !== null) {
      clearTimeout(this._nameTimer);
      this._nameTimer = null;
    }
    if (
      !this._cluster.nameTaken ||
      !namespace ||
      name === this._checkedName ||
      !isDns1035Label(name)
    ) {
      return;
    }
    this._nameTimer = setTimeout(() => {
      this._nameTimer = null;
      this._checkedName = name;
      void this._cluster.nameTaken!(namespace, name).then(
        taken => {
          if (this._disposed || this._checkedName !== name) {
            return;
          }
          this._takenName = taken ? name : null;
          this._changed.emit();
        },
        () => undefined
      );
    }, NAME_CHECK_DELAY_MS);
  }

  private _advise(values: IFormValues): IAdvisedValues {
    const { spec, issues } = specFromForm(values);
    const deployed = withTokenSecret(spec, this.hasToken);
    return {
      spec: deployed,
      advice: adviseSpec(deployed, this.profile, issues)
    };
  }

  private async _loadQuotas(namespace: string): Promise<void> {
    if (!this._cluster.quotas) {
      return;
    }
    try {
      this._quotas = await this._cluster.quotas(namespace);
      this._quotaError = null;
    } catch (reason) {
      this._quotas = null;
      this._quotaError = errorMessage(reason);
    }
    this._quotaCheckSpec = null;
    if (!this._disposed) {
      this._changed.emit();
    }
  }

  private _checkQuota(quotas: IResourceQuota[]): IQuotaCheck | null {
    const resolved = this._advice.resolved;
    if (!resolved) {
      // A spec whose counts cannot be read has no manifests yet; the advice says why.
      return null;
    }
    try {
      const manifests = this._buildManifests(resolved, undefined, false);
      return checkQuota(quotas, deploymentNeeds(manifests.leaderWorkerSet));
    } catch {
      return null;
    }
  }

  protected _buildManifests(
    resolved: IResolvedSpec,
    namespace: string | undefined,
    withToken: boolean
  ): IManifests {
    return manifestsOf(resolved, {
      hfToken: withToken && this._token !== '' ? this._token : undefined,
      namespace
    });
  }

  private _schedulePreview(): void {
    clearTimeout(this._previewTimer);
    this._previewTimer = setTimeout(() => {
      if (this._disposed) {
        return;
      }
      this._renderPreview();
      this._previewChanged.emit();
    }, this._previewDelay);
  }

  private _renderPreview(): void {
    this._specYaml = serializeSpec(this._spec);
    const resolved = this._advice.resolved;
    if (!resolved) {
      this._manifestsYaml = '';
      return;
    }
    try {
      const manifests = this._buildManifests(resolved, undefined, false);
      const header = manifests.leaderWorkerSet.metadata.name
        ? this._spec.hfTokenSecret
          ? `# The pods read HF_TOKEN from the Secret "${this._spec.hfTokenSecret}" (key "token").\n` +
            (this.hasToken
              ? '# Deploy creates or updates that Secret from the token you typed; its value is never shown.\n'
              : '# Deploy uses that Secret as it is: it must exist in the namespace.\n')
          : ''
        : '';
      this._manifestsYaml = header + manifestsToYaml(listManifests(manifests));
    } catch {
      this._manifestsYaml = '';
    }
  }

  private _scheduleDraft(): void {
    if (!this._state) {
      return;
    }
    this._draftPending = true;
    clearTimeout(this._draftTimer);
    this._draftTimer = setTimeout(
      () => void this._saveDraft(),
      this._draftDelay
    );
  }

  private async _saveDraft(): Promise<void> {
    this._draftPending = false;
    if (!this._state) {
      return;
    }
    // The values never hold the token: it lives in `_token` only.
    const draft = { version: 1, values: { ...this._values } };
    await this._state
      .save(DRAFT_KEY, JSON.parse(JSON.stringify(draft)))
      .catch(() => undefined);
  }

  private readonly _settings: IResolvedSettings;
  protected readonly _cluster: IDeploymentCluster;
  private readonly _state: IStateDB | null;
  private readonly _previewDelay: number;
  private readonly _draftDelay: number;
  private _values: IFormValues;
  private _token = '';
  private _spec!: IDeploymentSpec;
  private _advice!: IAdvice;
  private _specYaml = '';
  private _manifestsYaml = '';
  private _yamlEdit: IYamlEdit | null = null;
  private _editedInYaml = false;
  private _applyState: ApplyState = { phase: 'idle' };
  private _touched = new Set<string>();
  private _showAll = false;
  private _context: IClusterContext | null = null;
  private _contextError: string | null = null;
  private _quotas: IResourceQuota[] | null = null;
  private _nameTimer: ReturnType<typeof setTimeout> | null = null;
  private _checkedName: string | null = null;
  private _takenName: string | null = null;
  private _quotaError: string | null = null;
  private _quotaCheck: IQuotaCheck | null = null;
  private _quotaCheckSpec: IDeploymentSpec | null = null;
  private _previewTimer: ReturnType<typeof setTimeout> | undefined;
  private _draftTimer: ReturnType<typeof setTimeout> | undefined;
  private _draftPending = false;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
  private _previewChanged = new Signal<this, void>(this);
}

/** The cluster side through the server extension: its context endpoint and proxy. */
export function proxyCluster(
  serverSettings: ServerConnection.ISettings
): IDeploymentCluster {
  return {
    context: () => fetchContext(serverSettings),
    target: namespace => new KubeApplyTarget(namespace, serverSettings),
    quotas: async namespace =>
      (
        await new KubeClient(namespace, serverSettings).list<IResourceQuota>(
          Resources.resourceQuotas
        )
      ).items,
    nameTaken: async (namespace, name) => {
      try {
        await new KubeClient(namespace, serverSettings).get(
          Resources.leaderWorkerSets,
          name
        );
        return true;
      } catch (error) {
        if (error instanceof LwsApiError && error.status === 404) {
          return false;
        }
        throw error;
      }
    }
  };
}

/** A form's values advised on: the spec they describe and the advice on it. */
interface IAdvisedValues {
  spec: IDeploymentSpec;
  advice: IAdvice;
}

function issueKey(issue: IIssue): string {
  return `${issue.id}\u0000${issue.field ?? ''}`;
}

function errorMessage(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
