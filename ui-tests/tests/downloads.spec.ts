/**
 * Issue 11: model downloads from the sidebar against the local cluster. The download Job and
 * its pod are real objects (kwok runs the pod); the pod's log is what the real download script
 * printed against a local Hub server (captured by pytest), served by a kwok `Logs` object and
 * written in steps so the bar has somewhere to go.
 */
import { expect, test } from '@jupyterlab/galata';
import { mkdirSync } from 'fs';
import { join } from 'path';

import { saveBrowserState } from './helpers/browserState';
import { deleteObjects, getObject } from './helpers/cluster';
import {
  capturedLines,
  DownloadsHelper,
  removeDownloads
} from './helpers/DownloadsHelper';
import { LwsHelper } from './helpers/LwsHelper';

const SHARDED = 'org/sharded-model';
const CONTAINER = 'model-downloader';
/** Typed into the token field; not a Hugging Face token. */
const TOKEN = 'test-token-for-a-download';

test.describe('model downloads', () => {
  test.beforeEach(() => removeDownloads());
  test.afterAll(() => removeDownloads());

  test('a download from the sidebar shows its progress and finishes', async ({
    page
  }) => {
    const lws = new LwsHelper(page);
    const downloads = new DownloadsHelper(page);
    await lws.openSidebar();
    await downloads.start(SHARDED);

    const row = downloads.row(SHARDED);
    await expect(row).toBeVisible();
    let pod = '';
    await expect(async () => {
      pod = downloads.podName('jupyterlab-lws/model=org--sharded-model');
      expect(pod).not.toBe('');
    }).toPass();
    const job = getObject('job', downloads.jobs()[0]);
    expect(job.metadata.annotations['jupyterlab-lws/model']).toBe(SHARDED);
    expect(JSON.stringify(job)).not.toContain('hf_');

    const lines = capturedLines('slow-hf-0.25.2');
    const append = downloads.serveLog(pod, CONTAINER, lines.slice(0, 4));
    await expect(row).toHaveAttribute('data-phase', 'downloading');
    await expect(row.getByTestId('lws-download-progress')).toContainText(
      'of 37.7 MB'
    );
    const first = Number(
      await downloads.bar(SHARDED).getAttribute('aria-valuenow')
    );

    await test.step('the bar advances as the log grows', async () => {
      append(lines.slice(4, -2));
      await expect(async () => {
        const now = Number(
          await downloads.bar(SHARDED).getAttribute('aria-valuenow')
        );
        expect(now).toBeGreaterThan(first);
      }).toPass();
      await expect(row.getByTestId('lws-download-progress')).toContainText(
        '/s'
      );
      if (process.env.LWS_UPDATE_SCREENSHOTS) {
        // The README's picture of a download in progress (docs/images/downloads.png), wide
        // enough that the inputs' placeholders are not cut.
        const images = join(__dirname, '..', '..', 'docs', 'images');
        mkdirSync(images, { recursive: true });
        await page.sidebar.setWidth(360);
        await page.mouse.move(0, 0);
        await downloads.section.screenshot({
          path: join(images, 'downloads.png')
        });
        // The same in the dark theme (docs/images/downloads-dark.png).
        await page.theme.setDarkTheme();
        await downloads.section.screenshot({
          path: join(images, 'downloads-dark.png')
        });
        await page.theme.setLightTheme();
      }
    });

    await test.step('a reload picks the running download up again', async () => {
      const before = await downloads.bar(SHARDED).getAttribute('aria-valuenow');
      await page.reload();
      // The layout restorer opens the sidebar again (clicking its tab would close it).
      await lws.sidebar.waitFor({ state: 'visible' });
      await expect(row).toHaveAttribute('data-phase', 'downloading');
      await expect(downloads.bar(SHARDED)).toHaveAttribute(
        'aria-valuenow',
        before ?? ''
      );
    });

    await test.step('a second download of the same model is refused', async () => {
      await downloads.start(SHARDED);
      await expect(downloads.issues()).toContainText(
        'is being downloaded already'
      );
      expect(downloads.jobs()).toHaveLength(1);
    });

    await test.step('the done line gives the size on disk and the commit', async () => {
      append(lines.slice(-2));
      downloads.setPodState(pod, 'succeeded');
      await expect(row).toHaveAttribute('data-phase', 'done');
      await expect(row.getByTestId('lws-download-done')).toContainText(
        'commit 5f0b1c2d3e4f'
      );
      await expect(row.getByTestId('lws-download-done')).toContainText(
        '37.7 MB on disk'
      );
    });
  });

  test('a failure is explained with its fix, and retried', async ({ page }) => {
    const lws = new LwsHelper(page);
    const downloads = new DownloadsHelper(page);
    await lws.openSidebar();
    await downloads.section
      .getByTestId('lws-download-secret')
      .fill('ui-download-token');
    await downloads.section.getByTestId('lws-download-token').fill(TOKEN);
    await downloads.start('org/gated-model');
    const row = downloads.row('org/gated-model');
    let pod = '';
    await expect(async () => {
      pod = downloads.podName('jupyterlab-lws/model=org--gated-model');
      expect(pod).not.toBe('');
    }).toPass();
    downloads.serveLog(pod, CONTAINER, capturedLines('hf-auth'));
    // The token went to the Secret; the Job only names it, and the page forgot it.
    const secret = getObject('secret', 'ui-download-token');
    expect(Buffer.from(secret.data.token, 'base64').toString()).toBe(TOKEN);
    const job = getObject('job', downloads.jobs()[0]);
    expect(JSON.stringify(job)).not.toContain(TOKEN);
    expect(job.spec.template.spec.containers[0].env).toContainEqual({
      name: 'HF_TOKEN',
      valueFrom: { secretKeyRef: { name: 'ui-download-token', key: 'token' } }
    });
    await expect(
      downloads.section.getByTestId('lws-download-token')
    ).toHaveValue('');

    const failure = row.getByTestId('lws-download-failure');
    await expect(failure).toHaveAttribute('data-failure', 'hf-auth');
    await expect(failure).toContainText('The Hugging Face Hub refused access');
    await expect(failure).toContainText('accept the model licence');
    await expect(row).toHaveAttribute('data-phase', 'failed');

    await row.getByTestId('lws-download-retry').click();
    await expect(async () => {
      const next = downloads.podName('jupyterlab-lws/model=org--gated-model');
      expect(next).not.toBe('');
      expect(next).not.toBe(pod);
    }).toPass();
    await expect(row).toHaveAttribute('data-phase', /waiting|downloading/);
    await row.getByTestId('lws-download-cancel').click();
    await expect(row).toHaveCount(0);
    expect(downloads.jobs()).toEqual([]);
    deleteObjects('secret', ['ui-download-token']);
    // For scripts/secrets_scan.py: the token must be nowhere in what the browser kept.
    await saveBrowserState(page, 'download-token');
  });

  test('the form says whether its model is cached, and downloads it first', async ({
    page
  }) => {
    const lws = new LwsHelper(page);
    const downloads = new DownloadsHelper(page);
    const form = lws.newDeployment();
    await form.openFromSidebar();
    const note = form.panel.getByTestId('lws-new-model-cache');

    await form.fill('model', 'org/tiny-model');
    await expect(note).toHaveAttribute('data-kind', 'unknown');
    await note.getByTestId('lws-new-check-cache').click();
    let pod = '';
    await expect(async () => {
      pod = downloads.podName('app.kubernetes.io/component=model-cache');
      expect(pod).not.toBe('');
    }).toPass();
    downloads.serveLog(pod, 'model-cache', capturedLines('cache-list'));
    await expect(note).toHaveText('cached (5.24 MB)');

    await form.fill('model', SHARDED);
    await expect(note).toHaveAttribute('data-kind', 'not-cached');
    await note.getByTestId('lws-new-download-first').click();
    await expect(downloads.row(SHARDED)).toBeVisible();
    await expect(note).toHaveAttribute('data-kind', 'downloading');
    expect(downloads.jobs()).toEqual([
      expect.stringMatching(/^download-sharded-model-[0-9a-f]{8}$/)
    ]);
  });

  test('bad input is refused before anything is created', async ({ page }) => {
    const lws = new LwsHelper(page);
    const downloads = new DownloadsHelper(page);
    await lws.openSidebar();
    await downloads.start('https://huggingface.co/org/model', '/abs/*.json');
    await expect(downloads.issues()).toContainText(
      'Enter the model id, not its web address: org/model.'
    );
    await expect(downloads.issues()).toContainText('starts with "/"');
    expect(downloads.jobs()).toEqual([]);
  });

  test('the cache view lists a model and deletes it', async ({ page }) => {
    const lws = new LwsHelper(page);
    const downloads = new DownloadsHelper(page);
    await lws.openSidebar();

    const cache = downloads.cache();
    await cache.getByTestId('lws-cache-refresh').click();
    let pod = '';
    await expect(async () => {
      pod = downloads.podName('app.kubernetes.io/component=model-cache');
      expect(pod).not.toBe('');
    }).toPass();
    downloads.serveLog(pod, 'model-cache', capturedLines('cache-list'));
    const cached = downloads.cachedModel('org/tiny-model');
    await expect(cached).toContainText('5.24 MB');
    await expect(cache.getByTestId('lws-cache-free')).toContainText('free of');
    // The list Job and its pod are deleted once read.
    await expect(async () => expect(downloads.jobs()).toEqual([])).toPass();

    await cached.getByTestId('lws-cached-delete').click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('/models/hub/models--org--tiny-model');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    let deleting = '';
    await expect(async () => {
      deleting = downloads.podName(
        'app.kubernetes.io/component=model-cache,jupyterlab-lws/model=org--tiny-model'
      );
      expect(deleting).not.toBe('');
    }).toPass();
    downloads.serveLog(deleting, 'model-cache', capturedLines('cache-deleted'));
    let listing = '';
    await expect(async () => {
      listing = downloads.podName('app.kubernetes.io/component=model-cache');
      expect(listing).not.toBe('');
      expect(listing).not.toBe(deleting);
    }).toPass();
    downloads.serveLog(
      listing,
      'model-cache',
      capturedLines('cache-list-empty')
    );
    await expect(cached).toHaveCount(0);
    await expect(cache).toContainText('No model yet.');
  });
});
