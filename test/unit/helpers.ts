import { Disposable, Emitter } from '../../src/common/emitter';
import { Logger } from '../../src/common/logger';
import { Redactor, redactingLogger } from '../../src/common/redactor';
import { SecretStorageLike } from '../../src/session/secretStorage';

/**
 * One SecretStorage shared by several "windows", like VS Code's: a write from any window fires
 * onDidChange in every window (its own included), after the write has landed.
 *
 * `window({ lagMs })` models what VS Code really does: that window has its own view, which sees its
 * own writes at once but other windows' writes only after a delay (each delay drawn anew, changes
 * arriving in order), so a read right after another window's write still returns the old value.
 */
export class SharedSecretStorage {
  readonly data = new Map<string, string>();
  private readonly changes = new Emitter<{ key: string }>();
  private readonly views: Array<{ apply(key: string, value: string | undefined, own: boolean): void }> = [];
  reads = 0;
  writes = 0;

  /** A window's view of the storage. */
  window(opts: { lagMs?: () => number } = {}): SecretStorageLike {
    if (!opts.lagMs) {
      return this.directView();
    }
    const lag = opts.lagMs;
    const view = new Map(this.data);
    const events = new Emitter<{ key: string }>();
    let lastArrival = 0;
    const pending: Array<{ arrival: number; land: () => void }> = [];
    const drain = () => {
      while (pending.length > 0 && pending[0].arrival <= Date.now()) {
        pending.shift()!.land();
      }
      if (pending.length > 0) {
        setTimeout(drain, pending[0].arrival - Date.now());
      }
    };
    this.views.push({
      apply: (key, value, own) => {
        const land = () => {
          if (value === undefined) {
            view.delete(key);
          } else {
            view.set(key, value);
          }
          events.fire({ key });
        };
        if (own) {
          land();
          return;
        }
        // In order: a change never overtakes an earlier one. One queue per view, since separate
        // timers computed from Date.now() can fire out of order (Node's timers count from the
        // event loop's cached time).
        const arrival = Math.max(lastArrival, Date.now() + lag());
        lastArrival = arrival;
        pending.push({ arrival, land });
        if (pending.length === 1) {
          setTimeout(drain, arrival - Date.now());
        }
      },
    });
    const me = this.views[this.views.length - 1];
    const write = async (key: string, value: string | undefined) => {
      this.writes++;
      await Promise.resolve();
      if (value === undefined) {
        this.data.delete(key);
      } else {
        this.data.set(key, value);
      }
      for (const v of this.views) {
        v.apply(key, value, v === me);
      }
      queueMicrotask(() => this.changes.fire({ key }));
    };
    return {
      get: async (key) => {
        this.reads++;
        await Promise.resolve();
        return view.get(key);
      },
      store: (key, value) => write(key, value),
      delete: (key) => write(key, undefined),
      onDidChange: (listener): Disposable => events.event(listener),
      keys: async () => [...view.keys()],
    };
  }

  private directView(): SecretStorageLike {
    return {
      get: async (key) => {
        this.reads++;
        await Promise.resolve();
        return this.data.get(key);
      },
      store: async (key, value) => {
        this.writes++;
        await Promise.resolve();
        this.data.set(key, value);
        for (const v of this.views) {
          v.apply(key, value, false);
        }
        queueMicrotask(() => this.changes.fire({ key }));
      },
      delete: async (key) => {
        this.writes++;
        await Promise.resolve();
        const had = this.data.delete(key);
        for (const v of this.views) {
          v.apply(key, undefined, false);
        }
        if (had) {
          queueMicrotask(() => this.changes.fire({ key }));
        }
      },
      onDidChange: (listener): Disposable => this.changes.event(listener),
      keys: async () => [...this.data.keys()],
    };
  }
}

/** A logger that keeps every line, passed through a redactor as the product's log channel is. */
export function captureLogger(redactor = new Redactor()): { logger: Logger; lines: string[]; redactor: Redactor } {
  const lines: string[] = [];
  const sink: Logger = {
    trace: (m) => lines.push(`trace ${m}`),
    debug: (m) => lines.push(`debug ${m}`),
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
  return { logger: redactingLogger(sink, redactor), lines, redactor };
}

export const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

/** Waits until `ok()` or fails after `ms`. */
export async function until(ok: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) {
      throw new Error('condition not reached in time');
    }
    await tick(5);
  }
}
