import type { Diagnostic } from '@codemirror/lint';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import type { IEditorServices } from '@jupyterlab/codeeditor';
import { CodeEditor, CodeEditorWrapper } from '@jupyterlab/codeeditor';
import type { CodeMirrorEditor } from '@jupyterlab/codemirror';
import type { TranslationBundle } from '@jupyterlab/translation';
import { Button, ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { PanelLayout, Widget } from '@lumino/widgets';
import React from 'react';

import type { ISpecMark } from '../../model/specMarks';
import type { NewDeploymentViewModel } from './viewModel';
import { translateData } from '../translateData';

/** The preview's two views. */
export type PreviewTab = 'spec' | 'manifests';

/** Delay before a YAML edit is read, so typing is not interrupted, in ms. */
const EDIT_DELAY = 300;

/**
 * The YAML preview: the spec (editable, two-way with the form) and the manifests it renders
 * (read only), in JupyterLab's editor with YAML highlighting.
 *
 * #### Notes
 * The spec editor's text follows the form unless the user is editing it: an edit is read
 * after a pause and either applied to the form or shown as parse or validation errors, in
 * a list above the editor and as CodeMirror lint markers on their lines (`@codemirror/lint`,
 * which JupyterLab does not share, so it is bundled; it uses JupyterLab's shared
 * `@codemirror/state` and `@codemirror/view`, and is pinned to 6.8.2, the newest release
 * that works with the `@codemirror/view` 6.26 of JupyterLab 4.2).
 */
export class YamlPreview extends Widget {
  constructor(options: YamlPreview.IOptions) {
    super();
    this.addClass('jp-lws-YamlPreview');
    this._model = options.model;
    this._trans = options.trans;
    // A CSS flex column (style/base.css): the header takes the height its content needs,
    // which a Lumino BoxLayout cannot know for a React widget.
    const layout = new PanelLayout();
    this.layout = layout;

    this._header = new PreviewHeaderWidget(this._model, this._trans, tab =>
      this.showTab(tab)
    );
    this._header.addClass('jp-lws-YamlPreview-header');
    layout.addWidget(this._header);

    this._specEditor = createEditor(options.editorServices, false);
    this._specEditor.addClass('jp-lws-YamlPreview-spec');
    this._specEditor.node.dataset.testid = 'lws-preview-spec';
    this._codeMirror(this._specEditor).injectExtension(lintGutter());
    labelEditor(
      this._specEditor,
      this._trans.__('Deployment spec (YAML, editable)')
    );
    this._manifestsEditor = createEditor(options.editorServices, true);
    this._manifestsEditor.addClass('jp-lws-YamlPreview-manifests');
    this._manifestsEditor.node.dataset.testid = 'lws-preview-manifests';
    labelEditor(
      this._manifestsEditor,
      this._trans.__('Kubernetes manifests (YAML, read only)')
    );
    for (const editor of [this._specEditor, this._manifestsEditor]) {
      layout.addWidget(editor);
    }
    this._manifestsEditor.hide();

    this._specEditor.model.sharedModel.changed.connect(this._onEdit, this);
    this._model.previewChanged.connect(this._sync, this);
    this._model.changed.connect(this._onModelChanged, this);
    this._sync();
  }

  /** The active tab. */
  get tab(): PreviewTab {
    return this._tab;
  }

  /** Shows one of the two views. */
  showTab(tab: PreviewTab): void {
    this._tab = tab;
    this._header.tab = tab;
    this._specEditor.setHidden(tab !== 'spec');
    this._manifestsEditor.setHidden(tab !== 'manifests');
    (tab === 'spec' ? this._specEditor : this._manifestsEditor).update();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    clearTimeout(this._editTimer);
    this._model.previewChanged.disconnect(this._sync, this);
    this._model.changed.disconnect(this._onModelChanged, this);
    super.dispose();
  }

  private _onEdit(): void {
    if (this._settingText) {
      return;
    }
    clearTimeout(this._editTimer);
    this._editTimer = setTimeout(() => {
      if (!this.isDisposed) {
        this._model.editYaml(this._specEditor.model.sharedModel.getSource());
      }
    }, EDIT_DELAY);
  }

  /** After a revert the spec editor must show the form's YAML again. */
  private _onModelChanged(): void {
    if (!this._model.yamlEdit && !this._model.editedInYaml) {
      this._sync();
    }
    this._showMarks();
  }

  /**
   * The rejected edit's problems as lint markers. Markers of an older text stay (CodeMirror
   * moves them with the typing) until the newer text has been read.
   */
  private _showMarks(): void {
    const view = this._codeMirror(this._specEditor).editor;
    const edit = this._model.yamlEdit;
    let marks: readonly ISpecMark[];
    if (!edit) {
      marks = [];
    } else if (edit.text === view.state.doc.toString()) {
      marks = edit.marks;
    } else {
      return;
    }
    if (marks === this._shownMarks) {
      return;
    }
    this._shownMarks = marks;
    const diagnostics = marks.map((mark): Diagnostic => {
      const message = translateData(this._trans, mark.message);
      return {
        from: mark.from,
        to: mark.to,
        // Each keeps the edit out of the form (an unknown field too): all are errors here.
        severity: 'error',
        source: 'jupyterlab-lws',
        message,
        // As text, in an element style/new-deployment.css can find: JupyterLab attaches
        // editor tooltips to the page's body, outside this widget.
        renderMessage: () => {
          const node = document.createElement('span');
          node.className = 'jp-lws-LintMessage';
          node.textContent = message;
          return node;
        }
      };
    });
    view.dispatch(setDiagnostics(view.state, diagnostics));
  }

  private _codeMirror(wrapper: CodeEditorWrapper): CodeMirrorEditor {
    // The editor services of JupyterLab 4 make CodeMirror 6 editors.
    return wrapper.editor as CodeMirrorEditor;
  }

  private _sync(): void {
    if (!this._model.yamlEdit && !this._model.editedInYaml) {
      this._setText(this._specEditor, this._model.specYaml);
    }
    this._setText(this._manifestsEditor, this._model.manifestsYaml);
  }

  private _setText(editor: CodeEditorWrapper, text: string): void {
    const shared = editor.model.sharedModel;
    if (shared.getSource() === text) {
      return;
    }
    // A user edit waiting to be read would otherwise be read after being replaced.
    if (editor === this._specEditor) {
      clearTimeout(this._editTimer);
    }
    this._settingText = true;
    try {
      shared.setSource(text);
    } finally {
      this._settingText = false;
    }
  }

  private readonly _model: NewDeploymentViewModel;
  private readonly _trans: TranslationBundle;
  private readonly _header: PreviewHeaderWidget;
  private readonly _specEditor: CodeEditorWrapper;
  private readonly _manifestsEditor: CodeEditorWrapper;
  private _tab: PreviewTab = 'spec';
  private _shownMarks: readonly ISpecMark[] = [];
  private _settingText = false;
  private _editTimer: ReturnType<typeof setTimeout> | undefined;
}

/** The statics of {@link YamlPreview}. */
export namespace YamlPreview {
  /** Options of the preview. */
  export interface IOptions {
    model: NewDeploymentViewModel;
    editorServices: IEditorServices;
    trans: TranslationBundle;
  }
}

/** The tabs and the sync status above the editors. */
class PreviewHeaderWidget extends ReactWidget {
  constructor(
    private readonly _model: NewDeploymentViewModel,
    private readonly _trans: TranslationBundle,
    private readonly _onTab: (tab: PreviewTab) => void
  ) {
    super();
  }

  get tab(): PreviewTab {
    return this._tab;
  }

  set tab(tab: PreviewTab) {
    this._tab = tab;
    this.update();
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this._model.changed}>
        {() => (
          <PreviewHeader
            model={this._model}
            tab={this._tab}
            trans={this._trans}
            onTab={this._onTab}
          />
        )}
      </UseSignal>
    );
  }

  private _tab: PreviewTab = 'spec';
}

