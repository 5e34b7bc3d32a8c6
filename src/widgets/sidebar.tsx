import type { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import React from 'react';

import type { NamespaceModel } from '../api/namespaceModel';
import { ContextSummary } from './ContextSummary';

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
    private readonly _trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-lws-Sidebar');
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.model.activate();
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => (
          <div className="jp-lws-Sidebar-content">
            <header className="jp-lws-Sidebar-header">
              <h2>{this._trans.__('Multi-node serving')}</h2>
            </header>
            <ContextSummary
              context={this.model.context}
              error={this.model.contextError}
              trans={this._trans}
            />
          </div>
        )}
      </UseSignal>
    );
  }
}
