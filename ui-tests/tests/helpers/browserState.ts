/**
 * What the browser kept after a test typed a token: local and session storage, cookies,
 * IndexedDB, JupyterLab's state database (the workspace, which Galata keeps in the page) and
 * the page itself, written under ui-tests/.scan/browser/ for scripts/secrets_scan.py to search
 * after the whole Galata run (issue 16: the token must be found nowhere).
 */
import type { Page } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';

/** Where the scan's inputs from the UI tests go (removed by scripts/test-all.sh before a run). */
export const SCAN_DIR = join(__dirname, '..', '..', '.scan');

/** Writes the browser's state of `page` to `.scan/browser/<label>.json`. */
export async function saveBrowserState(
  page: Page,
  label: string
): Promise<void> {
  const inPage = await page.evaluate(async () => {
    const entries = (storage: Storage) =>
      Object.fromEntries(
        Array.from({ length: storage.length }, (_, index) => {
          const key = storage.key(index) ?? '';
          return [key, storage.getItem(key)];
        })
      );
    const indexedDb: Record<string, Record<string, unknown[]>> = {};
    for (const info of await indexedDB.databases()) {
      if (!info.name) {
        continue;
      }
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(info.name!);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      indexedDb[info.name] = {};
      for (const store of Array.from(db.objectStoreNames)) {
        indexedDb[info.name][store] = await new Promise<unknown[]>(
          (resolve, reject) => {
            const request = db
              .transaction(store, 'readonly')
              .objectStore(store)
              .getAll();
            request.onsuccess = () => resolve(request.result);
            request.onerror = () => reject(request.error);
          }
        );
      }
      db.close();
    }
    // The state database saves into the workspace through this API (Galata answers it).
    const config = JSON.parse(
      document.getElementById('jupyter-config-data')?.textContent ?? '{}'
    );
    const base: string = config.baseUrl ?? '/';
    const read = (url: string) =>
      fetch(url)
        .then(response => response.text())
        .catch(error => `unreadable: ${error}`);
    const workspaces = {
      list: await read(`${base}lab/api/workspaces`),
      current: await read(
        `${base}lab/api/workspaces/${config.workspace ?? 'default'}`
      )
    };
    return {
      localStorage: entries(window.localStorage),
      sessionStorage: entries(window.sessionStorage),
      indexedDb,
      workspaces
    };
  });
  const state = {
    url: page.url(),
    ...inPage,
    cookies: await page.context().cookies(),
    html: await page.content()
  };
  const dir = join(SCAN_DIR, 'browser');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${label}.json`),
    JSON.stringify(state, null, 1),
    'utf-8'
  );
}
