import { asLedgerEntry, CrossWindowLock, InProcessQueue, Ledger, LedgerEntry, LockTimeoutError, LockTurn } from './crossWindowLock';
import { SecretStorageLike } from './secretStorage';

/**
 * A lock, and its ledger, kept in the secret store itself: for windows that share the store but no
 * folder and no origin (vscode.dev, whose web-worker extension hosts get an origin per workspace,
 * so Web Locks and IndexedDB do not reach across workspaces while the secrets do).
 *
 * One record per lock under `spotify.lock.<storeId>.<name>`: `{ owner?, beat, ledger }`. The store
 * has no compare-and-swap and each window's view lags the others' writes, so taking the lock is
 * Fischer's protocol: a window that sees the lock free (no owner) or stale (its record unchanged
 * for `staleAfterMs` of the waiter's own clock) writes a claim carrying the ledger it read, waits
 * `settleMs` (three times the propagation delay between views, or more), and reads back: if its own
 * claim is still there, no other claim was written within the delay, and it holds the lock. The
 * ledger travels inside the record, so the next holder reads the ledger the last one released.
 *
 * The holder rewrites the record (`beat`) every `heartbeatMs`, only while its view still shows it
 * as owner. A holder that finds its own clock jumped past the stale time (frozen: a debugger, an
 * extension host blocked by another extension) counts the lock as lost: `stillHeld` says false and
 * the ledger refuses writes. What the protocol assumes: a write reaches every view within a third
 * of `settleMs`, and a claim lands within a quarter of it after the read that found the lock free
 * (checked on the window's clock, the write's own time included: a later claim does not count; the
 * wait grows with the store's observed write time). Together: a claim landing after another
 * window's claim still reaches that window before its wait is over. Safety rests on those timings, so the waits are generous.
 */
export interface SecretLockOptions {
  readonly settleMs?: number;
  readonly staleAfterMs?: number;
  readonly heartbeatMs?: number;
  readonly acquireTimeoutMs?: number;
  readonly monotonic?: () => number;
}

interface LockRecord {
  readonly owner?: string;
  readonly beat: number;
  readonly ledger: Record<string, unknown>;
}

export class LockLostError extends Error {
  override readonly name = 'LockLostError';
}

export class SecretLock implements CrossWindowLock {
  private readonly queue = new InProcessQueue();
  /** Grows with the store's observed write time: a store slow for this window is slow for all. */
  private settleMs: number;
  private readonly staleAfterMs: number;
  private readonly heartbeatMs: number;
  private readonly acquireTimeoutMs: number;
  private readonly monotonic: () => number;

  constructor(
    private readonly secrets: SecretStorageLike,
    private readonly storeId: string,
    opts: SecretLockOptions = {},
  ) {
    this.settleMs = opts.settleMs ?? 2_000;
    this.staleAfterMs = opts.staleAfterMs ?? 30_000;
    this.heartbeatMs = opts.heartbeatMs ?? 3_000;
    this.acquireTimeoutMs = opts.acquireTimeoutMs ?? 180_000;
    this.monotonic = opts.monotonic ?? (() => performance.now());
  }

  run<T>(name: string, fn: (ledger: Ledger, turn: LockTurn) => Promise<T>): Promise<T> {
    return this.queue.run(name, async () => {
      const key = `spotify.lock.${this.storeId}.${name}`;
      const owner = randomToken();
      let record = await this.acquire(key, owner);
      let alive = this.monotonic(); // the last moment this turn knew it held the lock
      let ended = false;
      const held = async (): Promise<boolean> => {
        if (ended || this.monotonic() - alive > this.staleAfterMs - this.settleMs) {
          return false; // frozen for so long that a waiter may have called it stale
        }
        return parse(await this.secrets.get(key))?.owner === owner;
      };
      const put = async (next: LockRecord): Promise<void> => {
        if (!(await held())) {
          throw new LockLostError('Another window took over the Spotify sign-in lock; this window stopped.');
        }
        record = next;
        await this.secrets.store(key, JSON.stringify(next));
        alive = this.monotonic();
      };
      let beat: Promise<void> | undefined;
      const timer = setInterval(() => {
        beat ??= put({ ...record, beat: record.beat + 1 })
          .catch(() => undefined)
          .finally(() => (beat = undefined));
      }, this.heartbeatMs);
      (timer as { unref?: () => void }).unref?.();
      const ledger: Ledger = {
        read: async (k) => asLedgerEntry(copy(record.ledger[k])),
        write: (k, entry: LedgerEntry) => put({ ...record, ledger: { ...record.ledger, [k]: copy(entry) } }),
      };
      try {
        return await fn(ledger, { stillHeld: held });
      } finally {
        clearInterval(timer);
        await beat;
        // Checked right before the write, and the write refused if this window paused since the
        // check began: "free" must not land on a claim another window made meanwhile. Left: a
        // claim landing within settleMs/4 of the check (the bound claims themselves keep).
        const checkedAt = this.monotonic();
        if ((await held()) && this.monotonic() - checkedAt <= this.settleMs / 4) {
          await this.secrets.store(key, JSON.stringify({ beat: record.beat + 1, ledger: record.ledger } satisfies LockRecord));
        }
        ended = true;
      }
    });
  }

