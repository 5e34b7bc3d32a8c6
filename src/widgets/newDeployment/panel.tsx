import { MainAreaWidget, Notification } from '@jupyterlab/apputils';
import type { IEditorServices } from '@jupyterlab/codeeditor';
import type { Contents } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';
import {
  copyIcon,
  ReactWidget,
  saveIcon,
  ToolbarButton,
  undoIcon,
  UseSignal
} from '@jupyterlab/ui-components';
import type { CommandRegistry } from '@lumino/commands';
import type { Message } from '@lumino/messaging';
import { Panel, SplitPanel } from '@lumino/widgets';
import React from 'react';

import { lwsIcon } from '../../icons';
import type { IDeploymentSpec } from '../../model/spec';
import {
  confirmReplace,
  confirmReset,
  copyText,
  exportToWorkspace
} from './actions';
import { AdvicePanel } from './advice';
import type { IApplyActions } from './applyStatus';
import { NewDeploymentForm } from './form';
import { editOf } from './editViewModel';
import { confirmEdit } from './editViews';
import type { NewDeploymentViewModel } from './viewModel';
import { ModelCacheNote } from '../modelDownloads/ModelCacheNote';
import { YamlPreview } from './preview';
import { confirmOverQuota, QuotaNote } from './quota';

/** What the panel needs from the application. */
export interface INewDeploymentPanelOptions {
  model: NewDeploymentViewModel;
  editorServices: IEditorServices;
  contents: Contents.IManager;
  commands: CommandRegistry;
  trans: TranslationBundle;
  /** Shows the deployments sidebar. */
  showSidebar: () => void;
}

/**
 * The new-deployment panel: the form on the left; the advice and the YAML preview on the
 * right. Owns its model.
 */
export class NewDeploymentPanel extends SplitPanel {
  constructor(options: INewDeploymentPanelOptions) {
    super({ orientation: 'horizontal', spacing: 1 });
    this.addClass('jp-lws-NewDeployment');
    this.model = options.model;
    const { trans } = options;
    this._options = options;

    this._form = new FormView(options, this._actions(), () => this._deploy());
    this._form.addClass('jp-lws-NewDeployment-formView');

    // A CSS flex column (style/base.css): the advice takes the height it needs, up to half.
    const right = new Panel();
    right.addClass('jp-lws-NewDeployment-side');
    const advice = new AdviceView(
      this.model,
      trans,
      fix => this._fix(fix),
      id => this.showField(id)
    );
    advice.addClass('jp-lws-NewDeployment-adviceView');
    this.preview = new YamlPreview({
      model: this.model,
      editorServices: options.editorServices,
      trans
    });
    right.addWidget(advice);
    right.addWidget(this.preview);

    this.addWidget(this._form);
    this.addWidget(right);
    this.setRelativeSizes([0.45, 0.55]);
  }

  readonly model: NewDeploymentViewModel;
  readonly preview: YamlPreview;

  /** Scrolls to and focuses an input, opening "Advanced" when it is inside. */
  showField(id: string): void {
    const input = this.node.querySelector<HTMLElement>(`#${CSS.escape(id)}`);
    if (!input) {
      return;
    }
    const details = input.closest('details');
    if (details && !details.open) {
      details.open = true;
    }
    input.scrollIntoView({ block: 'center' });
    input.focus();
  }

