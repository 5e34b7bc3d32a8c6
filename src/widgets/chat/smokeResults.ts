import type { IStateDB } from '@jupyterlab/statedb';
import type { ISignal } from '@lumino/signaling';
import { Signal } from '@lumino/signaling';

import type { ISmokeResult } from '../../model/smokeTest';

const STATE_KEY = 'jupyterlab-lws:smoke-tests';

/**
 * The last smoke test of each deployment (by `namespace/name`), kept in the state DB so the
 * sidebar shows it after a reload; which tests are running now.
 */
export class SmokeResults {
  constructor(private readonly _state: IStateDB | null) {
    void this._restore();
  }

  /** Emitted when a result or a running test changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The last result of a deployment. */
  result(key: string): ISmokeResult | null {
    return this._results[key] ?? null;
  }

  /** Whether a smoke test of the deployment is running. */
  running(key: string): boolean {
    return this._running.has(key);
  }

  /** Marks a test of `key` as started or finished. */
  setRunning(key: string, running: boolean): void {
    if (running) {
      this._running.add(key);
    } else {
      this._running.delete(key);
    }
    this._changed.emit();
  }

  /** Records the result of a test of `key`. */
  set(key: string, result: ISmokeResult): void {
    this._results = { ...this._results, [key]: result };
    this._changed.emit();
    void this._state?.save(STATE_KEY, this._results as any);
  }

  private async _restore(): Promise<void> {
    const saved = (await this._state?.fetch(STATE_KEY).catch(() => null)) as
      Record<string, ISmokeResult> | null | undefined;
    if (saved && typeof saved === 'object') {
      // A test that finished while restoring wins over the saved one.
      this._results = { ...saved, ...this._results };
      this._changed.emit();
    }
  }

  private _results: Record<string, ISmokeResult> = {};
  private _running = new Set<string>();
  private _changed = new Signal<this, void>(this);
}