  private async acquire(key: string, owner: string): Promise<LockRecord> {
    const started = this.monotonic();
    let seen: { text: string | undefined; since: number } | undefined;
    for (;;) {
      if (this.monotonic() - started > this.acquireTimeoutMs) {
        throw new LockTimeoutError(`Another VS Code window has held the Spotify sign-in lock for over ${Math.round(this.acquireTimeoutMs / 1000)} s.`);
      }
      // Timed on both sides: what was read may be as old as the start of the read, and a pause
      // before the continuation (an event loop blocked by another extension) is caught below.
      const readAt = this.monotonic();
      const text = await this.secrets.get(key);
      if (!seen || seen.text !== text) {
        seen = { text, since: this.monotonic() };
      }
      const current = parse(text) ?? { beat: 0, ledger: {} };
      // Its own claim from a try it gave up is no one's lock.
      if (current.owner && current.owner !== owner && readAt - seen.since < this.staleAfterMs) {
        await this.changeOf(key, Math.min(250, this.heartbeatMs));
        continue; // held by a live window
      }
      if (this.monotonic() - readAt > this.settleMs / 4) {
        continue; // this window paused since it read: what it read is old
      }
      const claim: LockRecord = { owner, beat: current.beat + 1, ledger: current.ledger };
      const outcome = await this.claim(key, claim, readAt);
      if (outcome === 'held') {
        return claim;
      }
      // Another window's claim won (or ours went out too late to count): wait for its turn.
      seen = undefined;
    }
  }

  /**
   * Writes `claim` and watches the record for `settleMs`. Racing claims (windows that read "free"
   * within one delay of each other) each reach every racer's view within the wait, so all racers see
   * the same set of claims, and the smallest owner token wins; the winner writes its claim again
   * where its view ended on another, and waits once more.
   */
  private async claim(key: string, claim: LockRecord, readAt: number): Promise<'held' | 'lost'> {
    for (;;) {
      const others = new Set<string>();
      const note = (text: string | undefined) => {
        const o = parse(text)?.owner;
        if (o && o !== claim.owner) {
          others.add(o);
        }
      };
      const sub = this.secrets.onDidChange((e) => {
        if (e.key === key) {
          void Promise.resolve(this.secrets.get(key)).then(note, () => undefined);
        }
      });
      let back: LockRecord | undefined;
      try {
        const t0 = this.monotonic();
        await this.secrets.store(key, JSON.stringify(claim));
        const landed = this.monotonic();
        const late = landed - readAt > this.settleMs / 4;
        this.settleMs = Math.min(this.staleAfterMs / 4, Math.max(this.settleMs, 6 * (landed - t0)));
        if (late) {
          return 'lost'; // this window paused between reading "free" and writing: its claim may be late
        }
        await sleep(this.settleMs);
        const text = await this.secrets.get(key);
        note(text);
        back = parse(text);
      } finally {
        sub.dispose();
      }
      if (others.size === 0 && back?.owner === claim.owner) {
        return 'held';
      }
      if ([...others].some((o) => o < claim.owner!)) {
        return 'lost';
      }
      readAt = this.monotonic(); // the winner of the race: claim again and watch once more
    }
  }

  /** Resolves when `key` changes in this window's view, or after `ms`. */
  private changeOf(key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sub.dispose();
        resolve();
      };
      const sub = this.secrets.onDidChange((e) => e.key === key && done());
      const timer = setTimeout(done, ms);
    });
  }
}

function parse(text: string | undefined): LockRecord | undefined {
  try {
    const v = JSON.parse(text ?? '') as Partial<LockRecord>;
    if (typeof v !== 'object' || v === null || typeof v.ledger !== 'object' || v.ledger === null || !Number.isInteger(v.beat)) {
      return undefined;
    }
    return { ...(typeof v.owner === 'string' ? { owner: v.owner } : {}), beat: v.beat!, ledger: v.ledger };
  } catch {
    return undefined;
  }
}

function copy<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function randomToken(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
