/**
 * Untrusted text (issue 16): pod logs, event messages, object names and annotations and model
 * output are written by others. Planted against the local cluster as its admin (an LWS with
 * hostile annotations and the longest name its pods allow, its leader's log served by kwok's
 * Logs object, an Event created with kubectl), and in a chat answer, HTML, scripts, event
 * handlers, terminal escapes, bidi overrides, zero-width characters and a 100 000-character
 * line must show as text (model output as sanitized Markdown), run nothing, and leave the
 * layout whole.
 */
import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';

import { ChatHelper } from './helpers/ChatHelper';
import {
  applyManifest,
  deleteObjects,
  getObject,
  kubectl,
  userNamespace
} from './helpers/cluster';
import {
  LWS,
  NAME_LABEL,
  remove as removeFixtures,
  serveLog,
  SIM_STATE
} from './helpers/fixtures';
import { LwsHelper } from './helpers/LwsHelper';

const ENGINE_PORT = Number(process.env.LWS_ENGINE_PORT ?? 18080);

// The payloads. Each handler would set window.__pwned if it ever ran.
const IMG = '<img src=x onerror="window.__pwned=1">';
const SCRIPT = '<script>window.__pwned=2</script>';
const SVG = '<svg onload="window.__pwned=3"><circle r="9"/></svg>';
/** Colour, then an OSC sequence that would retitle a terminal. */
const ANSI = '\u001b[31mred\u001b[0m \u001b]0;retitled\u0007';
/** "user" + RIGHT-TO-LEFT OVERRIDE: displays as "userexe.png" when the override acts. */
const BIDI = 'user\u202egnp.exe';
const ZERO_WIDTH = 'pass\u200bword\ufeff';
const LONG = 'A'.repeat(100_000);

/** The longest LWS name whose pods still start with one group (dns1123.lwsNameMaxLength). */
const NAME = `ui-untrusted-${'x'.repeat(38)}`;
const CHAT_NAME = 'ui-untrusted-chat';

const logLines = [
  `INFO engine starting ${IMG} ${SCRIPT}`,
  `INFO an svg ${SVG}`,
  `WARNING ${ANSI}`,
  `INFO file ${BIDI}`,
  `INFO secret ${ZERO_WIDTH}`,
  LONG,
  // Diagnosed as gpu-oom: the payload is the evidence line the detail quotes.
  `torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB ${IMG} ${BIDI}`
];

/** Lines in the CRI log format kwok's Logs objects read. */

