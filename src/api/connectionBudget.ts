import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

/**
 * Long-lived requests the extension may hold at once, all together.
 *
 * #### Notes
 * A browser keeps at most six HTTP/1.1 connections per host, and JupyterLab's own requests
 * (open, save, kernels' REST calls) need the rest: with six held, `docmanager:open` times out
 * (issue 19). Until the single live channel (a WebSocket) carries all live data, every watch
 * and followed log takes one of these slots.
 */
export const LONG_LIVED_CONNECTIONS = 3;

/**
 * How much a holder needs its connection. A request may take the slot of a holder of a lower
 * priority (which is told, and pauses): `essential` (the namespace's watches, without which
 * nothing is live) over `view` (a log the user looks at) over `background` (reads for
 * progress and diagnosis, a download's progress).
 */
export type ConnectionPriority = 'background' | 'view' | 'essential';

const RANK: Record<ConnectionPriority, number> = {
  background: 0,
  view: 1,
  essential: 2
};

/** What {@link ConnectionBudget.tryAcquire} is asked for. */
export interface IConnectionRequest {
  /** Who holds the slot, for diagnostics and tests (e.g. `log llama-0`). */
  label: string;
  priority: ConnectionPriority;
  /**
   * Called when a more important request takes the slot: the holder must end its request now
   * (the lease is already released). A holder without it is never displaced.
   */
  onRevoked?: () => void;
  /**
   * The user asked for this one (e.g. clicked "follow"): it may also displace the holder of
   * the same priority that has held its slot longest.
   */
  insist?: boolean;
}

/** A granted slot; dispose it when the request ends (disposing twice is harmless). */
export interface IConnectionLease extends IDisposable {
  readonly label: string;
  readonly priority: ConnectionPriority;
}

/**
 * Counts the extension's long-lived requests (watches, followed logs, progress follows) against
 * {@link LONG_LIVED_CONNECTIONS}, so that JupyterLab's own requests always find a connection.
 *
 * Every long-lived stream asks for a slot before it opens its request and disposes the lease
 * when the request ends:
 *
 * ```ts
 * const lease = budget.tryAcquire({ label: 'download llama', priority: 'background',
 *                                   onRevoked: () => abort.abort() });
 * if (!lease) { showPaused(); return; }    // try again on `budget.changed`
 * try { await follow(abort.signal); } finally { lease.dispose(); }
 * ```
 *
 * #### Notes
 * Nothing queues here: a holder that got no slot shows what it has and tries again when
 * {@link changed} says a slot was freed (or when the user asks), which keeps every holder's
 * state visible in its own view rather than hidden in a queue.
 */
export class ConnectionBudget {
  constructor(readonly capacity: number = LONG_LIVED_CONNECTIONS) {}

  /** Emitted after a slot was taken or freed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Slots held now. */
  get used(): number {
    return this._leases.length;
  }

  /** Slots free now. */
  get free(): number {
    return Math.max(0, this.capacity - this._leases.length);
  }

  /** Labels of the holders, the longest-held first. */
  get holders(): string[] {
    return this._leases.map(lease => lease.label);
  }

  /**
   * Takes a free slot, or displaces the least important holder that allows it (see
   * {@link IConnectionRequest}); returns null when neither is possible.
   */
  tryAcquire(request: IConnectionRequest): IConnectionLease | null {
    if (this._leases.length >= this.capacity) {
      const victim = this._displaceable(request);
      if (!victim) {
        return null;
      }
      this._release(victim, false);
      victim.request.onRevoked?.();
    }
    const lease = new Lease(request, this);
    this._leases.push(lease);
    this._changed.emit();
    return lease;
  }

  /** @internal Called by a lease's dispose. */
  _release(lease: Lease, announce = true): void {
    const index = this._leases.indexOf(lease);
    if (index < 0) {
      return;
    }
    this._leases.splice(index, 1);
    lease.released = true;
    if (announce) {
      this._changed.emit();
    }
  }

  private _displaceable(request: IConnectionRequest): Lease | null {
    const rank = RANK[request.priority];
    let victim: Lease | null = null;
    for (const lease of this._leases) {
      const other = RANK[lease.priority];
      const allowed =
        lease.request.onRevoked !== undefined &&
        (other < rank || (other === rank && request.insist === true));
      // Lowest priority first; among equals the longest-held (the list is in grant order).
      if (allowed && (victim === null || other < RANK[victim.priority])) {
        victim = lease;
      }
    }
    return victim;
  }

  private _leases: Lease[] = [];
  private _changed = new Signal<this, void>(this);
}

class Lease implements IConnectionLease {
  constructor(
    readonly request: IConnectionRequest,
    private readonly _budget: ConnectionBudget
  ) {}

  get label(): string {
    return this.request.label;
  }

  get priority(): ConnectionPriority {
    return this.request.priority;
  }

  get isDisposed(): boolean {
    return this.released;
  }

  dispose(): void {
    this._budget._release(this);
  }

  released = false;
}

/**
 * The page's budget: the browser's limit is per host, so every part of the extension (the
 * sidebar, log views, downloads) shares this one.
 */
export const connectionBudget = new ConnectionBudget();
