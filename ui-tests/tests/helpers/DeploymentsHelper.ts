/**
 * The page object of the sidebar's deployments: the list, a deployment's detail, its actions
 * and dialogs, and the log view. Every selector of those views lives here.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Download, Locator } from '@playwright/test';

export class DeploymentsHelper {
  constructor(readonly page: IJupyterLabPageFixture) {}

  /** The sidebar panel. */
  get sidebar(): Locator {
    return this.page.locator('#jp-lws-sidebar');
  }

  /** The sidebar's content, as tall as what it shows (for screenshots). */
  content(): Locator {
    return this.sidebar.locator('.jp-lws-Sidebar-content');
  }

  /** The list of deployments. */
  list(): Locator {
    return this.sidebar.getByTestId('lws-deployment-list');
  }

  /** The row of a deployment (its `data-state` holds the state id, e.g. Ready). */
  row(name: string): Locator {
    return this.sidebar.getByTestId(`lws-deployment-${name}`);
  }

  /** The state badge of a row. */
  rowState(name: string): Locator {
    return this.row(name).getByTestId('lws-state');
  }

  /** "ready/desired" of a row. */
  rowReady(name: string): Locator {
    return this.row(name).getByTestId('lws-ready');
  }

  /** "held/requested GPUs" of a row. */
  rowGpus(name: string): Locator {
    return this.row(name).getByTestId('lws-gpus');
  }

  /** The loading progress bar of a row. */
  rowProgress(name: string): Locator {
    return this.row(name).getByTestId('lws-progress');
  }

  /** The first diagnosis of a row (`data-diagnosis-id`). */
  rowDiagnosis(name: string): Locator {
    return this.row(name).getByTestId('lws-row-diagnosis');
  }

  /** The notice that the account may not watch LeaderWorkerSets. */
  forbidden(): Locator {
    return this.sidebar.getByTestId('lws-list-forbidden');
  }

  /** The button that makes up a row (what the keyboard focuses). */
  rowButton(name: string): Locator {
    return this.row(name).getByRole('button');
  }

  /** Opens a deployment's detail from its row, with the keyboard. */
  async open(name: string): Promise<void> {
    await this.rowButton(name).focus();
    await this.page.keyboard.press('Enter');
    await this.detail().waitFor({ state: 'visible' });
  }

  /**
   * The detail of the open deployment (`data-name`, `data-state`): the main-area tab shown
   * now (a deployment's detail is a tab; the sidebar keeps the list).
   */
  detail(): Locator {
    return this.page
      .locator('.jp-lws-DeploymentTab:not(.lm-mod-hidden)')
      .getByTestId('lws-detail');
  }

  /** The main-area tab of a deployment. */
  tab(name: string): Locator {
    return this.page.locator(`#jp-lws-deployment-${name}`);
  }

  /** Back to the list alone: closes the deployment tabs (the sidebar always has the list). */
  async back(): Promise<void> {
    await this.page.evaluate(() => {
      const shell = (window as any).jupyterapp.shell;
      for (const widget of Array.from(shell.widgets('main')) as any[]) {
        if (String(widget.id).startsWith('jp-lws-deployment-')) {
          widget.close();
        }
      }
    });
    await this.page.locator('.jp-lws-DeploymentTab').first().waitFor({
      state: 'detached'
    });
  }

  /** The plain-words reason of the state. */
  reason(): Locator {
    return this.detail().getByTestId('lws-reason');
  }

  /** A diagnosis card in the detail. */
  diagnosis(id: string): Locator {
    return this.detail().locator(
      `[data-testid="lws-diagnosis"][data-diagnosis-id="${id}"]`
    );
  }

  /** The fix of a diagnosis. */
  diagnosisFix(id: string): Locator {
    return this.diagnosis(id).getByTestId('lws-diagnosis-fix');
  }

  /** A pod's row in the detail (`data-ready`). */
  pod(name: string): Locator {
    return this.detail().getByTestId(`lws-pod-${name}`);
  }

  /** A group of the detail (`data-ready`). */
  group(index: number): Locator {
    return this.detail().getByTestId(`lws-group-${index}`);
  }

  /** The events of the detail, newest first (`data-type` Warning or Normal). */
  events(): Locator {
    return this.detail().getByTestId('lws-event');
  }

  /** The endpoint's Service:port. */
  endpointService(): Locator {
    return this.detail().getByTestId('lws-endpoint-service');
  }

  /** Whether the endpoint answers. */
  endpointAnswer(): Locator {
    return this.detail().getByTestId('lws-endpoint-answer');
  }

  /** An action button of the detail: scale, logs, nccl-off, delete, copy-endpoint, copy-curl. */
  action(
    id: 'scale' | 'logs' | 'nccl-off' | 'delete' | 'copy-endpoint' | 'copy-curl'
  ): Locator {
    return this.detail().getByTestId(`lws-action-${id}`);
  }

  /** The restart button of a group. */
  restartGroup(index: number): Locator {
    return this.detail().getByTestId(`lws-restart-group-${index}`);
  }

  /** The result line of the last action. */
  actionResult(): Locator {
    return this.detail().getByTestId('lws-action-result');
  }

  /**
   * JupyterLab's success notification (toast) carrying `text`: how an action reports its
   * outcome once every request it made is answered, even after its deployment left the list.
   */
  successNotification(text: string): Locator {
    return this.page.locator('.jp-Notification-Toast-success', {
      hasText: text
    });
  }

  /** The notice that the shown deployment was deleted. */
  departed(): Locator {
    return this.sidebar.getByTestId('lws-departed');
  }

  /** The open dialog. */
  dialog(): Locator {
    return this.page.locator('.jp-Dialog');
  }

  /** The checkbox in the open dialog's footer. */
  dialogCheckbox(): Locator {
    return this.dialog().getByRole('checkbox');
  }

  /** Accepts the open dialog with its labelled button. */
  async confirm(label: string): Promise<void> {
    await this.dialog()
      .locator('.jp-Dialog-button', { hasText: label })
      .click();
    await this.dialog().waitFor({ state: 'detached' });
  }

  /** Types a number into the open input dialog and accepts it. */
  async enterNumber(value: number, label: string): Promise<void> {
    const input = this.dialog().locator('input');
    await input.fill(String(value));
    await this.confirm(label);
  }

  /** The "Group log" button of a group: all its pods' logs in one view. */
  groupLogButton(index: number): Locator {
    return this.detail().getByTestId(`lws-group-log-${index}`);
  }

  /** The merged log view of a group in the main area (`data-group`). */
  groupLog(): Locator {
    return this.page.getByTestId('lws-group-log');
  }

  /** The merged view's shown lines: `time role │ text`, in time order. */
  groupLogLines(): Locator {
    return this.groupLog().getByTestId('lws-log-line');
  }

  /** The pods the merged view follows (`data-pod`, `data-state`: e.g. streaming). */
  groupLogPods(): Locator {
    return this.groupLog().getByTestId('lws-group-log-pod');
  }

  /** The log view in the main area. */
  logs(): Locator {
    return this.page.getByTestId('lws-logs');
  }

  /** The shown log lines (rendered window only). */
  logLines(): Locator {
    return this.logs().getByTestId('lws-log-line');
  }

  /** The scroller of the log view; `data-count` is the number of shown lines. */
  logScroller(): Locator {
    return this.logs().getByTestId('lws-log-lines');
  }

  /** The status line of the log view. */
  logStatus(): Locator {
    return this.logs().getByTestId('lws-logs-status');
  }

  /** Filters the log view. */
  async searchLog(text: string): Promise<void> {
    await this.logs().getByTestId('lws-logs-search').fill(text);
  }

  /** The log view of one pod (`data-state`: the stream's state, e.g. streaming, paused). */
  logView(pod: string): Locator {
    return this.page.locator(`[data-testid="lws-logs"][data-pod="${pod}"]`);
  }

  /** The "Follow" control of a log view paused for want of a connection. */
  logResume(pod: string): Locator {
    return this.logView(pod).getByTestId('lws-logs-resume');
  }

  /** Closes a log view's tab with its close icon. */
  async closeLogTab(pod: string): Promise<void> {
    await this.page
      .locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
        hasText: new RegExp(`^Log: ${pod}$`)
      })
      .locator('.lm-TabBar-tabCloseIcon')
      .click();
    await this.logView(pod).waitFor({ state: 'detached' });
  }

  /** Puts the open log views side by side in the main area (each visible at once). */
  async logsSideBySide(): Promise<void> {
    await this.page.evaluate(() => {
      const app = (window as any).jupyterapp;
      const views = [...app.shell.widgets('main')].filter((widget: any) =>
        widget.id.startsWith('jp-lws-logs-')
      );
      for (let i = 1; i < views.length; i++) {
        app.shell.add(views[i], 'main', {
          mode: 'split-right',
          ref: views[i - 1].id
        });
      }
    });
  }

  /** Downloads the kept log lines. */
  async downloadLog(): Promise<Download> {
    const download = this.page.waitForEvent('download');
    await this.logs().getByTestId('lws-logs-download').click();
    return download;
  }
}
