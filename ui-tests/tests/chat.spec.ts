/**
 * The smoke-test chat against a real OpenAI-compatible engine: llama-cpp-python's server with a
 * tiny model (scripts/engine/engine.sh, started by playwright.config.js), reached through the
 * Jupyter server's endpoint proxy and a real leader Service of the local cluster whose port is
 * the engine's.
 */
import { expect, galata, test } from '@jupyterlab/galata';
import { mkdirSync } from 'fs';
import { join } from 'path';

import { ChatHelper } from './helpers/ChatHelper';
import { applyManifest, kubectl, userNamespace } from './helpers/cluster';
import { remove } from './helpers/fixtures';
import { LwsHelper } from './helpers/LwsHelper';

const ENGINE_PORT = Number(process.env.LWS_ENGINE_PORT ?? 18080);
const LWS = 'leaderworkersets.leaderworkerset.x-k8s.io';
const NAME_LABEL = 'leaderworkerset.sigs.k8s.io/name';

/** A Ready one-pod deployment whose leader Service's port is `port` on this machine. */
function deploy(name: string, port: number): void {
  const labels = {
    'app.kubernetes.io/name': 'vllm',
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/managed-by': 'jupyterlab-lws'
  };
  applyManifest({
    apiVersion: 'leaderworkerset.x-k8s.io/v1',
    kind: 'LeaderWorkerSet',
    metadata: { name, labels },
    spec: {
      replicas: 1,
      leaderWorkerTemplate: {
        size: 1,
        workerTemplate: {
          metadata: { annotations: { 'sidecar.istio.io/inject': 'false' } },
          spec: {
            containers: [
              {
                name: 'vllm',
                image: 'vllm/vllm-openai:v0.11.0',
                command: ['vllm', 'serve', 'tiny-chat', '--port', '8080'],
                ports: [{ containerPort: 8080 }],
                resources: { limits: { 'nvidia.com/gpu': '1' } }
              }
            ]
          }
        }
      }
    }
  });
  applyManifest({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `${name}-leader`, labels },
    spec: {
      selector: {
        [NAME_LABEL]: name,
        'leaderworkerset.sigs.k8s.io/worker-index': '0'
      },
      ports: [{ name: 'http', port, targetPort: 8080 }]
    }
  });
}

/** Opens a Ready deployment's detail in the sidebar. */
async function openDeployment(lws: LwsHelper, name: string): Promise<void> {
  const deployments = lws.deployments();
  if (!(await lws.sidebar.isVisible())) {
    // The tab toggles: a sidebar left open by the restored layout must not be closed.
    await lws.openSidebar();
  }
  await expect(deployments.row(name)).toHaveAttribute('data-state', 'Ready', {
    timeout: 60_000
  });
  await deployments.open(name);
}

test.use({
  mockSettings: {
    ...galata.DEFAULT_SETTINGS,
    // The test's kernel runs on this machine: inserted code must reach the local engine.
    'jupyterlab-lws:plugin': {
      notebookEndpointUrlTemplate: 'http://127.0.0.1:{port}'
    }
  }
});

