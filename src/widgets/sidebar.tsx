import type { TranslationBundle } from '@jupyterlab/translation';
import {
  addIcon,
  ReactWidget,
  ToolbarButtonComponent,
  UseSignal
} from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';
import React from 'react';

import type { NamespaceModel } from '../api/namespaceModel';
import { ContextSummary } from './ContextSummary';
import { DeploymentActions } from './deployments/DeploymentActions';
import { DeploymentsViewModel } from './deployments/DeploymentsViewModel';
import { DeploymentsPanel } from './deployments/DeploymentsPanel';
import type { IOpenLogsArgs } from './deployments/openLogs';
import { DownloadsViewModel } from './modelDownloads/DownloadsViewModel';
import { DownloadsSection } from './modelDownloads/DownloadsSection';

/** Options of {@link LwsSidebar}. */
export interface ILwsSidebarOptions {
  /** Shows a pod's log (the plugin's open-logs command). */
  openLogs?: (args: IOpenLogsArgs) => void;
  /** Opens the new-deployment form (the "+" in the header). */
  newDeployment?: () => void;
  /** Opens a deployment's detail in the main area (the plugin's command). */
  openDeployment?: (name: string) => void;
}

/**
 * The left sidebar: the cluster context and the user's multi-node deployments.
 *
 * #### Notes
 * The model is activated the first time the panel is shown, not when the plugin activates:
 * a collapsed sidebar costs JupyterLab's start-up nothing.
 */
export class LwsSidebar extends ReactWidget {
  constructor(
    readonly model: NamespaceModel,
    private readonly _trans: TranslationBundle,
    options: ILwsSidebarOptions = {}
  ) {
    super();
    this.addClass('jp-lws-Sidebar');
    this.deployments = new DeploymentsViewModel(model);
    this.actions = new DeploymentActions(this.deployments, _trans);
    this.downloads = new DownloadsViewModel(model);
    this._openLogs = options.openLogs ?? (() => undefined);
    this._newDeployment = options.newDeployment ?? null;
    this._openDeployment = options.openDeployment ?? (() => undefined);
  }

  /** The deployment list's view model (live overviews, selection, diagnosis). */
  readonly deployments: DeploymentsViewModel;

  /** The actions on deployments, with their last results. */
  readonly actions: DeploymentActions;

  /** The model downloads and the models in the volume. */
  readonly downloads: DownloadsViewModel;

  /** Sets what shows under a deployment's endpoint (the chat plugin's buttons). */
  setEndpointExtras(
    render: ((deployment: string) => JSX.Element | null) | null
  ): void {
    this._endpointExtras = render;
    this._endpointExtrasChanged.emit();
  }

  /** What shows under a deployment's endpoint in its tab. */
  get endpointExtras(): ((deployment: string) => JSX.Element | null) | null {
    return this._endpointExtras;
  }

  /** Emitted when the endpoint extras change (open tabs render again). */
  get endpointExtrasChanged(): ISignal<this, void> {
    return this._endpointExtrasChanged;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.deployments.dispose();
    this.downloads.dispose();
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.model.activate();
  }

  render(): JSX.Element {
    return (
      // The deployments model re-emits every change of the namespace model.
      <UseSignal signal={this.deployments.changed}>
        {() => (
          <div className="jp-lws-Sidebar-content">
            <header className="jp-lws-Sidebar-header">
              <h2>{this._trans.__('Multi-node LLM Serving')}</h2>
              {this._newDeployment && (
                <ToolbarButtonComponent
                  className="jp-lws-Sidebar-new"
                  icon={addIcon}
                  tooltip={this._trans.__('New multi-node deployment')}
                  // The full attribute name: JupyterLab before 4.4 spreads these keys
                  // as they are, later releases add the missing 'data-' prefix.
                  dataset={{ 'data-testid': 'lws-sidebar-new-deployment' }}
                  onClick={this._newDeployment}
                />
              )}
            </header>
            <ContextSummary
              context={this.model.context}
              error={this.model.contextError}
              trans={this._trans}
            />
            <DeploymentsPanel
              model={this.deployments}
              actions={this.actions}
              openDeployment={this._openDeployment}
              trans={this._trans}
            />
            <DownloadsSection model={this.downloads} trans={this._trans} />
          </div>
        )}
      </UseSignal>
    );
  }

  /** Shows a pod's log (for the deployment tabs the plugin opens). */
  openLogs(args: IOpenLogsArgs): void {
    this._openLogs(args);
  }

  private _openLogs: (args: IOpenLogsArgs) => void;
  private _openDeployment: (name: string) => void;
  private _endpointExtrasChanged = new Signal<this, void>(this);
  private _newDeployment: (() => void) | null;
  private _endpointExtras: ((deployment: string) => JSX.Element | null) | null =
    null;
}