// The label goes on the editable text (CodeMirror's .cm-content, role textbox), which a screen
// reader announces, not only on the box around it.
function labelEditor(wrapper: CodeEditorWrapper, label: string): void {
  wrapper.node.setAttribute('aria-label', label);
  wrapper.editor.host
    .querySelector('.cm-content')
    ?.setAttribute('aria-label', label);
}

function createEditor(
  services: IEditorServices,
  readOnly: boolean
): CodeEditorWrapper {
  const model = new CodeEditor.Model({
    mimeType: services.mimeTypeService.getMimeTypeByFilePath('spec.yaml')
  });
  return new CodeEditorWrapper({
    model,
    factory: services.factoryService.newDocumentEditor,
    editorOptions: {
      config: { readOnly, lineNumbers: true, lineWrap: false }
    }
  });
}

function PreviewHeader(props: {
  model: NewDeploymentViewModel;
  tab: PreviewTab;
  trans: TranslationBundle;
  onTab: (tab: PreviewTab) => void;
}): JSX.Element {
  const { model, tab, trans } = props;
  const edit = model.yamlEdit;
  const tabButton = (id: PreviewTab, label: string) => (
    <button
      type="button"
      role="tab"
      aria-selected={tab === id}
      className={`jp-lws-YamlPreview-tab${tab === id ? ' jp-mod-current' : ''}`}
      data-testid={`lws-preview-tab-${id}`}
      onClick={() => props.onTab(id)}
    >
      {label}
    </button>
  );
  return (
    <div>
      <div
        className="jp-lws-YamlPreview-tabs"
        role="tablist"
        aria-label={trans.__('Preview')}
      >
        {tabButton('spec', trans.__('Spec (editable)'))}
        {tabButton('manifests', trans.__('Manifests'))}
      </div>
      {edit ? (
        <div
          className="jp-lws-YamlPreview-status jp-lws-mod-error"
          data-testid="lws-preview-errors"
          role="alert"
        >
          <strong>
            {trans.__(
              'Your YAML edit is not applied to the form: fix it, or revert to the form.'
            )}
          </strong>
          <ul>
            {edit.marks.map(mark => (
              <li
                key={`${mark.from}:${mark.id}:${mark.message}`}
                data-issue={mark.id}
                data-line={mark.line}
              >
                {mark.id === 'yaml-syntax'
                  ? trans.__(
                      'Line %1, column %2: %3',
                      mark.line,
                      mark.column,
                      translateData(trans, mark.message)
                    )
                  : trans.__(
                      'Line %1: %2',
                      mark.line,
                      translateData(trans, mark.message)
                    )}
              </li>
            ))}
          </ul>
          <Button
            className="jp-mod-styled jp-mod-reject"
            small
            data-testid="lws-preview-revert"
            onClick={() => model.revertYaml()}
          >
            {trans.__('Revert to the form')}
          </Button>
        </div>
      ) : (
        <p
          className="jp-lws-YamlPreview-status"
          data-testid="lws-preview-status"
        >
          {tab === 'spec'
            ? model.editedInYaml
              ? trans.__('Your YAML edit is applied to the form.')
              : trans.__(
                  'Follows the form; edit it to change the form. The token is never shown.'
                )
            : trans.__(
                'What Deploy applies (server-side, after a dry run); no token value is shown.'
              )}
        </p>
      )}
    </div>
  );
}
