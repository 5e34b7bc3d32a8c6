import { Dialog, InputDialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IDeletionPlan } from '../../model/deploymentActions';

/**
 * The questions the deployment actions ask before they change anything. Each resolves to the
 * answer (a number, `true`, the Secrets to delete) or `null` when the user cancels.
 */

/** Asks how many groups (replicas) the deployment should have. */
export async function askGroups(
  trans: TranslationBundle,
  name: string,
  current: number,
  nodes: number,
  gpusPerGroup: number
): Promise<number | null> {
  const answer = await InputDialog.getNumber({
    title: trans.__('Scale %1', name),
    label: trans.__(
      'Groups (replicas), each serving the whole model on %1 pods and %2 GPUs:',
      nodes,
      gpusPerGroup
    ),
    value: current,
    okLabel: trans.__('Scale')
  });
  return answer.button.accept ? answer.value : null;
}

/** Confirms scaling an idle deployment to 0. */
export async function confirmScaleToZero(
  trans: TranslationBundle,
  name: string,
  idleText: string,
  current: number
): Promise<true | null> {
  return confirm(
    trans.__('Scale %1 to 0?', name),
    <div className="jp-lws-Dialog">
      <p>
        {trans.__(
          '%1. Scaling to 0 stops all its groups and frees their GPUs; "Scale back to %2" restores them later (the model loads again).',
          idleText,
          current
        )}
      </p>
    </div>,
    trans.__('Scale to 0')
  );
}

/** Confirms restarting a group by deleting its leader pod. */
export async function confirmRestartGroup(
  trans: TranslationBundle,
  name: string,
  groupIndex: number,
  podName: string,
  podCount: number
): Promise<true | null> {
  return confirm(
    trans.__('Restart group %1 of %2?', groupIndex, name),
    <div className="jp-lws-Dialog">
      <p>
        {trans.__(
          'This deletes the leader pod %1. LeaderWorkerSet then recreates all %2 pods of the group, and the engine loads the model again: the group serves nothing until it is Ready.',
          podName,
          podCount
        )}
      </p>
    </div>,
    trans.__('Restart group')
  );
}

/** Confirms removing NCCL_DEBUG, warning when the deployment is not healthy yet. */
export async function confirmNcclDebugOff(
  trans: TranslationBundle,
  name: string,
  level: string,
  state: string
): Promise<true | null> {
  return confirm(
    trans.__('Turn NCCL debug off for %1?', name),
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
      {state !== 'Ready' && (
        <p className="jp-lws-mod-warning">
          {trans.__(
            '%1 is not healthy yet (%2): the NCCL lines may still be needed to find out why.',
            name,
            state
          )}
        </p>
      )}
    </div>,
    trans.__('Turn off and roll')
  );
}

/**
 * Confirms a deletion, listing what goes and what stays. A Secret no other deployment reads
 * is offered in a checkbox (unticked): it may serve notebooks or jobs the extension cannot see.
 * Resolves to the Secrets to delete too, or `null` when cancelled.
 */
export async function confirmDelete(
  trans: TranslationBundle,
  plan: IDeletionPlan
): Promise<string[] | null> {
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
  const answer = await showDialog({
    title: trans.__('Delete %1?', plan.name),
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
  if (!answer.button.accept) {
    return null;
  }
  return answer.isChecked ? unshared : [];
}

/** A Cancel / warn-button dialog: `true` when the user chooses the action. */
async function confirm(
  title: string,
  body: React.ReactElement,
  actionLabel: string
): Promise<true | null> {
  const answer = await showDialog({
    title,
    body,
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: actionLabel })]
  });
  return answer.button.accept ? true : null;
}
