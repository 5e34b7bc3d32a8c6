/**
 * Bookkeeping of the page's requests to the extension's API (`/lws/api/`): which are still
 * open. A watch or a followed log stays open for as long as it streams, so once the short
 * requests are done, what is left are the long-lived connections the extension holds.
 */
import type { Page, Request } from '@playwright/test';

export class PendingRequests {
  constructor(page: Page) {
    page.on('request', request => {
      if (request.url().includes('/lws/api/')) {
        this._open.add(request);
      }
    });
    const done = (request: Request) => this._open.delete(request);
    page.on('requestfinished', done);
    page.on('requestfailed', done);
  }

  /** How many of the extension's requests are open now. */
  get count(): number {
    return this._open.size;
  }

  /** The open requests' paths (for failure messages): `watches`, `k8s/.../log`, ... */
  paths(): string[] {
    return [...this._open].map(request =>
      new URL(request.url()).pathname.replace(/^.*\/lws\/api\//, '')
    );
  }

  private _open = new Set<Request>();
}