/** A one-pod vLLM LWS with hostile annotations; crash-looping unless `ready`. */
function deploy(name: string, options: { ready: boolean; port?: number }) {
  const labels = {
    'app.kubernetes.io/name': 'vllm',
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/managed-by': 'jupyterlab-lws',
    // Label values allow no markup: the longest one Kubernetes takes instead.
    'untrusted.example.com/long': 'l'.repeat(63)
  };
  applyManifest({
    apiVersion: 'leaderworkerset.x-k8s.io/v1',
    kind: 'LeaderWorkerSet',
    metadata: {
      name,
      labels,
      annotations: {
        'untrusted.example.com/note': `${IMG} ${SCRIPT} ${BIDI} ${LONG}`,
        // Read by the idle feature: must be ignored, not trusted.
        'jupyterlab-lws.io/replicas-before-idle': `${SVG}`
      }
    },
    spec: {
      replicas: 1,
      leaderWorkerTemplate: {
        size: 1,
        restartPolicy: options.ready ? 'RecreateGroupOnPodRestart' : 'None',
        workerTemplate: {
          metadata: {
            annotations: {
              'sidecar.istio.io/inject': 'false',
              ...(options.ready ? {} : { [SIM_STATE]: 'crash-loop' })
            }
          },
          spec: {
            containers: [
              {
                name: 'vllm-leader',
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
  if (options.port !== undefined) {
    applyManifest({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `${name}-leader`, labels },
      spec: {
        selector: {
          [NAME_LABEL]: name,
          'leaderworkerset.sigs.k8s.io/worker-index': '0'
        },
        ports: [{ name: 'http', port: options.port, targetPort: 8080 }]
      }
    });
  }
}

/** A Warning event about the LWS, as a controller would record it, with a hostile message. */
function hostileEvent(name: string): void {
  const lws = getObject(LWS, name);
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  kubectl(
    ['create', '-n', userNamespace, '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${name}.untrusted`, namespace: userNamespace },
      involvedObject: {
        apiVersion: 'leaderworkerset.x-k8s.io/v1',
        kind: 'LeaderWorkerSet',
        name,
        namespace: userNamespace,
        uid: lws.metadata.uid
      },
      reason: 'Untrusted',
      message: `${IMG} ${SCRIPT} ${SVG} ${ANSI} ${BIDI} ${ZERO_WIDTH} ${LONG}`,
      type: 'Warning',
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      source: { component: 'untrusted-test' }
    })
  );
}

function remove(...names: string[]): void {
  deleteObjects(
    'events',
    names.map(name => `${name}.untrusted`)
  );
  removeFixtures(...names);
}

/** Records every dialog (alert, confirm, prompt) the page opens, dismissing it. */
function watchDialogs(page: Page): string[] {
  const dialogs: string[] = [];
  page.on('dialog', dialog => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return dialogs;
}

/** What a payload would have left behind had it run or been parsed as HTML. */
async function injected(page: Page) {
  return page.evaluate(() => ({
    pwned: (window as any).__pwned ?? null,
    images: document.querySelectorAll('img[src="x"]').length,
    handlers: document.querySelectorAll('[onerror], [onload]').length,
    svgs: document.querySelectorAll('svg circle[r="9"]').length,
    scripts: [...document.scripts].filter(script =>
      script.text.includes('__pwned')
    ).length,
    javascriptLinks: document.querySelectorAll('a[href^="javascript:" i]')
      .length
  }));
}

const NOTHING_INJECTED = {
  pwned: null,
  images: 0,
  handlers: 0,
  svgs: 0,
  scripts: 0,
  javascriptLinks: 0
};

/** How far an element's content sticks out sideways (0: it fits its box). */
async function overflowX(locator: ReturnType<Page['locator']>) {
  return locator.evaluate(
    (element: HTMLElement) => element.scrollWidth - element.clientWidth
  );
}

test.describe('untrusted text is shown as text', () => {
  test.beforeAll(() => remove(NAME, CHAT_NAME));
  test.afterAll(() => remove(NAME, CHAT_NAME));

  test('logs, events, annotations and a long name: nothing runs, bidi and escapes show, the layout holds', async ({
    page
  }) => {
    // A crash loop to reach, an event, a diagnosis and a log to wait for, on a shared machine.
    test.setTimeout(420_000);
    const dialogs = watchDialogs(page);
    // The payloads end in a CUDA out-of-memory line: diagnosed as gpu-oom, quoted as evidence.
    serveLog(`${NAME}-0`, 'vllm-leader', logLines);
    deploy(NAME, { ready: false });
    hostileEvent(NAME);

    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    await lws.openSidebar();
    await expect(deployments.row(NAME)).toHaveAttribute(
      'data-state',
      'Failed',
      {
        timeout: 60_000
      }
    );
    await deployments.open(NAME);

    await test.step('the event message is text, its controls visible', async () => {
      const event = deployments.events().filter({ hasText: '__pwned=1' });
      await expect(event).toBeVisible({ timeout: 30_000 });
      await expect(event).toContainText(IMG);
      await expect(event).toContainText(SCRIPT);
      const text = (await event.textContent()) ?? '';
      expect.soft(text).not.toMatch(/[\u001b\u0007\u202e\u200b\ufeff]/);
      expect.soft(text).toContain('user\\u{202E}gnp.exe');
      expect.soft(text).toContain('red');
    });

    await test.step('the diagnosis quotes the log line as text', async () => {
      const evidence = deployments.diagnosis('gpu-oom').locator('pre');
      await expect(evidence).toContainText(IMG, { timeout: 30_000 });
      expect.soft(await evidence.textContent()).not.toContain('\u202e');
    });

    await test.step('the sidebar and the detail keep their width', async () => {
      expect.soft(await overflowX(lws.sidebar)).toBeLessThanOrEqual(2);
      expect.soft(await overflowX(deployments.detail())).toBeLessThanOrEqual(2);
    });

    await test.step('log lines are text; a 100 000-character line scrolls in its own box', async () => {
      await deployments.action('logs').click();
      await expect(deployments.logs()).toBeVisible();
      const scroller = deployments.logScroller();
      await expect(scroller).toHaveAttribute(
        'data-count',
        String(logLines.length),
        { timeout: 30_000 }
      );
      await deployments.searchLog('INFO');
      const lines = deployments.logLines();
      await expect(lines.filter({ hasText: SCRIPT })).toHaveCount(1, {
        timeout: 20_000
      });
      await expect(lines.filter({ hasText: SVG })).toHaveCount(1, {
        timeout: 20_000
      });
      await expect(
        lines.filter({ hasText: 'user\\u{202E}gnp.exe' })
      ).toHaveCount(1, { timeout: 20_000 });
      await expect(
        lines.filter({ hasText: 'pass\\u{200B}word\\u{FEFF}' })
      ).toHaveCount(1, { timeout: 20_000 });
      await deployments.searchLog('WARNING');
      await expect(lines.first()).toHaveText(/^WARNING red/, {
        timeout: 20_000
      });
      expect.soft(await lines.first().textContent()).not.toContain('\u001b');
      await deployments.searchLog('AAAAAAAAAA');
      await expect(lines).toHaveCount(1, { timeout: 20_000 });
      // The line scrolls inside the log box; the view around it does not widen.
      expect.soft(await overflowX(scroller)).toBeGreaterThan(1000);
      expect.soft(await overflowX(deployments.logs())).toBeLessThanOrEqual(2);
    });

    expect.soft(await injected(page)).toEqual(NOTHING_INJECTED);
    expect.soft(dialogs).toEqual([]);
  });

  test('a chat answer is sanitized Markdown: nothing runs, no image loads, long lines wrap', async ({
    page
  }) => {
    test.setTimeout(240_000);
    const dialogs = watchDialogs(page);
    deploy(CHAT_NAME, { ready: true, port: ENGINE_PORT });
    kubectl([
      'wait',
      '--for=condition=Available',
      `${LWS}/${CHAT_NAME}`,
      '-n',
      userNamespace,
      '--timeout=60s'
    ]);
    // The test engine (llama.cpp with a tiny model) cannot be made to say a payload, so the
    // chat completions request is answered here, in the engine's streaming format (SSE
    // chunks of chat.completion.chunk, then [DONE]); readiness and /v1/models stay real.
    const answer = [
      '**bold** and `<img src=x onerror="window.__pwned=1">` in code. ',
      `${IMG} ${SCRIPT} ${SVG} `,
      '[click me](javascript:window.__pwned=4) ',
      '![tracker](http://127.0.0.1:9/beacon?leak=1) ',
      `${BIDI} ${ZERO_WIDTH} ${ANSI}\n\n`,
      LONG
    ];
    const requested: string[] = [];
    page.on('request', request => requested.push(request.url()));
    await page.route('**/v1/chat/completions', route => {
      const chunk = (delta: object, finish: string | null = null) =>
        `data: ${JSON.stringify({
          id: 'chatcmpl-untrusted',
          object: 'chat.completion.chunk',
          created: 0,
          model: 'tiny-chat',
          choices: [{ index: 0, delta, finish_reason: finish }]
        })}\n\n`;
      const body =
        chunk({ role: 'assistant', content: '' }) +
        answer.map(content => chunk({ content })).join('') +
        chunk({}, 'stop') +
        'data: [DONE]\n\n';
      return route.fulfill({
        status: 200,
        headers: {
          'Content-Type': 'text/event-stream',
          'Cache-Control': 'no-cache'
        },
        body
      });
    });

    const chat = new ChatHelper(page);
    await chat.openWithCommand(CHAT_NAME);
    // The shared test engine may be busy with another request: check again until it answers.
    await expect(async () => {
      if ((await chat.readiness().getAttribute('data-ready')) !== 'true') {
        await chat.panel.getByTestId('lws-chat-check').click();
      }
      await expect(chat.readiness()).toHaveAttribute('data-ready', 'true', {
        timeout: 10_000
      });
    }).toPass({ timeout: 120_000 });
    if (await chat.clear().isEnabled()) {
      await chat.clear().click();
    }
    await chat.send('Say something hostile');
    await expect(chat.turns()).toHaveCount(2, { timeout: 30_000 });
    const rendered = chat.lastAnswer().getByTestId('lws-chat-answer');
    // Markdown is rendered...
    await expect(rendered.locator('strong')).toHaveText('bold');
    await expect(rendered.locator('code').first()).toHaveText(
      '<img src=x onerror="window.__pwned=1">'
    );
    // ...its markup sanitized, images not loaded, controls visible.
    await expect(rendered).toContainText('click me');
    const text = (await rendered.textContent()) ?? '';
    expect.soft(text).not.toMatch(/[\u001b\u0007\u202e\u200b\ufeff]/);
    expect.soft(text).toContain('user\\u{202E}gnp.exe');
    expect
      .soft(await rendered.locator('img, svg, script, iframe').count())
      .toBe(0);
    expect.soft(requested.filter(url => url.includes('beacon'))).toEqual([]);
    // The 100 000-character word wraps inside the chat.
    expect.soft(await overflowX(chat.panel)).toBeLessThanOrEqual(2);
    expect.soft(await overflowX(rendered)).toBeLessThanOrEqual(2);

    expect.soft(await injected(page)).toEqual(NOTHING_INJECTED);
    expect.soft(dialogs).toEqual([]);
  });
});
