import { Clipboard, Notification } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import { can } from '../../api/context';
import { LwsApiError } from '../../api/request';
import type { IResourceType } from '../../api/resources';
import { Resources } from '../../api/resources';
import {
  deletionPlan,
  groupRestartTarget,
  ncclDebugLevel,
  ncclDebugOffPatch,
  replicasProblem,
  scalePatch
} from '../../model/deploymentActions';
import { curlSmokeTest } from '../../model/endpoint';
import {
  replicasBeforeIdle,
  scaleBackPatch,
  scaleToZeroPatch
} from '../../model/idle';
import type { LeaderWorkerSet } from '../../model/lws';
import {
  askGroups,
  confirmDelete,
  confirmNcclDebugOff,
  confirmRestartGroup,
  confirmScaleToZero
} from './actionDialogs';
import type { DeploymentsViewModel } from './DeploymentsViewModel';
import type { IAttempt } from './errors';
import { actionErrorMessage } from './errors';
import { translateData } from '../translateData';

/** The outcome of the last action on a deployment, shown under its actions. */
export interface IActionResult {
  ok: boolean;
  message: string;
}

/** Which actions the account may take (from the context's permission check). */
export interface IActionRights {
  scale: boolean;
  restart: boolean;
  patch: boolean;
  remove: boolean;
}

/**
 * The actions on a deployment: each asks for confirmation where it changes something
 * (the dialogs are in actionDialogs.tsx), sends its requests through the namespace's client,
 * and reports the result in plain words (inline under the actions, and as a notification).
 */
export class DeploymentActions {
  constructor(
    readonly model: DeploymentsViewModel,
    private readonly _trans: TranslationBundle
  ) {}

  /** Emitted when a result changes. */
  get changed(): ISignal<this, string> {
    return this._changed;
  }

  /** The last result of an action on `name`. */
  result(name: string): IActionResult | null {
    return this._results.get(name) ?? null;
  }

  /** True while an action on `name` waits for the API server. */
  busy(name: string): boolean {
    return this._busy.has(name);
  }

  /** What the notebook's account may do. */
  rights(): IActionRights {
    const context = this.model.namespace.context;
    return {
      scale: can(context, 'leaderworkersets', 'patch'),
      restart: can(context, 'pods', 'delete'),
      patch: can(context, 'leaderworkersets', 'patch'),
      remove: can(context, 'leaderworkersets', 'delete')
    };
  }

  /** Asks for a number of groups and patches spec.replicas. */
  async scale(name: string): Promise<void> {
    const trans = this._trans;
    const overview = this.model.overview(name);
    if (!overview) {
      return;
    }
    const current = overview.status.replicas;
    const perGroup =
      overview.status.replicas > 0
        ? overview.status.gpus.requested / overview.status.replicas
        : 0;
    await this._confirmThenRun(
      name,
      async () => {
        const replicas = await askGroups(
          trans,
          name,
          current,
          overview.summary.nodes,
          perGroup
        );
        if (replicas === null) {
          return null;
        }
        const problem = replicasProblem(replicas);
        if (problem) {
          this._report(name, {
            ok: false,
            message: translateData(trans, problem)
          });
          return null;
        }
        if (replicas === current) {
          this._report(name, {
            ok: true,
            message: trans.__(
              '%1 already has %2 groups: nothing changed.',
              name,
              current
            )
          });
          return null;
        }
        return replicas;
      },
      this._patchAttempt(name),
      async (client, replicas) => {
        await client.patch(
          Resources.leaderWorkerSets,
          name,
          scalePatch(replicas)
        );
        return replicas > current
          ? trans.__(
              'Scaling %1 from %2 to %3 groups: %4 more GPUs are requested; the new groups load the model before they serve.',
              name,
              current,
              replicas,
              (replicas - current) * perGroup
            )
          : trans.__(
              'Scaling %1 from %2 to %3 groups: the highest-numbered groups stop.',
              name,
              current,
              replicas
            );
      }
    );
  }

  /** Minutes without engine activity before the detail suggests scaling to 0 (setting). */
  get idleMinutes(): number {
    return this._idleMinutes;
  }
  set idleMinutes(minutes: number) {
    if (minutes > 0 && minutes !== this._idleMinutes) {
      this._idleMinutes = minutes;
      this._changed.emit('');
    }
  }

