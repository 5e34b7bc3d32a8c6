/**
 * The page object of the smoke-test chat panel and the sidebar's chat buttons: every selector
 * of those views lives here.
 */
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

/** The deployment detail shown now (a main-area tab). */
const DEPLOYMENT_TAB = '.jp-lws-DeploymentTab:not(.lm-mod-hidden)';

export class ChatHelper {
  constructor(readonly page: IJupyterLabPageFixture) {}

  /** The chat panel in the main area. */
  get panel(): Locator {
    return this.page.getByTestId('lws-chat');
  }

  /** The deployment tab's Chat button. */
  sidebarChat(): Locator {
    return this.page.locator(DEPLOYMENT_TAB).getByTestId('lws-action-chat');
  }

  /** The deployment tab's Smoke test button. */
  sidebarSmokeTest(): Locator {
    return this.page
      .locator(DEPLOYMENT_TAB)
      .getByTestId('lws-action-smoke-test');
  }

  /** The last smoke test shown in the deployment tab (`data-ok`). */
  sidebarSmokeResult(): Locator {
    return this.page.locator(DEPLOYMENT_TAB).getByTestId('lws-smoke-result');
  }

  /** Opens the chat of a deployment with the command, as the palette does. */
  async openWithCommand(deployment: string): Promise<void> {
    await this.page.evaluate(async name => {
      await (window as any).jupyterapp.commands.execute('lws:open-chat', {
        deployment: name
      });
    }, deployment);
    await this.panel.waitFor({ state: 'visible' });
  }

  /** Whether the endpoint is ready (`data-ready`). */
  readiness(): Locator {
    return this.panel.getByTestId('lws-chat-readiness');
  }

  /** Sets max tokens in the settings. */
  async setMaxTokens(value: number): Promise<void> {
    await this.openSettings();
    await this.panel.getByTestId('lws-chat-max-tokens').fill(String(value));
  }

  /** Sets the temperature in the settings. */
  async setTemperature(value: number): Promise<void> {
    await this.openSettings();
    await this.panel.getByTestId('lws-chat-temperature').fill(String(value));
  }

  /** Folds the settings away. */
  async closeSettings(): Promise<void> {
    const settings = this.panel.locator('.jp-lws-Chat-settings');
    if ((await settings.getAttribute('open')) !== null) {
      await settings.locator('summary').click();
    }
  }

  private async openSettings(): Promise<void> {
    const settings = this.panel.locator('.jp-lws-Chat-settings');
    if ((await settings.getAttribute('open')) === null) {
      await settings.locator('summary').click();
    }
  }

  /** Types a message and sends it. */
  async send(text: string): Promise<void> {
    await this.panel.getByTestId('lws-chat-input').fill(text);
    await this.panel.getByTestId('lws-chat-send').click();
  }

  /** The text of the answer while it streams. */
  streamingText(): Locator {
    return this.panel.getByTestId('lws-chat-stream-text');
  }

  stop(): Locator {
    return this.panel.getByTestId('lws-chat-stop');
  }

  clear(): Locator {
    return this.panel.getByTestId('lws-chat-clear');
  }

  /** The finished turns (`data-role` user or assistant, `data-stopped`). */
  turns(): Locator {
    return this.panel.getByTestId('lws-chat-turn');
  }

  /** The last finished assistant turn. */
  lastAnswer(): Locator {
    return this.panel
      .locator('[data-testid="lws-chat-turn"][data-role="assistant"]')
      .last();
  }

  /** The metrics line of a turn (`data-ttft`, `data-tokens`). */
  metrics(turn: Locator): Locator {
    return turn.getByTestId('lws-chat-metrics');
  }

  /** The chat's smoke test button and its result (`data-ok`). */
  smokeTest(): Locator {
    return this.panel.getByTestId('lws-chat-smoke');
  }

  smokeResult(): Locator {
    return this.panel.getByTestId('lws-smoke-result');
  }

  /** Runs the load probe with `concurrency` requests at a time. */
  async runProbe(concurrency: number, prompts: number): Promise<void> {
    await this.panel
      .getByTestId('lws-probe-concurrency')
      .fill(String(concurrency));
    await this.panel.getByTestId('lws-probe-prompts').fill(String(prompts));
    await this.panel.getByTestId('lws-probe-run').click();
  }

  /** A figure of the probe's summary, by its `vllm bench serve` key. */
  probeFigure(key: string): Locator {
    return this.panel.getByTestId(`lws-probe-${key}`).locator('td');
  }

  probeChart(): Locator {
    return this.panel.getByTestId('lws-probe-chart');
  }

  insertCode(): Locator {
    return this.panel.getByTestId('lws-chat-insert-code');
  }
}
