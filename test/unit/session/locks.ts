import { CrossWindowLock, Ledger, LedgerEntry, LockTurn } from '../../../src/session/crossWindowLock';

/**
 * A lock shared by the test's windows whose faults the test controls: the holder can be "broken"
 * as a stale lock is (it keeps running, but no longer holds the lock, and the next waiter gets in),
 * and a ledger write can fail as if the holder died right before it.
 */
export class ControlledLock {
  readonly entries = new Map<string, LedgerEntry>();
  private holder?: { name: string; held: boolean; release: () => void };
  private readonly waiting: Array<() => void> = [];
  private busy = false;
  /** Fails the next ledger write that records a finished write (no `pendingGen`): the holder "died" there. */
  failNextCommit = false;
  ledgerWrites: Array<[string, LedgerEntry]> = [];

  private readonly ledger: Ledger = {
    read: async (key) => this.entries.get(key),
    write: async (key, entry) => {
      if (this.failNextCommit && entry.pendingGen === undefined) {
        this.failNextCommit = false;
        throw new Error('the window died before it wrote the ledger');
      }
      this.ledgerWrites.push([key, entry]);
      this.entries.set(key, entry);
    },
  };

  /** One window's handle (all handles share the one lock and ledger). */
  window(): CrossWindowLock {
    return { run: (name, fn) => this.run(name, fn) };
  }

  /** The holder's lock is taken from it as a stale one: it runs on, unaware, and the next waiter enters. */
  breakHolder(): void {
    const h = this.holder;
    if (h) {
      h.held = false;
      h.release();
    }
  }

  get held(): boolean {
    return this.holder !== undefined;
  }

  private async run<T>(name: string, fn: (ledger: Ledger, turn: LockTurn) => Promise<T>): Promise<T> {
    while (this.busy) {
      await new Promise<void>((r) => this.waiting.push(r));
    }
    this.busy = true;
    let released = false;
    const me = {
      name,
      held: true,
      release: () => {
        if (!released) {
          released = true;
          if (this.holder === me) {
            this.holder = undefined;
          }
          this.busy = false;
          this.waiting.shift()?.();
        }
      },
    };
    this.holder = me;
    try {
      return await fn(this.ledger, { stillHeld: async () => me.held });
    } finally {
      me.release();
    }
  }
}