  /**
   * Scales an idle deployment to 0 after confirmation, keeping its groups in an annotation
   * (so "Scale back" works after a reload).
   */
  async scaleToZero(name: string, idleText: string): Promise<void> {
    const trans = this._trans;
    const overview = this.model.overview(name);
    if (!overview) {
      return;
    }
    const current = overview.status.replicas;
    if (current === 0) {
      return;
    }
    await this._confirmThenRun(
      name,
      () => confirmScaleToZero(trans, name, idleText, current),
      this._patchAttempt(name),
      async client => {
        await client.patch(
          Resources.leaderWorkerSets,
          name,
          scaleToZeroPatch(current)
        );
        return trans.__(
          'Scaling %1 from %2 to 0 groups: its GPUs are freed.',
          name,
          current
        );
      }
    );
  }

  /** Restores the groups a deployment had before it was scaled to 0 for idling. */
  async scaleBack(name: string): Promise<void> {
    const trans = this._trans;
    const replicas = replicasBeforeIdle(
      this.model.lws(name)?.metadata?.annotations
    );
    if (replicas === null) {
      return;
    }
    await this._run(name, this._patchAttempt(name), async client => {
      await client.patch(
        Resources.leaderWorkerSets,
        name,
        scaleBackPatch(replicas)
      );
      return trans.__(
        'Scaling %1 back to %2 groups: they load the model before they serve.',
        name,
        replicas
      );
    });
  }

  /** Restarts one group by deleting its leader pod, after confirmation. */
  async restartGroup(name: string, groupIndex: number): Promise<void> {
    const trans = this._trans;
    const overview = this.model.overview(name);
    const leader = overview
      ? groupRestartTarget(name, overview.pods, groupIndex)
      : null;
    if (!overview || !leader) {
      this._report(name, {
        ok: false,
        message: trans.__(
          'Group %1 of %2 has no leader pod to restart right now.',
          groupIndex,
          name
        )
      });
      return;
    }
    const podName = leader.metadata?.name ?? '';
    const group = overview.status.groups.find(g => g.index === groupIndex);
    const podCount = group ? (group.leader ? 1 : 0) + group.workers.length : 1;
    await this._confirmThenRun(
      name,
      () => confirmRestartGroup(trans, name, groupIndex, podName, podCount),
      {
        verb: 'delete',
        resource: 'pods',
        what: trans.__('the pod %1', podName)
      },
      async client => {
        await client.delete(Resources.pods, podName);
        return trans.__(
          'Restarting group %1 of %2: its pods are being recreated.',
          groupIndex,
          name
        );
      }
    );
  }

  /** Removes NCCL_DEBUG from the pod templates, after confirmation (the groups roll). */
  async ncclDebugOff(name: string): Promise<void> {
    const trans = this._trans;
    const lws = this.model.lws(name);
    const overview = this.model.overview(name);
    if (!lws || !overview) {
      return;
    }
    const level = ncclDebugLevel(lws);
    if (level === null) {
      this._report(name, {
        ok: true,
        message: trans.__('NCCL debug logging is already off for %1.', name)
      });
      return;
    }
    await this._confirmThenRun(
      name,
      () => confirmNcclDebugOff(trans, name, level, overview.status.state),
      this._patchAttempt(name),
      async client => {
        // The patch tests each entry it removes; if the templates changed since they were
        // read (422), it is rebuilt once from a fresh read.
        let current = this.model.lws(name) ?? lws;
        for (let attempt = 0; ; attempt++) {
          const patch = ncclDebugOffPatch(current);
          if (!patch) {
            return trans.__('NCCL debug logging is already off for %1.', name);
          }
          try {
            await client.jsonPatch(Resources.leaderWorkerSets, name, patch);
            break;
          } catch (error) {
            if (
              !(error instanceof LwsApiError && error.status === 422) ||
              attempt >= 1
            ) {
              throw error;
            }
            current = await client.get<LeaderWorkerSet>(
              Resources.leaderWorkerSets,
              name
            );
          }
        }
        return trans.__(
          'NCCL debug logging is off for %1: its groups restart with the new template.',
          name
        );
      }
    );
  }

  /** Copies the endpoint URL. */
  copyEndpoint(name: string): void {
    const endpoint = this.model.endpoint(name);
    if (!endpoint) {
      return;
    }
    Clipboard.copyToSystem(endpoint.url);
    this._report(name, {
      ok: true,
      message: this._trans.__('Copied %1', endpoint.url)
    });
  }

