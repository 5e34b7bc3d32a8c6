import type { TranslationBundle } from '@jupyterlab/translation';
import React, { useEffect, useRef } from 'react';

import type { IDiagnosis } from '../../model/diagnose';
import type { IDeploymentOverview } from '../../model/overview';
import type { ILoadingProgress } from '../../model/loadingProgress';
import { LoadingBar, StateBadge } from './StateBadge';
import { translateData } from '../translateData';

/** Props of {@link DeploymentList}. */
export interface IDeploymentListProps {
  overviews: IDeploymentOverview[];
  /** True once the first list of LeaderWorkerSets has arrived. */
  loaded: boolean;
  namespace: string;
  progress: (name: string) => ILoadingProgress | null;
  diagnoses: (name: string) => IDiagnosis[];
  onSelect: (name: string) => void;
  /** The deployment whose tab is active (its row is marked current). */
  selected?: string | null;
  /** The row to focus when the list appears (the deployment whose detail was left). */
  focus?: string | null;
  trans: TranslationBundle;
}

/** The namespace's LeaderWorkerSets, one row each, live. */
export function DeploymentList(props: IDeploymentListProps): JSX.Element {
  const { overviews, loaded, trans, focus } = props;
  const list = useRef<HTMLUListElement>(null);
  useEffect(() => {
    if (focus) {
      list.current
        ?.querySelector<HTMLElement>(
          `[data-testid="lws-deployment-${focus}"] button`
        )
        ?.focus();
    }
  }, [focus]);
  if (!loaded) {
    return (
      <p className="jp-lws-DeploymentList-empty" data-testid="lws-list-loading">
        {trans.__('Loading deployments…')}
      </p>
    );
  }
  if (overviews.length === 0) {
    return (
      <p className="jp-lws-DeploymentList-empty" data-testid="lws-list-empty">
        {trans.__('No multi-node deployments in %1 yet.', props.namespace)}
      </p>
    );
  }
  return (
    <ul
      ref={list}
      className="jp-lws-DeploymentList"
      data-testid="lws-deployment-list"
      aria-label={trans.__('Multi-node deployments')}
    >
      {overviews.map(overview => (
        <DeploymentRow
          key={overview.name}
          overview={overview}
          progress={props.progress(overview.name)}
          diagnosis={
            overview.status.state === 'Ready'
              ? undefined
              : props.diagnoses(overview.name)[0]
          }
          onSelect={props.onSelect}
          current={props.selected === overview.name}
          trans={trans}
        />
      ))}
    </ul>
  );
}

/**
 * One deployment's row. Memoized: the view model keeps a deployment's overview (and its
 * diagnosis) the same object until its LWS, pods or events change, so a watch event about one
 * deployment re-renders one row, not a hundred.
 */
const DeploymentRow = React.memo(function DeploymentRow(props: {
  overview: IDeploymentOverview;
  progress: ILoadingProgress | null;
  diagnosis: IDiagnosis | undefined;
  onSelect: (name: string) => void;
  current: boolean;
  trans: TranslationBundle;
}): JSX.Element {
  const { overview, progress, diagnosis, trans } = props;
  const { summary, status } = overview;
  const engine = summary.engine ?? trans.__('unknown engine');
  return (
    <li
      className="jp-lws-DeploymentRow"
      data-testid={`lws-deployment-${overview.name}`}
      data-state={status.state}
    >
      <button
        type="button"
        className={`jp-lws-DeploymentRow-open${props.current ? ' jp-mod-current' : ''}`}
        aria-current={props.current ? 'true' : undefined}
        title={status.reason}
        onClick={() => props.onSelect(overview.name)}
      >
        <span className="jp-lws-DeploymentRow-head">
          <span className="jp-lws-DeploymentRow-name">{overview.name}</span>
          <StateBadge state={status.state} trans={trans} />
        </span>
        <span className="jp-lws-DeploymentRow-model" title={summary.model}>
          <span className="jp-lws-DeploymentRow-engine">{engine}</span>
          {summary.model && <span> · {summary.model}</span>}
        </span>
        <span className="jp-lws-DeploymentRow-facts">
          <span
            data-testid="lws-ready"
            title={trans.__('Groups ready / desired')}
          >
            {trans.__('%1/%2 ready', status.readyReplicas, status.replicas)}
          </span>
          <span
            data-testid="lws-gpus"
            title={trans.__('GPUs held / requested')}
          >
            {trans.__('%1/%2 GPUs', overview.gpusInUse, status.gpus.requested)}
          </span>
          <span data-testid="lws-age" title={trans.__('Age')}>
            {overview.age}
          </span>
          {!summary.managed && (
            <span
              className="jp-lws-DeploymentRow-external"
              title={trans.__('Created outside this extension')}
            >
              {trans.__('external')}
            </span>
          )}
        </span>
        {progress && status.state === 'Loading' && (
          <LoadingBar progress={progress} trans={trans} />
        )}
        {diagnosis && (
          <span
            className={`jp-lws-DeploymentRow-diagnosis jp-lws-mod-${diagnosis.severity}`}
            data-testid="lws-row-diagnosis"
            data-diagnosis-id={diagnosis.id}
          >
            {translateData(trans, diagnosis.title)}
          </span>
        )}
      </button>
    </li>
  );
});
