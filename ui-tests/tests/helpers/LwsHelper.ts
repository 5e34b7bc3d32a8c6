/**
 * The page object of jupyterlab-lws: tests read as user steps, and every selector lives here.
 */
import type {
  IJupyterLabPageFixture,
  JupyterLabPage
} from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

import { DeploymentsHelper } from './DeploymentsHelper';
import { NewDeploymentHelper } from './NewDeploymentHelper';

export class LwsHelper {
  constructor(readonly page: IJupyterLabPageFixture) {}

  /** The sidebar panel. */
  get sidebar(): Locator {
    return this.page.locator('#jp-lws-sidebar');
  }

  /** Opens the multi-node serving sidebar from its tab in the left bar. */
  async openSidebar(): Promise<void> {
    await this.page
      .locator('.jp-SideBar.jp-mod-left [data-id="jp-lws-sidebar"]')
      .click();
    await this.sidebar.waitFor({ state: 'visible' });
  }

  /**
   * Reloads the page and waits for JupyterLab, not for a Launcher: the restored layout
   * brings back the open deployment and chat tabs instead (galata waits for a Launcher).
   */
  async reload(): Promise<void> {
    await (this.page as unknown as JupyterLabPage).reload({
      waitForIsReady: false
    });
    await this.page
      .locator('#jupyterlab-splash')
      .waitFor({ state: 'detached' });
  }

  /** The namespace the sidebar says it is connected to. */
  namespace(): Locator {
    return this.sidebar.getByTestId('lws-namespace');
  }

  /** The line that says whether LeaderWorkerSet is installed. */
  lwsInstalled(): Locator {
    return this.sidebar.getByTestId('lws-installed');
  }

  /** The statement that the account has every right it needs. */
  permissionsOk(): Locator {
    return this.sidebar.getByTestId('lws-permissions-ok');
  }

  /** The list of missing rights with the admin commands. */
  missingRights(): Locator {
    return this.sidebar.getByTestId('lws-missing-rights');
  }

  /** The new-deployment panel (its selectors live in NewDeploymentHelper). */
  newDeployment(): NewDeploymentHelper {
    return new NewDeploymentHelper(this.page);
  }

  /** The sidebar's deployments, detail and log view (selectors in DeploymentsHelper). */
  deployments(): DeploymentsHelper {
    return new DeploymentsHelper(this.page);
  }
}
