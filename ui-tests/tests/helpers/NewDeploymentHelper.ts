/**
 * The page object of the new-deployment panel: opening it, filling the form, reading the
 * advice and the preview, deploying. Every selector of the panel lives here.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

/** A form input, by its key in the form values (src/model/formState.ts). */
export type FormField =
  | 'profileId'
  | 'name'
  | 'engine'
  | 'model'
  | 'nodes'
  | 'gpusPerNode'
  | 'hfTokenSecret'
  | 'tensorParallel'
  | 'pipelineParallel'
  | 'replicas'
  | 'port'
  | 'serviceName'
  | 'image';

export class NewDeploymentHelper {
  constructor(readonly page: IJupyterLabPageFixture) {}

  /** The panel in the main area. */
  get panel(): Locator {
    return this.page.locator('#jp-lws-new-deployment');
  }

  /** Opens the panel from its tile in the launcher. */
  async openFromLauncher(): Promise<void> {
    await this.page
      .locator('.jp-Launcher')
      .first()
      .waitFor({ state: 'visible' });
    await this.page
      .locator(
        '.jp-LauncherCard[title^="Deploy an LLM over several GPU nodes"]'
      )
      .click();
    await this.waitForPanel();
  }

  /** Opens the panel with the "+" in the sidebar's header. */
  async openFromSidebar(): Promise<void> {
    await this.page
      .locator('.jp-SideBar.jp-mod-left [data-id="jp-lws-sidebar"]')
      .click();
    await this.page
      .locator('#jp-lws-sidebar [data-testid="lws-sidebar-new-deployment"]')
      .click();
    await this.waitForPanel();
  }

  /** Opens the panel through the command palette. */
  async openFromPalette(): Promise<void> {
    await this.page.keyboard.press('Control+Shift+C');
    const palette = this.page.locator('#command-palette');
    await palette.locator('.lm-CommandPalette-input').fill('New Multi-node');
    await palette
      .locator('.lm-CommandPalette-item', {
        hasText: 'New Multi-node Deployment'
      })
      .click();
    await this.waitForPanel();
  }

  /** Waits until the form knows the cluster's namespace. */
  async waitForPanel(): Promise<void> {
    await this.panel.waitFor({ state: 'visible' });
    await this.namespace().waitFor({ state: 'visible' });
  }

  /** The input (or select) of a form field. */
  input(field: FormField): Locator {
    return this.panel.getByTestId(`lws-new-${field}`);
  }

  /** Types into a text or number field (replacing what it holds). */
  async fill(field: FormField, value: string): Promise<void> {
    await this.input(field).fill(value);
  }

  /** The input of a text or number field, for its value. */
  value(field: FormField): Locator {
    return this.input(field);
  }

  /** Picks an option of a select field. */
  async select(field: FormField, value: string): Promise<void> {
    await this.input(field).selectOption(value);
  }

  /** Types the Hugging Face token into its password field. */
  async fillToken(token: string): Promise<void> {
    await this.tokenInput().fill(token);
  }

  /** The token's password field. */
  tokenInput(): Locator {
    return this.panel.getByTestId('lws-new-token');
  }

  /** "Deploys into namespace ...". */
  namespace(): Locator {
    return this.panel.getByTestId('lws-new-namespace');
  }

  /** The notice that the account lacks rights to deploy. */
  missingRightsNotice(): Locator {
    return this.panel.getByTestId('lws-new-missing-rights');
  }

  /** Error messages shown under a field. */
  fieldErrors(field: FormField): Locator {
    return this.panel.getByTestId(`lws-new-error-${field}`);
  }

  /** "2 nodes x 4 GPUs = 8 L40S". */
  gpuSummary(): Locator {
    return this.panel.getByTestId('lws-advice-gpus');
  }

  /** The sizing plan. */
  plan(): Locator {
    return this.panel.getByTestId('lws-advice-plan');
  }

  /** The advice's note that a YAML edit is not applied (and the advice is about the form). */
  adviceEditRejected(): Locator {
    return this.panel.getByTestId('lws-advice-edit-rejected');
  }

  /** The advice's "No problems". */
  adviceOk(): Locator {
    return this.panel.getByTestId('lws-advice-ok');
  }

