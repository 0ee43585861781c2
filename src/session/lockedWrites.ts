import { Logger } from '../common/logger';
import { Ledger, LedgerEntry, LockTurn } from './crossWindowLock';
import { LockLostError, PendingWriteError, StorageLagError } from './grantErrors';
import { Stored } from './grantStore';
import { SecretStorageLike } from './secretStorage';
import { changeOf } from './storageWaits';

/** The points of a turn a test can stop at (a crash or a freeze there); no-ops in production. */
export type TurnPoint = 'locked' | 'sending' | 'answered' | 'stored' | 'ledgered';
export type TurnHook = (point: TurnPoint, key: string) => Promise<void>;

export interface TurnOptions {
  readonly secrets: SecretStorageLike;
  readonly logger: Logger;
  /** How long to wait for this window's view of a key to reach what the ledger says was written. */
  readonly catchUpMs: number;
  /** How long an announced write may stay unfinished (its window frozen) before it is given up. */
  readonly pendingGraceMs: number;
  readonly monotonic: () => number;
  /** When this window first saw each unfinished write, per key: it outlives a turn. */
  readonly pendingSeen: Map<string, { sig: string; since: number }>;
  readonly hook?: TurnHook;
}

/** Within one turn, wait this long at most for another window's unfinished write, then give the lock back. */
const PENDING_TURN_WAIT_MS = 250;

/**
 * The locked-write protocol over the ledger, for one key in one turn of its lock (rule 1 of
 * GrantManager). In order:
 * 1. `open`: read the ledger; settle a write an earlier holder announced but did not finish; wait
 *    until this window's view has reached the ledger's generation.
 * 2. `announce`: record in the ledger the generation about to be written and (for a refresh) a hash
 *    of the refresh token about to be sent, *before* anything leaves the window: the ledger is never
 *    behind storage, so a holder that dies between its storage write and its ledger write leaves a
 *    record the next holder can settle instead of a lagging view it would trust.
 * 3. `fence` right before sending and right before each write: the lock is still this turn's and the
 *    ledger entry is still the one this turn wrote. Writes are checked against the ledger, never only
 *    against this window's lagging view.
 * 4. `commit`: storage first, then the ledger.
 *
 * The way out when a holder died between announce and commit: the next holder waits for its view to
 * show the announced generation (the write landed: it records it) for up to `pendingGraceMs` of its
 * own clock, giving the lock back in between so a frozen holder that resumes can finish; after that
 * the announcement is given up (the key stays at its old generation, and the next write goes above
 * the announced one).
 */
export class KeyTurn<T> {
  private entry: LedgerEntry | undefined;
  private announced?: LedgerEntry;
  private view: Stored<T> = { gen: 0 };
  nextGen = 1;

  constructor(
    private readonly ledger: Ledger,
    private readonly turn: LockTurn,
    readonly key: string,
    private readonly read: () => Promise<Stored<T>>,
    private readonly o: TurnOptions,
  ) {}

  async open(lagMessage?: string): Promise<Stored<T>> {
    let entry = await this.ledger.read(this.key);
    const floor = entry?.pendingGen ?? 0;
    if (entry?.pendingGen !== undefined) {
      entry = await this.settle(entry);
    }
    this.view = await this.caughtUp(entry, lagMessage);
    this.entry = entry;
    this.nextGen = Math.max(this.view.gen, entry?.gen ?? 0, floor) + 1;
    return this.view;
  }

  /** Records the coming generation (and the hash of the refresh token about to be sent) in the ledger. */
  async announce(refreshTokenHash?: string): Promise<void> {
    await this.fence();
    const gen = Math.max(this.view.gen, this.entry?.gen ?? 0);
    const e: LedgerEntry = {
      gen,
      ...(this.view.value === undefined && this.entry?.removed ? { removed: true } : {}),
      pendingGen: this.nextGen,
      ...(refreshTokenHash ? { pendingRefreshTokenHash: refreshTokenHash } : {}),
    };
    await this.ledger.write(this.key, e);
    this.announced = e;
  }

  /** The lock is still this turn's and the ledger still says what this turn last read or wrote. */
  async fence(): Promise<void> {
    if (!(await this.turn.stillHeld())) {
      throw new LockLostError('This window lost the Spotify sign-in lock (it was stalled past the stale time); it stopped before sending or writing.');
    }
    if (!sameEntry(await this.ledger.read(this.key), this.announced ?? this.entry)) {
      throw new LockLostError('Another window changed this Spotify session while this window was stalled; it stopped before sending or writing.');
    }
  }

  /** Writes the key at the announced generation (announcing first if needed), then the ledger. */
  async commit(write: (gen: number) => Promise<void>, removed = false): Promise<void> {
    if (!this.announced) {
      await this.announce();
    }
    await this.fence();
    await write(this.nextGen);
    await this.o.hook?.('stored', this.key);
    await this.fence();
    const e: LedgerEntry = removed ? { gen: this.nextGen, removed: true } : { gen: this.nextGen };
    await this.ledger.write(this.key, e);
    this.announced = undefined;
    this.entry = e;
    await this.o.hook?.('ledgered', this.key);
  }

  /** Takes an announcement back (nothing was written), if the lock and ledger are still this turn's. */
  async withdraw(): Promise<void> {
    const a = this.announced;
    if (!a) {
      return;
    }
    try {
      await this.fence();
    } catch {
      return; // the next holder settles it
    }
    await this.ledger.write(this.key, { gen: a.gen, ...(a.removed ? { removed: true } : {}) });
    this.announced = undefined;
  }

