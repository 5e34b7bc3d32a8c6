import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import React from 'react';

import { replicasBeforeIdle } from '../../model/idle';
import { lwsIcon } from '../../icons';
import type { DeploymentActions } from './DeploymentActions';
import { DeploymentDetail } from './DeploymentDetail';
import { WatchBanner } from './DeploymentsPanel';
import type { DeploymentsViewModel } from './DeploymentsViewModel';
import { EngineMetrics } from './EngineMetrics';

/** What a deployment's detail needs besides its name. */
export interface IDeploymentViewOptions {
  model: DeploymentsViewModel;
  actions: DeploymentActions;
  /** Opens the log view of a pod (the plugin's command). */
  openLogs: (deployment: string, pod: string) => void;
  /** Opens the merged log of a group's pods (absent: no such button). */
  openGroupLog?: (deployment: string, group: number) => void;
  /** More under a deployment's endpoint (the chat and smoke test buttons). */
  endpointExtras: () => ((deployment: string) => JSX.Element | null) | null;
  /** Opens the form on the deployment to change it (the plugin's command). */
  editDeployment?: (deployment: string) => void;
  trans: TranslationBundle;
}

/**
 * One deployment's detail as a main-area tab: room for names, URLs, diagnoses and groups that
 * the sidebar's width squeezes. The sidebar keeps the list; the tab is restored on reload.
 */
export class DeploymentTab extends ReactWidget {
  constructor(
    readonly deployment: string,
    private readonly _options: IDeploymentViewOptions
  ) {
    super();
    this.id = deploymentTabId(deployment);
    this.addClass('jp-lws-DeploymentTab');
    this.title.label = deployment;
    this.title.caption = _options.trans.__(
      'Multi-node deployment %1',
      deployment
    );
    this.title.icon = lwsIcon;
    this.title.closable = true;
  }

  /** A closed tab is done with (its tracker forgets it); opening the deployment makes a new one. */
  protected onCloseRequest(msg: Message): void {
    super.onCloseRequest(msg);
    this.dispose();
  }

  render(): JSX.Element {
    const { model, actions } = this._options;
    return (
      <UseSignal signal={model.changed}>
        {() => (
          <UseSignal signal={actions.changed}>
            {() => <DeploymentView name={this.deployment} {...this._options} />}
          </UseSignal>
        )}
      </UseSignal>
    );
  }
}

/** The DOM id of a deployment's tab (names are DNS labels: safe in an id). */
export function deploymentTabId(deployment: string): string {
  return `jp-lws-deployment-${deployment}`;
}

/** The detail of deployment `name`, or why there is none. */
export function DeploymentView(
  props: IDeploymentViewOptions & { name: string }
): JSX.Element {
  const { model, actions, trans, name } = props;
  const namespace = model.namespace;
  const overview = model.overview(name);
  const lws = model.lws(name);
  if (!overview || !lws) {
    return (
      <div className="jp-lws-DeploymentView" data-testid="lws-deployment-gone">
        <p className="jp-lws-DeploymentView-gone" role="status">
          {namespace.loaded
            ? trans.__(
                '%1 does not exist (any more) in %2. Close this tab.',
                name,
                namespace.context?.namespace ?? ''
              )
            : trans.__('Loading %1…', name)}
        </p>
      </div>
    );
  }
  const { answer, checking } = model.endpointAnswer(name);
  const endpoint = model.endpoint(name);
  return (
    <div className="jp-lws-DeploymentView">
      <WatchBanner namespace={namespace} trans={trans} />
      <DeploymentDetail
        overview={overview}
        lws={lws}
        now={model.now}
        progress={model.progress(name)}
        diagnoses={model.diagnoses(name)}
        recreations={model.recreations(name)}
        checks={model.checks(name)}
        endpoint={endpoint}
        answer={answer}
        checking={checking}
        result={actions.result(name)}
        busy={actions.busy(name)}
        rights={actions.rights()}
        trans={trans}
        onScale={() => void actions.scale(name)}
        onRestartGroup={group => void actions.restartGroup(name, group)}
        onNcclDebugOff={() => void actions.ncclDebugOff(name)}
        onCopyEndpoint={() => actions.copyEndpoint(name)}
        onCopyCurl={() => actions.copyCurl(name)}
        onDelete={() => void actions.remove(name)}
        onEdit={
          props.editDeployment ? () => props.editDeployment?.(name) : undefined
        }
        onCheckEndpoint={() => void model.checkEndpoint(name)}
        onOpenLogs={pod => props.openLogs(name, pod)}
        onOpenGroupLog={
          props.openGroupLog
            ? group => props.openGroupLog?.(name, group)
            : undefined
        }
        endpointExtras={props.endpointExtras()?.(name) ?? null}
        engineMetrics={
          endpoint && overview.status.state === 'Ready' ? (
            <EngineMetrics
              settings={namespace.serverSettings}
              service={endpoint.service}
              port={endpoint.port}
              trans={trans}
              idleKey={`${namespace.context?.namespace ?? ''}/${name}`}
              idleMinutes={actions.idleMinutes}
              gpus={overview.gpusInUse}
              onScaleToZero={
                actions.rights().scale
                  ? idleText => void actions.scaleToZero(name, idleText)
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
              busy={actions.busy(name)}
              enabled={actions.rights().scale}
              trans={trans}
              onScaleBack={() => void actions.scaleBack(name)}
            />
          )
        }
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
