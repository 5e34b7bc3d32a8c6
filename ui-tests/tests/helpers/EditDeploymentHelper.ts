/**
 * The page object of the form in edit mode (one tab per edited deployment) and of its review
 * dialog. Every selector of those views lives here.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

import type { FormField } from './NewDeploymentHelper';

export class EditDeploymentHelper {
  constructor(
    readonly page: IJupyterLabPageFixture,
    readonly name: string
  ) {}

  /** The edit tab of the deployment. */
  get panel(): Locator {
    return this.page.locator(`#jp-lws-edit-deployment-${this.name}`);
  }

  /** The Edit button of the deployment's tab. */
  editButton(): Locator {
    return this.page
      .locator(`#jp-lws-deployment-${this.name}`)
      .getByTestId('lws-action-edit');
  }

  /** The form's heading. */
  title(): Locator {
    return this.panel.getByTestId('lws-new-title');
  }

  /** Where the values came from (the spec this form deployed, or read back). */
  source(): Locator {
    return this.panel.getByTestId('lws-edit-source');
  }

  /** The list of settings the form cannot express, with the live-YAML button. */
  unexpressed(): Locator {
    return this.panel.getByTestId('lws-edit-unexpressed');
  }

  input(field: FormField): Locator {
    return this.panel.getByTestId(`lws-new-${field}`);
  }

  /** The Apply changes button (the form's submit). */
  applyButton(): Locator {
    return this.panel.getByTestId('lws-new-deploy');
  }

  /** Why Apply changes is off. */
  blocker(): Locator {
    return this.panel.getByTestId('lws-new-blocker');
  }

  /** The outcome of the apply (`data-status`). */
  applyStatus(): Locator {
    return this.panel.getByTestId('lws-apply-status');
  }

  /** The review dialog. */
  review(): Locator {
    return this.page.getByTestId('lws-edit-review');
  }

  /** The diff in the review dialog. */
  diff(): Locator {
    return this.review().getByTestId('lws-edit-diff');
  }

  /** The summary of the spec's changed fields, one item each, in the review dialog. */
  specChanges(): Locator {
    return this.review().getByTestId('lws-edit-spec-changes').locator('li');
  }

  /** What LWS will do, in the review dialog. */
  effect(): Locator {
    return this.review().getByTestId('lws-edit-effect');
  }

  /** Accepts the review. */
  async confirm(): Promise<void> {
    await this.page
      .locator('.jp-Dialog .jp-Dialog-button', { hasText: 'Apply changes' })
      .click();
    await this.page.locator('.jp-Dialog').waitFor({ state: 'detached' });
  }
}
