import { Disposable } from '../common/emitter';
import { CrossWindowLock, Ledger, LockTimeoutError, LockTurn } from './crossWindowLock';
import { SecretStorageLike } from './secretStorage';

/**
 * The name of a lock domain (see the contract in ./crossWindowLock.ts): a random id kept in the
 * secret store it names. Windows that share the store read the same id; windows with another store
 * (a second browser on one code-server) make their own, so their ledgers never meet.
 *
 * Two windows may start on an empty store at once, each with a view that lags the other's writes
 * (and may even end on an older write than the store holds: a window sees its own write at once and
 * another's earlier write after it), and there is no compare-and-swap. They converge by a claim, a
 * deterministic tie-break and a wait, as in Fischer's mutual exclusion: a window that finds no id
 * writes its own claim `{ id, at }`; of all claims a window sees, the earliest wins (ties: the
 * smaller id), and a window whose view shows a later one writes the earliest back; a window adopts
 * the winner only after its view has shown it unchanged for `settleMs` (longer than twice the delay
 * with which one window's write reaches another's view), on its own clock or, for a record written
 * long ago, by the record's time stamp (windows of one store share a machine, so a clock).
 * Why that suffices: a window claims only while its view shows no record, so every claim is written
 * within one delay of the first; every window learns the earliest within another, and writes it back
 * where its view shows another; so a record that stood for twice the delay is the earliest.
 */
export const STORE_ID_KEY = 'spotify.lockDomain';

interface StoreIdRecord {
  readonly id: string;
  readonly at: number;
}

export interface StoreIdOptions {
  /** Longer than twice the propagation delay between windows' views of the store. */
  readonly settleMs?: number;
  /** How far a slow store write may stretch the wait (4x the write time, up to this). */
  readonly maxSettleMs?: number;
  /** Give up after this long, as the lock's own acquire would (LockTimeoutError). */
  readonly timeoutMs?: number;
  /** The id to claim when the store has none (the one in use, when the record was deleted). */
  readonly prefer?: string;
  readonly now?: () => number;
  readonly monotonic?: () => number;
  readonly randomId?: () => string;
}

/** VS Code delivers another window's secret write within milliseconds; seconds leave a wide margin. */
export const DEFAULT_SETTLE_MS = 3_000;
/** A first write may wait for the user (a keychain prompt): that says nothing about propagation. */
export const DEFAULT_MAX_SETTLE_MS = 10_000;

export async function resolveStoreId(secrets: SecretStorageLike, opts: StoreIdOptions = {}): Promise<string> {
  const now = opts.now ?? Date.now;
  const monotonic = opts.monotonic ?? (() => performance.now());
  const base = opts.settleMs ?? DEFAULT_SETTLE_MS;
  const most = Math.max(base, opts.maxSettleMs ?? DEFAULT_MAX_SETTLE_MS);
  const timeout = opts.timeoutMs ?? 180_000;
  const started = monotonic();
  let settle = base;
  let best: StoreIdRecord | undefined;
  let seen: { text: string; since: number } | undefined;
  const put = async (record: StoreIdRecord) => {
    const t0 = monotonic();
    await secrets.store(STORE_ID_KEY, JSON.stringify(record));
    // A store that is slow for this window is slow for the others too: wait longer then.
    settle = Math.min(most, Math.max(settle, 4 * (monotonic() - t0)));
    seen = undefined;
  };
  for (;;) {
    const text = (await secrets.get(STORE_ID_KEY)) ?? '';
    const record = parseRecord(text);
    if (record && (!best || earlier(record, best))) {
      best = record;
    }
    if (!best) {
      await put((best = { id: opts.prefer ?? (opts.randomId ?? randomId)(), at: now() }));
      continue;
    }
    if (!record || record.id !== best.id || record.at !== best.at) {
      // This view shows a later claim (or none): put the earliest back, so every view ends on it.
      await put(best);
      continue;
    }
    if (!seen || seen.text !== text) {
      seen = { text, since: monotonic() };
    }
    const standing = monotonic() - seen.since;
    const age = now() - best.at;
    if (standing >= settle || (age >= settle && age < 365 * 86_400_000)) {
      return best.id;
    }
    const left = timeout - (monotonic() - started);
    if (left <= 0) {
      throw new LockTimeoutError(`The Spotify sign-in lock's domain was not settled within ${Math.round(timeout / 1000)} s.`);
    }
    await changeOf(secrets, STORE_ID_KEY, Math.max(1, Math.min(settle - standing, left)));
  }
}

/** The claim that wins: the earliest, and between claims of one moment the smaller id. */
function earlier(a: StoreIdRecord, b: StoreIdRecord): boolean {
  return a.at < b.at || (a.at === b.at && a.id < b.id);
}

/** Resolves when `key` changes in this view (so no short-lived value goes unseen), or after `ms`. */
function changeOf(secrets: SecretStorageLike, key: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      sub.dispose();
      resolve();
    };
    const sub = secrets.onDidChange((e) => e.key === key && done());
    const timer = setTimeout(done, ms);
  });
}

/**
 * A lock scoped to this window's secret store: resolves the store id before the first turn, and
 * hands every turn to the lock of that domain (`make(id)`, made once per id). Should the record
 * change under it (a keyring cleared by hand), the id is resolved again, claiming the one in use.
 */
export class StoreScopedLock implements CrossWindowLock, Disposable {
  private id?: Promise<string>;
  private readonly locks = new Map<string, CrossWindowLock>();
  private readonly subscription: Disposable;

  constructor(
    private readonly secrets: SecretStorageLike,
    private readonly make: (storeId: string) => CrossWindowLock,
    private readonly opts: StoreIdOptions = {},
  ) {
    this.subscription = secrets.onDidChange((e) => {
      if (e.key === STORE_ID_KEY) {
        void this.recheck();
      }
    });
  }

  /** The id of this window's lock domain. */
  storeId(): Promise<string> {
    const id = (this.id ??= resolveStoreId(this.secrets, this.opts));
    id.catch(() => {
      if (this.id === id) {
        this.id = undefined; // a failed read is tried again on the next turn, never taken for an id
      }
    });
    return id;
  }

  async run<T>(name: string, fn: (ledger: Ledger, turn: LockTurn) => Promise<T>): Promise<T> {
    const id = await this.storeId();
    let lock = this.locks.get(id);
    if (!lock) {
      lock = this.make(id);
      this.locks.set(id, lock);
    }
    return lock.run(name, fn);
  }

  dispose(): void {
    this.subscription.dispose();
  }

  private async recheck(): Promise<void> {
    const current = this.id;
    if (!current) {
      return;
    }
    const inUse = await current.catch(() => undefined);
    const stored = parseRecord(await Promise.resolve(this.secrets.get(STORE_ID_KEY)).catch(() => undefined));
    if (inUse && stored?.id !== inUse && this.id === current) {
      this.id = resolveStoreId(this.secrets, { ...this.opts, prefer: inUse });
    }
  }
}

function parseRecord(text: string | undefined): StoreIdRecord | undefined {
  try {
    const v = JSON.parse(text ?? '') as Partial<StoreIdRecord>;
    return typeof v.id === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(v.id) && Number.isFinite(v.at) ? (v as StoreIdRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** 128 random bits, URL- and file-name-safe; Web Crypto exists in Node 20 and in browsers. */
function randomId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
