import { Dialog, showDialog } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IQuotaCheck, IQuotaLine } from '../../model/quota';
import { formatAmount, isGpu } from '../../model/quota';

/** Props of {@link QuotaNote}. */
export interface IQuotaNoteProps {
  check: IQuotaCheck | null;
  error: string | null;
  trans: TranslationBundle;
}

/**
 * The deployment against the namespace's ResourceQuotas: the GPU line ("needs 8 GPUs; your
 * quota has 16, 8 in use"), every other limited resource it would exceed, or that there is
 * no quota. Nothing before the quotas were read or while the spec has errors.
 */
export function QuotaNote(props: IQuotaNoteProps): JSX.Element | null {
  const { check, error, trans } = props;
  if (error) {
    return (
      <p className="jp-lws-Quota jp-lws-mod-warning" data-testid="lws-quota">
        {trans.__('The namespace’s quotas could not be read: %1', error)}
      </p>
    );
  }
  if (!check) {
    return null;
  }
  if (check.quotas === 0) {
    return (
      <p className="jp-lws-Quota" data-testid="lws-quota">
        {trans.__(
          'The namespace has no ResourceQuota: only free GPUs on the nodes limit this deployment.'
        )}
      </p>
    );
  }
  const others = check.exceeded.filter(line => line !== check.gpu);
  return (
    <div
      className={`jp-lws-Quota${check.exceeded.length > 0 ? ' jp-lws-mod-warning' : ''}`}
      data-testid="lws-quota"
    >
      <p data-testid="lws-quota-gpus">
        {check.gpu
          ? gpuSentence(check.gpu, trans)
          : trans.__('The namespace’s quotas do not limit GPUs.')}
      </p>
      {others.map(line => (
        <p
          key={`${line.quota}/${line.resource}`}
          data-testid="lws-quota-exceeded"
        >
          {lineSentence(line, trans)}
        </p>
      ))}
      {check.exceeded.length > 0 && (
        <p data-testid="lws-quota-warning">
          {trans.__(
            'Over quota: the API server would refuse the pods it has no room for, and the deployment would wait for them.'
          )}
        </p>
      )}
    </div>
  );
}

function gpuSentence(line: IQuotaLine, trans: TranslationBundle): string {
  return trans.__(
    'This deployment needs %1; your quota has %2, %3 in use (%4 of ResourceQuota %5).',
    trans._n('%1 GPU', '%1 GPUs', line.need),
    formatAmount(line.hard),
    formatAmount(line.used),
    line.resource,
    line.quota
  );
}

function lineSentence(line: IQuotaLine, trans: TranslationBundle): string {
  return isGpu(line)
    ? gpuSentence(line, trans)
    : trans.__(
        '%1: this deployment needs %2; ResourceQuota %3 has %4, %5 in use.',
        line.resource,
        formatAmount(line.need),
        line.quota,
        formatAmount(line.hard),
        formatAmount(line.used)
      );
}

/** Asks before applying a deployment the quotas have no room for; true to apply anyway. */
export async function confirmOverQuota(
  check: IQuotaCheck,
  trans: TranslationBundle
): Promise<boolean> {
  const result = await showDialog({
    title: trans.__('Over the namespace’s quota'),
    body: (
      <div className="jp-lws-QuotaDialog" data-testid="lws-quota-dialog">
        <ul>
          {check.exceeded.map(line => (
            <li key={`${line.quota}/${line.resource}`}>
              {lineSentence(line, trans)}
            </li>
          ))}
        </ul>
        <p>
          {trans.__(
            'The API server would refuse the pods it has no room for; the LeaderWorkerSet would wait until the quota frees up. Apply anyway?'
          )}
        </p>
      </div>
    ),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.warnButton({ label: trans.__('Apply anyway') })
    ]
  });
  return result.button.accept;
}
