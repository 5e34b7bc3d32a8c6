import type { TranslationBundle } from '@jupyterlab/translation';
import { UseSignal } from '@jupyterlab/ui-components';
import React from 'react';

import { can } from '../../api/context';
import { replicasBeforeIdle, totalGpusHeld } from '../../model/idle';
import type { DeploymentActions } from './DeploymentActions';
import { DeploymentDetail } from './DeploymentDetail';
import { DeploymentList } from './DeploymentList';
import { EngineMetrics } from './EngineMetrics';
import type { DeploymentsViewModel } from './DeploymentsViewModel';

/** Props of {@link DeploymentsPanel}. */
export interface IDeploymentsPanelProps {
  model: DeploymentsViewModel;
  actions: DeploymentActions;
  /** Opens the log view of a pod (the plugin's command). */
  openLogs: (deployment: string, pod: string) => void;
  /** More under a deployment's endpoint (the chat and smoke test buttons). */
  endpointExtras?: ((deployment: string) => JSX.Element | null) | null;
  trans: TranslationBundle;
}

/**
 * The sidebar's deployments: the live list, or the detail of the selected one. Re-renders on
 * the model's and the actions' signals only.
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
  const { model, actions, trans } = props;
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
  const failing = namespace.watches.filter(watch => watch.error);
  const banner =
    failing.length > 0 ? (
      <p
        className="jp-lws-WatchBanner jp-lws-mod-warning"
        role="status"
        data-testid="lws-watch-error"
      >
        {trans.__(
          'Live updates are interrupted (%1); reconnecting…',
          failing.map(watch => watch.error?.message).join('; ')
        )}
      </p>
    ) : null;
  const selected = model.selected;
  const overview = selected ? model.overview(selected) : undefined;
  const lws = selected ? model.lws(selected) : undefined;
  if (selected && overview && lws) {
    const { answer, checking } = model.endpointAnswer(selected);
    const endpoint = model.endpoint(selected);
    return (
      <div className="jp-lws-Deployments" data-testid="lws-deployments">
        {banner}
        <DeploymentDetail
          overview={overview}
          lws={lws}
          now={model.now}
          progress={model.progress(selected)}
          diagnoses={model.diagnoses(selected)}
          recreations={model.recreations(selected)}
          checks={model.checks(selected)}
          endpoint={endpoint}
          answer={answer}
          checking={checking}
          result={actions.result(selected)}
          busy={actions.busy(selected)}
          rights={actions.rights()}
          trans={trans}
          onBack={() => (model.selected = null)}
          onScale={() => void actions.scale(selected)}
          onRestartGroup={group => void actions.restartGroup(selected, group)}
          onNcclDebugOff={() => void actions.ncclDebugOff(selected)}
          onCopyEndpoint={() => actions.copyEndpoint(selected)}
          onCopyCurl={() => actions.copyCurl(selected)}
          onDelete={() => void actions.remove(selected)}
          onCheckEndpoint={() => void model.checkEndpoint(selected)}
          onOpenLogs={pod => props.openLogs(selected, pod)}
          endpointExtras={props.endpointExtras?.(selected) ?? null}
          engineMetrics={
            endpoint && overview.status.state === 'Ready' ? (
              <EngineMetrics
                settings={namespace.serverSettings}
                service={endpoint.service}
                port={endpoint.port}
                trans={trans}
                idleKey={`${namespace.context.namespace}/${selected}`}
                idleMinutes={actions.idleMinutes}
                gpus={overview.gpusInUse}
                onScaleToZero={
                  actions.rights().scale
                    ? idleText => void actions.scaleToZero(selected, idleText)
                    : undefined
                }
              />
            ) : (
              <ScaleBack
                replicas={
                  overview.status.replicas === 0
                    ? replicasBeforeIdle(lws.metadata?.annotations)
                    : null
                }
                busy={actions.busy(selected)}
                enabled={actions.rights().scale}
                trans={trans}
                onScaleBack={() => void actions.scaleBack(selected)}
              />
            )
          }
        />
      </div>
    );
  }
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
        onSelect={name => (model.selected = name)}
        focus={model.left}
        trans={trans}
      />
    </div>
  );
}

/** "Scale back to <n>" on a deployment the idle nudge scaled to 0 (nothing otherwise). */
function ScaleBack(props: {
  replicas: number | null;
  busy: boolean;
  enabled: boolean;
  trans: TranslationBundle;
  onScaleBack: () => void;
}): JSX.Element | null {
  if (props.replicas === null) {
    return null;
  }
  return (
    <div className="jp-lws-IdleNudge">
      <button
        type="button"
        className="jp-mod-styled jp-mod-accept"
        data-testid="lws-scale-back"
        disabled={props.busy || !props.enabled}
        onClick={props.onScaleBack}
      >
        {props.trans.__('Scale back to %1', props.replicas)}
      </button>
    </div>
  );
}