  /** The toolbar items of the panel's main-area widget. */
  toolbarItems(): { name: string; widget: ToolbarButton }[] {
    const { trans, contents, commands } = this._options;
    const fileName = (suffix: string) =>
      `${this.model.spec.name || 'deployment'}${suffix}.yaml`;
    return [
      {
        name: 'export-spec',
        widget: new ToolbarButton({
          icon: saveIcon,
          label: trans.__('Export spec'),
          tooltip: trans.__(
            'Save the spec to a file in the workspace (for jupyterlab-lws render and GitOps)'
          ),
          onClick: () =>
            void exportToWorkspace({
              contents,
              commands,
              trans,
              title: trans.__('Export the deployment spec'),
              defaultPath: fileName(''),
              text: this.model.renderSpecYaml
            })
        })
      },
      {
        name: 'export-manifests',
        widget: new ToolbarButton({
          icon: saveIcon,
          label: trans.__('Export manifests'),
          tooltip: trans.__(
            'Save the LeaderWorkerSet and Service manifests to a file in the workspace (no token)'
          ),
          onClick: () =>
            void exportToWorkspace({
              contents,
              commands,
              trans,
              title: trans.__('Export the manifests'),
              defaultPath: fileName('-manifests'),
              text: this.model.manifestsYaml
            })
        })
      },
      {
        name: 'copy-spec',
        widget: new ToolbarButton({
          icon: copyIcon,
          label: trans.__('Copy spec'),
          tooltip: trans.__(
            'Copy the spec as a self-contained file for `npx jupyterlab-lws render`'
          ),
          onClick: () =>
            copyText(
              this.model.renderSpecYaml,
              trans.__(
                'Copied the spec; render it with npx jupyterlab-lws render <file>.'
              )
            )
        })
      },
      {
        name: 'reset',
        widget: new ToolbarButton({
          icon: undoIcon,
          label: trans.__('Reset'),
          tooltip: editOf(this.model)
            ? trans.__('Back to the deployment as it is')
            : trans.__('Back to the cluster profile’s defaults'),
          onClick: () =>
            void confirmReset(trans, editOf(this.model) !== null).then(
              reset => {
                if (reset) {
                  this.model.reset();
                }
              }
            )
        })
      }
    ];
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    super.dispose();
    this.model.dispose();
  }

  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    // Only when the form opens: a later activation is often a click on one of its buttons
    // (Deploy), and moving the focus then scrolls the form so the click lands elsewhere.
    if (!this._openedOnce) {
      this._openedOnce = true;
      this._focusModel(10);
    }
  }

  /** Focuses the model input; React may render it a few frames after activation. */
  private _focusModel(attempts: number): void {
    // MainAreaWidget focuses the panel's own node first; keep a focus inside it.
    const active = document.activeElement;
    if (
      this.isDisposed ||
      (active !== this.node && this.node.contains(active))
    ) {
      return;
    }
    const input = this.node.querySelector<HTMLElement>('#jp-lws-new-model');
    if (input) {
      input.focus();
    } else if (attempts > 0) {
      requestAnimationFrame(() => this._focusModel(attempts - 1));
    }
  }

  private _actions(): IApplyActions {
    return {
      showSidebar: () => this._options.showSidebar(),
      dismiss: () => this.model.dismissApplyState()
    };
  }

  private _fix(fix: Partial<IDeploymentSpec>): void {
    this.model.applyFix(fix);
  }

  private async _deploy(): Promise<void> {
    const { trans } = this._options;
    const edit = editOf(this.model);
    if (edit) {
      await edit.applyChanges(review => confirmEdit(review, trans));
      const state = edit.applyState;
      if (state.phase === 'done' && state.outcome.status === 'applied') {
        Notification.success(
          trans.__('Applied the changes to %1.', edit.name),
          {
            autoClose: 5000
          }
        );
      }
      return;
    }
    await this.model.deploy(
      existing => confirmReplace(existing, trans),
      check => confirmOverQuota(check, trans)
    );
    const state = this.model.applyState;
    if (state.phase !== 'done') {
      return;
    }
    // Short, token-free summaries; the panel shows the details.
    switch (state.outcome.status) {
      case 'applied':
        Notification.success(
          trans.__('Deployed %1 to %2.', state.name, state.namespace),
          {
            autoClose: 5000,
            actions: [
              {
                label: trans.__('Show in sidebar'),
                callback: () => this._options.showSidebar()
              }
            ]
          }
        );
        break;
      case 'refused':
        Notification.error(
          trans.__('The cluster refused %1; nothing was changed.', state.name),
          { autoClose: 5000 }
        );
        break;
      case 'failed':
        Notification.error(
          trans.__('Deploying %1 failed and was rolled back.', state.name),
          { autoClose: 5000 }
        );
        break;
    }
  }

  private readonly _options: INewDeploymentPanelOptions;
  private readonly _form: FormView;
  private _openedOnce = false;
}

