import { Disposable, Emitter } from '../../src/common/emitter';
import { Logger } from '../../src/common/logger';
import { Redactor, redactingLogger } from '../../src/common/redactor';
import { SecretStorageLike } from '../../src/session/secretStorage';

/**
 * One SecretStorage shared by several "windows", like VS Code's: a write from any window fires
 * onDidChange in every window (its own included), after the write has landed.
 */
export class SharedSecretStorage {
  readonly data = new Map<string, string>();
  private readonly changes = new Emitter<{ key: string }>();
  reads = 0;
  writes = 0;

  /** A window's view of the storage. */
  window(): SecretStorageLike {
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
        queueMicrotask(() => this.changes.fire({ key }));
      },
      delete: async (key) => {
        this.writes++;
        await Promise.resolve();
        const had = this.data.delete(key);
        if (had) {
          queueMicrotask(() => this.changes.fire({ key }));
        }
      },
      onDidChange: (listener): Disposable => this.changes.event(listener),
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