  /** One issue of the advice, by its rule id. */
  issue(id: string): Locator {
    return this.panel.locator(
      `[data-testid="lws-advice-issue"][data-issue="${id}"]`
    );
  }

  /** A tab of the preview. */
  previewTab(tab: 'spec' | 'manifests'): Locator {
    return this.panel.getByTestId(`lws-preview-tab-${tab}`);
  }

  /** The editor of a preview tab (its visible lines). */
  previewEditor(tab: 'spec' | 'manifests'): Locator {
    return this.panel.getByTestId(`lws-preview-${tab}`);
  }

  /** The whole text of a preview editor (CodeMirror only renders visible lines). */
  async previewText(tab: 'spec' | 'manifests'): Promise<string> {
    const editor = this.previewEditor(tab).locator('.cm-content');
    return editor.evaluate(node => {
      // The EditorView behind the DOM (EditorView.findFromDOM without importing it); the
      // property moved between CodeMirror 6 releases.
      const dom = node as any;
      const view =
        dom.cmTile?.root?.view ??
        dom.cmView?.rootView?.view ??
        dom.cmView?.view;
      return view
        ? (view.state.doc.toString() as string)
        : (node as HTMLElement).innerText;
    });
  }

  /** Replaces the spec YAML with `text`, as a paste would. */
  async replaceSpecYaml(text: string): Promise<void> {
    await this.previewTab('spec').click();
    await this.previewEditor('spec').locator('.cm-content').click();
    await this.page.keyboard.press('Control+A');
    await this.page.keyboard.insertText(text);
  }

  /**
   * The lint markers of a rejected YAML edit in the spec editor: the marked ranges
   * (CodeMirror's `.cm-lintRange-error`), one per problem.
   */
  lintRanges(): Locator {
    return this.previewEditor('spec').locator('.cm-lintRange-error');
  }

  /** The lint markers in the spec editor's gutter, one per line with problems. */
  lintGutterMarkers(): Locator {
    return this.previewEditor('spec').locator(
      '.cm-gutter-lint .cm-lint-marker'
    );
  }

  /** The 1-based line of the spec editor a marked range is on. */
  async lineOf(range: Locator): Promise<number> {
    return range.evaluate(node => {
      const line = node.closest('.cm-line');
      const lines = [...(line?.parentElement?.children ?? [])].filter(child =>
        child.classList.contains('cm-line')
      );
      return line ? lines.indexOf(line) + 1 : 0;
    });
  }

  /** The tooltip CodeMirror shows with the lint messages of the hovered marker. */
  lintTooltip(): Locator {
    return this.page.locator('.cm-tooltip-lint');
  }

  /** The problems of a rejected YAML edit as listed above the editor (`data-line`). */
  previewProblems(): Locator {
    return this.previewErrors().locator('li[data-issue]');
  }

  /** The box that says a YAML edit is not applied, with its reasons. */
  previewErrors(): Locator {
    return this.panel.getByTestId('lws-preview-errors');
  }

  /** "Revert to the form". */
  revertButton(): Locator {
    return this.panel.getByTestId('lws-preview-revert');
  }

  /** The Deploy button. */
  deployButton(): Locator {
    return this.panel.getByTestId('lws-new-deploy');
  }

  /** Why Deploy is disabled. */
  deployBlocker(): Locator {
    return this.panel.getByTestId('lws-new-blocker');
  }

  /** The progress and outcome of Deploy (`data-status`: running, applied, refused, failed). */
  applyStatus(): Locator {
    return this.panel.getByTestId('lws-apply-status');
  }

  /** The outcome's list of objects. */
  appliedObjects(): Locator {
    return this.panel.getByTestId('lws-apply-objects').locator('li');
  }

  /** The admin commands shown after an RBAC refusal. */
  adminCommands(): Locator {
    return this.panel.getByTestId('lws-apply-admin-commands');
  }

  /** A button of the panel's toolbar, by its label. */
  toolbarButton(label: string): Locator {
    return this.page
      .locator('#jp-lws-new-deployment .jp-Toolbar')
      .getByRole('button', { name: label });
  }
}
