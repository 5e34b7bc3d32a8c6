import {
  Clipboard,
  Dialog,
  InputDialog,
  Notification,
  showDialog
} from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';
import React from 'react';

import { can } from '../../api/context';
import { jsonPatch } from '../../api/jsonPatch';
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
import type { DeploymentsModel } from './DeploymentsModel';
import type { IAttempt } from './errors';
import { actionErrorMessage } from './errors';
import { translateData } from './translateData';

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
 * The actions on a deployment: each asks for confirmation where it changes something,
 * sends one request through the namespace's client, and reports the result in plain words
 * (inline under the actions, and as a notification).
 */
export class DeploymentActions {
  constructor(
    readonly model: DeploymentsModel,
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
    const answer = await InputDialog.getNumber({
      title: trans.__('Scale %1', name),
      label: trans.__(
        'Groups (replicas), each serving the whole model on %1 pods and %2 GPUs:',
        overview.summary.nodes,
        perGroup
      ),
      value: current,
      okLabel: trans.__('Scale')
    });
    if (!answer.button.accept || answer.value === null) {
      return;
    }
    const replicas = answer.value;
    const problem = replicasProblem(replicas);
    if (problem) {
      this._report(name, { ok: false, message: translateData(trans, problem) });
      return;
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
      return;
    }
    await this._run(
      name,
      {
        verb: 'patch',
        resource: 'leaderworkersets',
        what: trans.__('the deployment %1', name)
      },
      async client => {
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
    const confirmed = await showDialog({
      title: trans.__('Scale %1 to 0?', name),
      body: (
        <div className="jp-lws-Dialog">
          <p>
            {trans.__(
              '%1. Scaling to 0 stops all its groups and frees their GPUs; "Scale back to %2" restores them later (the model loads again).',
              idleText,
              current
            )}
          </p>
        </div>
      ),
      buttons: [
        Dialog.cancelButton(),
        Dialog.warnButton({ label: trans.__('Scale to 0') })
      ]
    });
    if (!confirmed.button.accept) {
      return;
    }
    await this._run(
      name,
      {
        verb: 'patch',
        resource: 'leaderworkersets',
        what: trans.__('the deployment %1', name)
      },
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
    await this._run(
      name,
      {
        verb: 'patch',
        resource: 'leaderworkersets',
        what: trans.__('the deployment %1', name)
      },
      async client => {
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
      }
    );
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
    const confirmed = await showDialog({
      title: trans.__('Restart group %1 of %2?', groupIndex, name),
      body: (
        <div className="jp-lws-Dialog">
          <p>
            {trans.__(
              'This deletes the leader pod %1. LeaderWorkerSet then recreates all %2 pods of the group, and the engine loads the model again: the group serves nothing until it is Ready.',
              podName,
              podCount
            )}
          </p>
        </div>
      ),
      buttons: [
        Dialog.cancelButton(),
        Dialog.warnButton({ label: trans.__('Restart group') })
      ]
    });
    if (!confirmed.button.accept) {
      return;
    }
    await this._run(
      name,
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
    const healthy = overview.status.state === 'Ready';
    const confirmed = await showDialog({
      title: trans.__('Turn NCCL debug off for %1?', name),
      body: (
        <div className="jp-lws-Dialog">
          <p>
            {trans.__(
              'The guide recommends NCCL_DEBUG=%1 while a deployment is brought up and removing it once it is healthy: the debug lines slow start-up and flood the logs.',
              level
            )}
          </p>
          <p>
            {trans.__(
              'This removes NCCL_DEBUG from the leader and worker templates. LeaderWorkerSet then rolls every group to the new template: each group restarts and loads the model again, one group at a time.'
            )}
          </p>
          {!healthy && (
            <p className="jp-lws-mod-warning">
              {trans.__(
                '%1 is not healthy yet (%2): the NCCL lines may still be needed to find out why.',
                name,
                overview.status.state
              )}
            </p>
          )}
        </div>
      ),
      buttons: [
        Dialog.cancelButton(),
        Dialog.warnButton({ label: trans.__('Turn off and roll') })
      ]
    });
    if (!confirmed.button.accept) {
      return;
    }
    await this._run(
      name,
      {
        verb: 'patch',
        resource: 'leaderworkersets',
        what: trans.__('the deployment %1', name)
      },
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
            await jsonPatch(client, Resources.leaderWorkerSets, name, patch);
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
   * what stays (volume claims and Secrets always stay).
   */
  async remove(name: string): Promise<boolean> {
    const trans = this._trans;
    const lws = this.model.lws(name);
    if (!lws) {
      return false;
    }
    await this.model.namespace.refreshServices();
    const plan = deletionPlan(
      lws,
      this.model.namespace.pods,
      this.model.namespace.services,
      this.model.namespace.leaderWorkerSets
    );
    // A Secret no other deployment reads may go too, but only when the user says so: it
    // may serve notebooks or jobs the extension cannot see (and cannot read it to check).
    const unshared = plan.keptSecrets.filter(
      secret => plan.secretUsers[secret].length === 0
    );
    const goes = [
      trans.__('the LeaderWorkerSet %1', plan.name),
      plan.pods.length > 0
        ? trans._n(
            'its pod: %2',
            'its %1 pods: %2',
            plan.pods.length,
            plan.pods.join(', ')
          )
        : trans.__('its pods (none running now)'),
      ...(plan.headlessService
        ? [
            trans.__(
              'its headless Service %1 (made by LeaderWorkerSet)',
              plan.headlessService
            )
          ]
        : []),
      ...plan.services.map(service => trans.__('the API Service %1', service))
    ];
    const stays = [
      ...plan.keptClaims.map(claim =>
        trans.__('the volume claim %1 and the models downloaded into it', claim)
      ),
      ...plan.keptSecrets.map(secret =>
        plan.secretUsers[secret].length > 0
          ? trans._n(
              'the Secret %2 (the deployment %3 uses it too)',
              'the Secret %2 (the deployments %3 use it too)',
              plan.secretUsers[secret].length,
              secret,
              plan.secretUsers[secret].join(', ')
            )
          : trans.__('the Secret %1, unless you tick the box below', secret)
      ),
      ...plan.keptServices.map(service =>
        trans.__('the Service %1 (not made by this extension)', service)
      )
    ];
    const confirmed = await showDialog({
      title: trans.__('Delete %1?', name),
      body: (
        <div className="jp-lws-Dialog" data-testid="lws-delete-plan">
          <p>{trans.__('This deletes:')}</p>
          <ul>
            {goes.map(item => (
              <li key={item}>{item}</li>
            ))}
          </ul>
          {stays.length > 0 && (
            <>
              <p>{trans.__('It keeps:')}</p>
              <ul>
                {stays.map(item => (
                  <li key={item}>{item}</li>
                ))}
              </ul>
            </>
          )}
          <p>{trans.__('The model stops serving at once.')}</p>
        </div>
      ),
      buttons: [
        Dialog.cancelButton(),
        Dialog.warnButton({ label: trans.__('Delete') })
      ],
      checkbox:
        unshared.length > 0
          ? {
              label: trans._n(
                'Also delete the Secret %2 (no other deployment here reads it)',
                'Also delete the Secrets %2 (no other deployment here reads them)',
                unshared.length,
                unshared.join(', ')
              ),
              caption: trans.__(
                'Notebooks or jobs may still use it: the extension cannot tell.'
              ),
              checked: false
            }
          : null
    });
    if (!confirmed.button.accept) {
      return false;
    }
    const secrets = confirmed.isChecked ? unshared : [];
    return this._run(
      name,
      {
        verb: 'delete',
        resource: 'leaderworkersets',
        what: trans.__('the deployment %1', name)
      },
      async client => {
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
        void this.model.namespace.refreshServices();
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

  private async _run(
    name: string,
    attempt: IAttempt,
    action: (
      client: NonNullable<DeploymentsModel['namespace']['client']>
    ) => Promise<string>
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

/** Part of an action worked; the message says which part did not. */
class PartialFailure extends Error {}