/** The form, re-rendered on model and cluster-context changes. */
class FormView extends ReactWidget {
  constructor(
    private readonly _options: INewDeploymentPanelOptions,
    private readonly _applyActions: IApplyActions,
    private readonly _onDeploy: () => Promise<void>
  ) {
    super();
  }

  render(): JSX.Element {
    const { model, trans } = this._options;
    return (
      <UseSignal signal={model.changed}>
        {() => (
          <NewDeploymentForm
            model={model}
            trans={trans}
            actions={this._applyActions}
            onDeploy={() => void this._onDeploy()}
            onOpenLiveYaml={() => void this._openLiveYaml()}
            modelNote={repo => (
              <ModelCacheNote
                commands={this._options.commands}
                repo={repo}
                trans={trans}
              />
            )}
          />
        )}
      </UseSignal>
    );
  }

  /** Saves an edited deployment's live objects to a workspace file, to edit and apply. */
  private async _openLiveYaml(): Promise<void> {
    const { model, contents, commands, trans } = this._options;
    const edit = editOf(model);
    if (!edit) {
      return;
    }
    const path = await exportToWorkspace({
      contents,
      commands,
      trans,
      title: trans.__('Save the live objects of %1', edit.name),
      defaultPath: `${edit.name}-live.yaml`,
      text:
        `# ${edit.name} as it is in the cluster; apply your changes with:\n` +
        `#   kubectl apply --server-side -f ${edit.name}-live.yaml\n` +
        edit.liveYaml
    });
    if (path) {
      void commands.execute('docmanager:open', { path });
    }
  }
}

/** The advice, re-rendered on model changes. */
class AdviceView extends ReactWidget {
  constructor(
    private readonly _model: NewDeploymentViewModel,
    private readonly _trans: TranslationBundle,
    private readonly _onFix: (fix: Partial<IDeploymentSpec>) => void,
    private readonly _onShowField: (id: string) => void
  ) {
    super();
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this._model.changed}>
        {() => (
          <>
            <QuotaNote
              check={this._model.quotaCheck}
              error={this._model.quotaError}
              trans={this._trans}
            />
            <AdvicePanel
              advice={this._model.advice}
              issues={this._model.issues}
              model={this._model.values.model}
              settingsProblems={this._model.settingsProblems}
              rejectedEdit={this._model.yamlEdit?.issues.length ?? 0}
              trans={this._trans}
              onFix={this._onFix}
              onShowField={this._onShowField}
            />
          </>
        )}
      </UseSignal>
    );
  }
}

/** The main-area widget around a panel, with its toolbar. */
export function wrapPanel(
  panel: NewDeploymentPanel,
  trans: TranslationBundle
): MainAreaWidget<NewDeploymentPanel> {
  const widget = new MainAreaWidget({ content: panel });
  const edit = editOf(panel.model);
  if (edit) {
    widget.id = `jp-lws-edit-deployment-${edit.name}`;
    widget.title.label = trans.__('Edit %1', edit.name);
    widget.title.caption = trans.__(
      'Edit the multi-node deployment %1',
      edit.name
    );
  } else {
    widget.id = 'jp-lws-new-deployment';
    widget.title.label = trans.__('New Deployment');
    widget.title.caption = trans.__('New multi-node deployment');
  }
  widget.title.icon = lwsIcon;
  widget.title.closable = true;
  widget.addClass('jp-lws-NewDeploymentWidget');
  for (const { name, widget: item } of panel.toolbarItems()) {
    widget.toolbar.addItem(name, item);
  }
  return widget;
}
