import type { TranslationBundle } from '@jupyterlab/translation';
import { UseSignal } from '@jupyterlab/ui-components';
import React from 'react';

import { can } from '../../api/context';
import type { NamespaceModel } from '../../api/namespaceModel';
import { totalGpusHeld } from '../../model/idle';
import type { DeploymentActions } from './DeploymentActions';
import { DeploymentList } from './DeploymentList';
import type { DeploymentsViewModel } from './DeploymentsViewModel';

/** Props of {@link DeploymentsPanel}. */
export interface IDeploymentsPanelProps {
  model: DeploymentsViewModel;
  actions: DeploymentActions;
  /** Opens a deployment's detail in the main area (the plugin's command). */
  openDeployment: (name: string) => void;
  trans: TranslationBundle;
}

/** Says that live updates are interrupted, while a live collection fails (nothing otherwise). */
export function WatchBanner(props: {
  namespace: NamespaceModel;
  trans: TranslationBundle;
}): JSX.Element | null {
  // A lost live channel is every collection's error: say it once.
  const reasons = new Set(
    props.namespace.watches.map(watch => watch.error?.message ?? '')
  );
  reasons.delete('');
  if (reasons.size === 0) {
    return null;
  }
  return (
    <p
      className="jp-lws-WatchBanner jp-lws-mod-warning"
      role="status"
      data-testid="lws-watch-error"
    >
      {props.trans.__(
        'Live updates are interrupted (%1); reconnecting…',
        [...reasons].join('; ')
      )}
    </p>
  );
}

/**
 * The sidebar's deployments: the live list; a deployment's detail opens in the main area
 * ({@link DeploymentView}). Re-renders on the model's and the actions' signals only.
 */
export function DeploymentsPanel(props: IDeploymentsPanelProps): JSX.Element {
  const { model, actions } = props;
  return (
    <UseSignal signal={model.changed}>
      {() => (
        <UseSignal signal={actions.changed}>
          {() => <PanelContent {...props} />}
        </UseSignal>
      )}
    </UseSignal>
  );
}

function PanelContent(props: IDeploymentsPanelProps): JSX.Element | null {
  const { model, trans } = props;
  const namespace = model.namespace;
  if (!namespace.context || !namespace.context.lwsInstalled) {
    return null;
  }
  if (!can(namespace.context, 'leaderworkersets', 'watch')) {
    // Without the right the watch never starts: say so rather than "Loading…" forever.
    return (
      <div className="jp-lws-Deployments" data-testid="lws-deployments">
        <h3 className="jp-lws-Deployments-title">{trans.__('Deployments')}</h3>
        <p
          className="jp-lws-DeploymentList-empty jp-lws-mod-warning"
          data-testid="lws-list-forbidden"
        >
          {trans.__(
            'Your service account may not watch LeaderWorkerSets in %1, so no deployment can be shown. The rights above list what an admin grants.',
            namespace.context.namespace
          )}
        </p>
      </div>
    );
  }
  const banner = <WatchBanner namespace={namespace} trans={trans} />;
  const departed = model.departed;
  return (
    <div className="jp-lws-Deployments" data-testid="lws-deployments">
      {banner}
      <h3 className="jp-lws-Deployments-title">{trans.__('Deployments')}</h3>
      {model.overviews.length > 0 && (
        <p className="jp-lws-GpusTotal" data-testid="lws-gpus-total">
          {trans._n(
            '%1 GPU held in all',
            '%1 GPUs held in all',
            totalGpusHeld(model.overviews)
          )}
        </p>
      )}
      {departed && (
        // The deployment that was shown is gone (deleted here or elsewhere).
        <p
          className="jp-lws-ActionResult jp-lws-mod-ok"
          role="status"
          data-testid="lws-departed"
        >
          {trans.__('%1 was deleted.', departed)}
        </p>
      )}
      <DeploymentList
        overviews={model.overviews}
        loaded={namespace.loaded}
        namespace={namespace.context.namespace}
        progress={name => model.progress(name)}
        diagnoses={name => model.diagnoses(name)}
        onSelect={props.openDeployment}
        selected={model.selected}
        focus={model.left}
        trans={trans}
      />
    </div>
  );
}