  /** Copies a curl command that sends one chat request to the deployment. */
  copyCurl(name: string): void {
    const endpoint = this.model.endpoint(name);
    const model = this.model.servedModel(name);
    if (!endpoint || !model) {
      return;
    }
    Clipboard.copyToSystem(curlSmokeTest(endpoint, model));
    this._report(name, {
      ok: true,
      message: this._trans.__(
        'Copied a curl smoke test for %1: run it in a notebook terminal.',
        name
      )
    });
  }

  /**
   * Deletes the LeaderWorkerSet (its pods, StatefulSets and headless Service go with it) and
   * the API Service the extension made for it, after a confirmation listing what goes and
   * what stays (volume claims and Secrets stay unless the user ticks an unshared Secret).
   */
  async remove(name: string): Promise<boolean> {
    const trans = this._trans;
    const lws = this.model.lws(name);
    if (!lws) {
      return false;
    }
    const plan = deletionPlan(
      lws,
      this.model.namespace.pods,
      this.model.namespace.services,
      this.model.namespace.leaderWorkerSets
    );
    return this._confirmThenRun(
      name,
      () => confirmDelete(trans, plan),
      {
        verb: 'delete',
        resource: 'leaderworkersets',
        what: trans.__('the deployment %1', name)
      },
      async (client, secrets) => {
        await client.delete(Resources.leaderWorkerSets, name);
        const left: string[] = [];
        const also = async (
          type: IResourceType,
          object: string,
          what: string
        ) => {
          try {
            await client.delete(type, object);
          } catch (error) {
            left.push(
              actionErrorMessage(
                error,
                { verb: 'delete', resource: type.plural, what },
                trans
              )
            );
          }
        };
        for (const service of plan.services) {
          await also(
            Resources.services,
            service,
            trans.__('the Service %1', service)
          );
        }
        for (const secret of secrets) {
          await also(
            Resources.secrets,
            secret,
            trans.__('the Secret %1', secret)
          );
        }
        if (left.length > 0) {
          throw new PartialFailure(
            trans.__('%1 is being deleted, but: %2', name, left.join(' '))
          );
        }
        return secrets.length > 0
          ? trans.__(
              '%1 is being deleted: its pods are shutting down. Deleted the Secret %2 too.',
              name,
              secrets.join(', ')
            )
          : trans.__('%1 is being deleted: its pods are shutting down.', name);
      }
    );
  }

  /** Patching the deployment itself, for the refusal message. */
  private _patchAttempt(name: string): IAttempt {
    return {
      verb: 'patch',
      resource: 'leaderworkersets',
      what: this._trans.__('the deployment %1', name)
    };
  }

  /**
   * Asks first (`confirm` resolves to the answer, or `null` to stop without a request), then
   * runs the action with the answer. False when the user stopped or the action failed.
   */
  private async _confirmThenRun<T>(
    name: string,
    confirm: () => Promise<T | null>,
    attempt: IAttempt,
    action: (client: NamespaceClient, answer: T) => Promise<string>
  ): Promise<boolean> {
    const answer = await confirm();
    if (answer === null) {
      return false;
    }
    return this._run(name, attempt, client => action(client, answer));
  }

  private async _run(
    name: string,
    attempt: IAttempt,
    action: (client: NamespaceClient) => Promise<string>
  ): Promise<boolean> {
    const client = this.model.namespace.client;
    if (!client) {
      this._report(name, {
        ok: false,
        message: this._trans.__(
          'Not connected to the cluster: nothing was changed.'
        )
      });
      return false;
    }
    this._busy.add(name);
    this._changed.emit(name);
    try {
      const message = await action(client);
      this._report(name, { ok: true, message });
      return true;
    } catch (error) {
      const message =
        error instanceof PartialFailure
          ? error.message
          : actionErrorMessage(error, attempt, this._trans);
      this._report(name, { ok: false, message });
      return false;
    } finally {
      this._busy.delete(name);
      this._changed.emit(name);
    }
  }

  private _report(name: string, result: IActionResult): void {
    this._results.set(name, result);
    this._changed.emit(name);
    if (result.ok) {
      Notification.success(result.message, { autoClose: 5000 });
    } else {
      Notification.error(result.message, { autoClose: false });
    }
  }

  private _idleMinutes = 60;
  private _results = new Map<string, IActionResult>();
  private _busy = new Set<string>();
  private _changed = new Signal<this, string>(this);
}

/** The namespace's Kubernetes client the actions send their requests through. */
type NamespaceClient = NonNullable<DeploymentsViewModel['namespace']['client']>;

/** Part of an action worked; the message says which part did not. */
class PartialFailure extends Error {}
