/**
 * Mutual exclusion between the windows (extension hosts) of one profile, with a small ledger that
 * only the lock holder writes.
 *
 * Why a ledger: SecretStorage is shared, but a window's view of it lags behind other windows'
 * writes, and it has no compare-and-swap. So holding the lock is not enough to read the latest
 * value: the holder that writes a key also records the generation it wrote in the ledger (which
 * lives beside the lock and is read and written under it), and the next holder waits until its own
 * view of the key has reached that generation before it acts on it. A refresh token another window
 * already used is then never sent again.
 *
 * Implementations: an exclusive-create lock file in the extension's global storage folder for Node
 * extension hosts (./node/fileLock.ts), Web Locks for web workers (./web/webLock.ts), and an
 * in-process one for a single window.
 */
export interface LedgerEntry { readonly gen: number; readonly removed?: boolean; readonly pendingGen?: number; readonly pendingRefreshTokenHash?: string; }

export interface Ledger {
  read(key: string): Promise<LedgerEntry | undefined>;
  write(key: string, entry: LedgerEntry): Promise<void>;
}

export interface LockTurn {
  /** True while this turn still holds the lock: no other window has broken it as stale. Call right before sending a refresh token and right before writing the answer. */
  stillHeld(): Promise<boolean>;
}
export interface CrossWindowLock {
  run<T>(name: string, fn: (ledger: Ledger, turn: LockTurn) => Promise<T>): Promise<T>;
}

/** Serializes the calls of one window per name: the in-process part of every implementation. */
export class InProcessQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(name) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(name, tail);
    void tail.then(() => {
      if (this.tails.get(name) === tail) {
        this.tails.delete(name);
      }
    });
    return next;
  }
}

/**
 * One window on its own (and unit tests of one window): exclusion inside the process, the ledger
 * in memory. Not for several windows: use the file lock or Web Locks there.
 */
export class InProcessLock implements CrossWindowLock {
  private readonly queue = new InProcessQueue();
  private readonly entries = new Map<string, LedgerEntry>();
  private readonly ledger: Ledger = {
    read: async (key) => this.entries.get(key),
    write: async (key, entry) => void this.entries.set(key, entry),
  };

  run<T>(name: string, fn: (ledger: Ledger, turn: LockTurn) => Promise<T>): Promise<T> {
    return this.queue.run(name, () => fn(this.ledger, { stillHeld: async () => true }));
  }
}