test.describe('the smoke-test chat with a real engine', () => {
  const name = 'ui-chat';
  const down = 'ui-chat-down';

  test.beforeAll(() => {
    remove(name, down);
    deploy(name, ENGINE_PORT);
    // Nothing listens on this port: the engine is "down".
    deploy(down, ENGINE_PORT + 1);
    for (const each of [name, down]) {
      kubectl([
        'wait',
        '--for=condition=Available',
        `${LWS}/${each}`,
        '-n',
        userNamespace,
        '--timeout=60s'
      ]);
    }
  });

  test.afterAll(() => remove(name, down));

  test('streams an answer with its metrics, stops, and keeps the history over a reload', async ({
    page
  }) => {
    const lws = new LwsHelper(page);
    const chat = new ChatHelper(page);
    await openDeployment(lws, name);
    await chat.sidebarChat().click();
    await expect(chat.readiness()).toHaveAttribute('data-ready', 'true');
    await expect(chat.readiness()).toContainText('tiny-chat');
    if (await chat.clear().isEnabled()) {
      // A conversation left by an earlier run (the state DB keeps it).
      await chat.clear().click();
    }

    await test.step('the answer arrives in pieces, then shows its metrics', async () => {
      await chat.setMaxTokens(300);
      await chat.send('Say hello');
      // Seen while it streams: some text, then more text, before the turn is finished.
      const lengths: number[] = [];
      await expect
        .poll(
          async () => {
            const text =
              (await chat
                .streamingText()
                .textContent({ timeout: 1000 })
                .catch(() => null)) ?? '';
            if (text && lengths[lengths.length - 1] !== text.length) {
              lengths.push(text.length);
            }
            return lengths.length;
          },
          { intervals: [50], timeout: 20_000 }
        )
        .toBeGreaterThanOrEqual(2);
      await expect(chat.turns()).toHaveCount(2, { timeout: 30_000 });
      const answer = chat.lastAnswer();
      await expect(answer.getByTestId('lws-chat-answer')).not.toBeEmpty();
      const metrics = chat.metrics(answer);
      await expect(metrics).toContainText('TTFT');
      await expect(metrics).toContainText('tok/s');
      expect(Number(await metrics.getAttribute('data-tokens'))).toBeGreaterThan(
        100
      );
    });

    let saved: Promise<unknown> = Promise.resolve();
    await test.step('Stop ends a long answer', async () => {
      // Within the 4096-token context with the history before it (words re-tokenise as bytes).
      await chat.setMaxTokens(1500);
      await chat.send('Tell me more');
      await expect(chat.streamingText()).not.toBeEmpty();
      // JupyterLab saves its state database to the workspace shortly after a change.
      saved = page.waitForResponse(
        response =>
          response.url().includes('/api/workspaces') &&
          response.request().method() === 'PUT' &&
          (response.request().postData() ?? '').includes('"stopped":true'),
        { timeout: 30_000 }
      );
      await chat.stop().click();
      await expect(chat.turns()).toHaveCount(4);
      const stopped = chat.lastAnswer();
      await expect(stopped).toHaveAttribute('data-stopped', 'true');
      await expect(stopped.getByTestId('lws-chat-stopped')).toBeVisible();
      expect(
        Number(await chat.metrics(stopped).getAttribute('data-tokens'))
      ).toBeLessThan(1500);
    });

    await test.step('the conversation is still there after a reload', async () => {
      await saved;
      await lws.reload();
      await chat.openWithCommand(name);
      await expect(chat.turns()).toHaveCount(4);
      await expect(chat.lastAnswer()).toHaveAttribute('data-stopped', 'true');
      await chat.clear().click();
      await expect(chat.turns()).toHaveCount(0);
    });
  });

  test('the smoke test passes against the engine and fails, with the reason, when it is down', async ({
    page
  }) => {
    const lws = new LwsHelper(page);
    const chat = new ChatHelper(page);
    await openDeployment(lws, name);
    await chat.sidebarSmokeTest().click();
    await expect(chat.sidebarSmokeResult()).toHaveAttribute('data-ok', 'true', {
      timeout: 30_000
    });
    await expect(chat.sidebarSmokeResult()).toContainText(
      /Smoke test passed \(TTFT \d+ ms, total \d+ ms\)/
    );

    await lws.deployments().back();
    await openDeployment(lws, down);
    await chat.sidebarSmokeTest().click();
    await expect(chat.sidebarSmokeResult()).toHaveAttribute(
      'data-ok',
      'false',
      {
        timeout: 30_000
      }
    );
    await expect(chat.sidebarSmokeResult()).toContainText('connection refused');

    // The chat of the same deployment shows the same last result.
    await chat.sidebarChat().click();
    await expect(chat.smokeResult()).toHaveAttribute('data-ok', 'false');
  });

  test('the load probe runs 8 concurrent requests and reports vllm bench serve figures', async ({
    page
  }) => {
    const chat = new ChatHelper(page);
    await chat.openWithCommand(name);
    await expect(chat.readiness()).toHaveAttribute('data-ready', 'true');
    await chat.runProbe(8, 16);
    await expect(chat.probeFigure('completed')).toHaveText('16', {
      timeout: 60_000
    });
    await expect(chat.probeFigure('failed')).toHaveText('0');
    expect(
      Number(await chat.probeFigure('request_throughput').textContent())
    ).toBeGreaterThan(0);
    expect(
      Number(await chat.probeFigure('output_throughput').textContent())
    ).toBeGreaterThan(0);
    expect(
      Number(await chat.probeFigure('p95_ttft_ms').textContent())
    ).toBeGreaterThan(0);
    expect(
      Number(await chat.probeFigure('p50_itl_ms').textContent())
    ).toBeGreaterThan(0);
    await expect(chat.probeChart()).toBeVisible();

    if (process.env.LWS_UPDATE_SCREENSHOTS) {
      // The README's picture (docs/images/chat.png): a short answer, a smoke test, the probe.
      await chat.setMaxTokens(40);
      await chat.setTemperature(1.5);
      await chat.send('Say hello in one short sentence.');
      await expect(chat.lastAnswer()).toBeVisible({ timeout: 30_000 });
      await chat.closeSettings();
      await chat.smokeTest().click();
      await expect(chat.smokeResult()).toHaveAttribute('data-ok', 'true');
      const images = join(__dirname, '..', '..', 'docs', 'images');
      mkdirSync(images, { recursive: true });
      await page.setViewportSize({ width: 1100, height: 900 });
      await page.mouse.move(0, 0);
      await chat.panel.screenshot({ path: join(images, 'chat.png') });
      // The same in the dark theme (docs/images/chat-dark.png).
      await page.theme.setDarkTheme();
      await chat.panel.screenshot({ path: join(images, 'chat-dark.png') });
      await page.theme.setLightTheme();
      await page.setViewportSize({ width: 1024, height: 768 });
    }
  });

  test('the command palette offers the Ready deployments to chat with', async ({
    page
  }) => {
    const chat = new ChatHelper(page);
    await page.evaluate(() => {
      void (window as any).jupyterapp.commands.execute('lws:open-chat');
    });
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Chat with which deployment?');
    await dialog.locator('select').selectOption(name);
    await dialog.locator('.jp-mod-accept').click();
    await expect(chat.panel).toContainText(`Chat with ${name}`);
    await expect(chat.readiness()).toHaveAttribute('data-ready', 'true');
  });

  test('the chat and the openai client load only when a chat opens', async ({
    page
  }) => {
    // Production chunks are named by hash, so the openai client is recognised by what it
    // carries: the X-Stainless-* headers it sends.
    const scripts: { url: string; openai: boolean }[] = [];
    page.on('response', async response => {
      if (response.request().resourceType() === 'script') {
        const body = await response.text().catch(() => '');
        scripts.push({
          url: response.url(),
          openai: /X-Stainless-/.test(body)
        });
      }
    });
    await page.reload();
    await expect.poll(() => scripts.length).toBeGreaterThan(0);
    const atStart = scripts.length;
    expect(scripts.filter(script => script.openai)).toEqual([]);
    const chat = new ChatHelper(page);
    await chat.openWithCommand(name);
    await expect
      .poll(() => scripts.slice(atStart).filter(script => script.openai).length)
      .toBeGreaterThan(0);
  });

  test('Insert code puts a cell into a notebook that streams an answer from the engine', async ({
    page
  }) => {
    const chat = new ChatHelper(page);
    await chat.openWithCommand(name);
    await expect(chat.readiness()).toHaveAttribute('data-ready', 'true');
    await chat.insertCode().click();
    // No notebook was open: a new one gets the cell.
    await page.waitForSelector('.jp-NotebookPanel');
    const source = await page.notebook.getCellTextInput(0);
    expect(source).toContain(`base_url="http://127.0.0.1:${ENGINE_PORT}/v1"`);
    expect(source).toContain('model="tiny-chat"');
    await page.notebook.runCell(0);
    const output = page
      .locator('.jp-NotebookPanel .jp-OutputArea-output')
      .first();
    await expect(output).toContainText(/\w+/, { timeout: 60_000 });
    await expect(
      page.locator(
        '.jp-NotebookPanel .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
      )
    ).toHaveCount(0);
  });
});
