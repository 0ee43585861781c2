/**
 * Mutual exclusion between the windows (extension hosts) that share one secret store, with a small
 * ledger that only the lock holder writes.
 *
 * Why a ledger: SecretStorage is shared, but a window's view of it lags behind other windows'
 * writes, and it has no compare-and-swap. So holding the lock is not enough to read the latest
 * value: the holder that writes a key also records the generation it wrote in the ledger (which
 * is read and written under the lock), and the next holder waits until its own view of the key has
 * reached that generation before it acts on it. A refresh token another window already used is
 * then never sent again.
 *
 * THE LOCK-DOMAIN CONTRACT. A lock and its ledger guard the data of one secret store, so:
 * - every window that shares a secret store shares one lock (per name) and one ledger;
 * - windows that do not share a secret store never share a ledger (nor wait for each other).
 * Folders and origins do not follow secret stores (desktop: secrets are application-wide, global
 * storage is per profile; vscode.dev: secrets are shared, Web Locks and IndexedDB are per
 * workspace origin; code-server: the server's folder is shared, secrets are per browser). So the
 * domain is named by the store itself: a random store id kept in the store (./lockDomain.ts), and
 * every implementation scopes its lock and ledger by that id, in a place every window of the store
 * reaches: a folder above the profiles for Node hosts (./node/lockFolder.ts), the secret store
 * itself for web workers (./secretLock.ts). Two windows agree on the id before either takes a lock.
 * Not covered: windows of one desktop whose extension runs on two different Remote machines (it is
 * installed there only) share the secrets but no disk. Installed locally, it runs on the UI side
 * (extensionKind ["ui", "workspace"]) in every window, which is covered.
 * Versions: an extension update reaches each window only when it restarts its extensions, so
 * windows on two versions run side by side until reloaded. A future change of this layout (folder,
 * file names, record or ledger format, store-id key) must therefore bridge the versions, or bump
 * the store id key so the two never share a ledger. Nothing is bridged today: no version before
 * lock domains was ever released.
 *
 * Implementations: an exclusive-create lock file for Node extension hosts (./node/fileLock.ts), a
 * claim-wait-read-back lock over SecretStorage for web workers (./secretLock.ts, behind Web Locks
 * inside one origin: ./web/webLock.ts), and an in-process one for a single window.
 */
export interface LedgerEntry {
  /** The generation last written to the key. */
  readonly gen: number;
  /** The key was deleted at that generation. */
  readonly removed?: boolean;
  /** A write of this generation is about to happen (recorded before the storage write). */
  readonly pendingGen?: number;
  /** Hash of the refresh token about to be sent in this turn. */
  readonly pendingRefreshTokenHash?: string;
  /** Ledgers keep every field as written: callers may add their own. */
  readonly [field: string]: unknown;
}

/** Entries are stored whole and read back as written (every field); one without an integer `gen` reads as absent. */
export interface Ledger {
  read(key: string): Promise<LedgerEntry | undefined>;
  write(key: string, entry: LedgerEntry): Promise<void>;
}

export interface LockTurn {
  /** True while this turn still holds the lock: no other window has broken it as stale. Part B calls it right before sending a refresh token and right before writing the answer. */
  stillHeld(): Promise<boolean>;
}

export interface CrossWindowLock {
  /** Runs `fn` while holding the lock called `name`; every window of the secret store waits its turn. */
  run<T>(name: string, fn: (ledger: Ledger, turn: LockTurn) => Promise<T>): Promise<T>;
}

/** Thrown when a lock could not be had in time; nothing was done under it. */
export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
}

/** A ledger entry read from storage, or undefined when it is not one (the guard every ledger applies). */
export function asLedgerEntry(v: unknown): LedgerEntry | undefined {
  return typeof v === 'object' && v !== null && Number.isInteger((v as { gen?: unknown }).gen) ? (v as LedgerEntry) : undefined;
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
 * in memory. Not for several windows: use the file lock or the secret-store lock there.
 */
export class InProcessLock implements CrossWindowLock {
  private readonly queue = new InProcessQueue();
  private readonly entries = new Map<string, LedgerEntry>();
  private readonly ledger: Ledger = {
    // A copy each way, so an entry reads back exactly as written, as from a file.
    read: async (key) => asLedgerEntry(clone(this.entries.get(key))),
    write: async (key, entry) => void this.entries.set(key, clone(entry)),
  };

  run<T>(name: string, fn: (ledger: Ledger, turn: LockTurn) => Promise<T>): Promise<T> {
    return this.queue.run(name, () => {
      // Nothing outside this process can break an in-process lock: held until the turn ends.
      let held = true;
      return fn(this.ledger, { stillHeld: async () => held }).finally(() => {
        held = false;
      });
    });
  }
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}
