/**
 * Bookkeeping of the page's requests to the extension's API (`/lws/api/`): which are still
 * open, how long each took, and the WebSockets of the live channel. Every live stream travels
 * over the one WebSocket, so an HTTP request of the extension that stays open is a bug.
 */
import type { Page, Request, WebSocket } from '@playwright/test';

export class PendingRequests {
  constructor(page: Page) {
    page.on('request', request => {
      if (request.url().includes('/lws/api/')) {
        this._started.set(request, Date.now());
        this._all.push(request);
      }
    });
    const done = (request: Request) => {
      const started = this._started.get(request);
      if (started !== undefined) {
        this._took.set(request, Date.now() - started);
        this._started.delete(request);
      }
    };
    page.on('requestfinished', done);
    page.on('requestfailed', done);
    page.on('websocket', socket => {
      if (socket.url().includes('/lws/api/live')) {
        this._sockets.push(socket);
        socket.on('close', () => this._closed.add(socket));
      }
    });
  }

  /** How many of the extension's requests are open now. */
  get count(): number {
    return this._started.size;
  }

  /** The open requests' paths (for failure messages): `context`, `k8s/...`, ... */
  paths(): string[] {
    return [...this._started.keys()].map(pathOf);
  }

  /** The paths of every request of the extension made so far. */
  allPaths(): string[] {
    return this._all.map(pathOf);
  }

  /** Requests of the extension that took (or have been open) at least `ms`. */
  longLived(ms: number): string[] {
    const now = Date.now();
    return this._all
      .filter(request => {
        const took =
          this._took.get(request) ?? now - (this._started.get(request) ?? now);
        return took >= ms;
      })
      .map(pathOf);
  }

  /** WebSockets of the live channel opened so far. */
  get liveSockets(): number {
    return this._sockets.length;
  }

  /** WebSockets of the live channel open now. */
  get openLiveSockets(): number {
    return this._sockets.filter(socket => !this._closed.has(socket)).length;
  }

  private _all: Request[] = [];
  private _started = new Map<Request, number>();
  private _took = new Map<Request, number>();
  private _sockets: WebSocket[] = [];
  private _closed = new Set<WebSocket>();
}

function pathOf(request: Request): string {
  const url = new URL(request.url());
  return `${url.pathname.replace(/^.*\/lws\/api\//, '')}${url.search}`;
}
