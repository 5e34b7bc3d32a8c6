import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { ILoadingProgress } from '../../model/loadingProgress';
import type { DeploymentState } from '../../model/status';

/** The words for a deployment state. */
export function stateLabel(
  state: DeploymentState,
  trans: TranslationBundle
): string {
  switch (state) {
    case 'Pending':
      return trans.__('Pending');
    case 'Scheduling':
      return trans.__('Scheduling');
    case 'PullingImage':
      return trans.__('Pulling image');
    case 'Loading':
      return trans.__('Loading model');
    case 'Ready':
      return trans.__('Ready');
    case 'Degraded':
      return trans.__('Degraded');
    case 'Failed':
      return trans.__('Failed');
    case 'Deleting':
      return trans.__('Deleting');
  }
}

/** A coloured badge with the state's name. */
export function StateBadge(props: {
  state: DeploymentState;
  trans: TranslationBundle;
}): JSX.Element {
  return (
    <span
      className={`jp-lws-StateBadge jp-lws-mod-${props.state}`}
      data-testid="lws-state"
      data-state={props.state}
    >
      {stateLabel(props.state, props.trans)}
    </span>
  );
}

/** The engine's weight-loading progress as a bar with its count. */
export function LoadingBar(props: {
  progress: ILoadingProgress;
  trans: TranslationBundle;
}): JSX.Element {
  const { progress, trans } = props;
  const label = trans.__(
    'Loading weights: %1 of %2 shards (%3%)',
    progress.done,
    progress.total,
    progress.percent
  );
  return (
    <span className="jp-lws-LoadingBar" data-testid="lws-progress">
      <span
        className="jp-lws-LoadingBar-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={progress.percent}
      >
        <span
          className="jp-lws-LoadingBar-fill"
          style={{ width: `${Math.min(100, Math.max(0, progress.percent))}%` }}
        />
      </span>
      <span className="jp-lws-LoadingBar-label">{label}</span>
    </span>
  );
}