  /** What this turn announced, for a late finish in a later turn ({@link finishAnnounced}). */
  get pending(): LedgerEntry | undefined {
    return this.announced;
  }

  private async settle(entry: LedgerEntry): Promise<LedgerEntry> {
    const sig = JSON.stringify(entry);
    const seen = this.o.pendingSeen.get(this.key);
    const since = seen?.sig === sig ? seen.since : this.o.monotonic();
    this.o.pendingSeen.set(this.key, { sig, since });
    const giveUpAt = since + this.o.pendingGraceMs;
    const turnEnd = Math.min(giveUpAt, this.o.monotonic() + PENDING_TURN_WAIT_MS);
    for (let wait = 5; ; wait = Math.min(50, wait * 2)) {
      const view = await this.read();
      let settled: LedgerEntry | undefined;
      if (view.corrupt || (view.value !== undefined ? view.gen >= entry.pendingGen! : !entry.removed)) {
        // The announced write landed (a write shows its generation, a delete an absent key).
        settled = view.value === undefined ? { gen: entry.pendingGen!, removed: true } : { gen: Math.max(view.gen, entry.pendingGen!) };
        this.o.logger.info('A Spotify session write another window announced had landed; recorded it.');
      } else if (this.o.monotonic() >= giveUpAt) {
        settled = { gen: entry.gen, ...(entry.removed ? { removed: true } : {}) };
        this.o.logger.warn(`A write of a Spotify session announced by another window was not finished within ${Math.round(this.o.pendingGraceMs / 1000)} s (that window stopped); it is given up.`);
      }
      if (settled) {
        if (!(await this.turn.stillHeld()) || !sameEntry(await this.ledger.read(this.key), entry)) {
          throw new LockLostError('The Spotify sign-in lock changed hands while this window was settling another window\'s write.');
        }
        await this.ledger.write(this.key, settled);
        this.o.pendingSeen.delete(this.key);
        return settled;
      }
      if (this.o.monotonic() >= turnEnd) {
        throw new PendingWriteError('Another window has not finished writing this Spotify session yet.');
      }
      await changeOf(this.o.secrets, this.key, wait);
    }
  }

  /**
   * Reads the key once this window's view has reached what the ledger says was last written. A view
   * that stays behind is an error, never a reason to act on old data.
   */
  private async caughtUp(expected: LedgerEntry | undefined, lagMessage?: string): Promise<Stored<T>> {
    const deadline = this.o.monotonic() + this.o.catchUpMs;
    for (let wait = 5; ; wait = Math.min(100, wait * 2)) {
      const view = await this.read();
      if (isCaughtUp(view, expected)) {
        return view;
      }
      if (this.o.monotonic() > deadline) {
        throw new StorageLagError(
          lagMessage ??
            `Secret storage in this window stayed ${Math.round(this.o.catchUpMs / 1000)} s behind another window's write, so nothing was changed. Try again; if it keeps happening, this window does not share secret storage with the others.`,
        );
      }
      await changeOf(this.o.secrets, this.key, wait);
    }
  }
}

/**
 * Finishes, in a later turn of the lock, a write whose turn was fenced off after its answer came
 * (the window was frozen with the answer in hand): allowed only while the ledger still shows this
 * very announcement, that is, while no other window has given it up or written since.
 */
export async function finishAnnounced(ledger: Ledger, turn: LockTurn, key: string, announced: LedgerEntry, write: (gen: number) => Promise<void>): Promise<'done' | 'moved' | 'notHeld'> {
  for (const step of ['check', 'write'] as const) {
    if (!(await turn.stillHeld())) {
      return 'notHeld';
    }
    const now = await ledger.read(key);
    // Still this announcement, or given up with nothing announced since (every send is announced
    // first, so no window has sent the old token again): the answer in hand is the grant's future.
    const givenUpOnly = now !== undefined && now.gen === announced.gen && now.pendingGen === undefined && !!now.removed === !!announced.removed;
    if (!sameEntry(now, announced) && !(step === 'check' && givenUpOnly)) {
      return 'moved'; // someone moved on, or (after the write) recorded it on seeing it in storage
    }
    if (step === 'check' && givenUpOnly) {
      announced = { ...now, pendingGen: announced.pendingGen };
      await ledger.write(key, announced);
    }
    if (step === 'check') {
      await write(announced.pendingGen!);
    }
  }
  await ledger.write(key, { gen: announced.pendingGen! });
  return 'done';
}

/** Whether a view of a key has reached the ledger's record of the last write (see rule 1). */
export function isCaughtUp(view: Stored<unknown>, expected: LedgerEntry | undefined): boolean {
  if (!expected || view.corrupt) {
    return true;
  }
  if (expected.removed) {
    return view.value === undefined || view.gen > expected.gen;
  }
  return view.value !== undefined && view.gen >= expected.gen;
}

export function sameEntry(a: LedgerEntry | undefined, b: LedgerEntry | undefined): boolean {
  return (
    (a?.gen ?? 0) === (b?.gen ?? 0) &&
    !!a?.removed === !!b?.removed &&
    a?.pendingGen === b?.pendingGen &&
    a?.pendingRefreshTokenHash === b?.pendingRefreshTokenHash
  );
}
