import { Disposable } from '../common/emitter';
import { Logger } from '../common/logger';
import { CrossWindowLock, InProcessLock } from './crossWindowLock';
import { Grant } from './grant';
import { GrantLostError, lagMessage, LockLostError, StorageLagError } from './grantErrors';
import { GrantStore, GRANT_KEY_PREFIX, INDEX_KEY } from './grantStore';
import { GrantView } from './grantView';
import { TurnHook, TurnOptions } from './lockedWrites';
import { Backoff, freshen, RefreshScheduler } from './refreshScheduler';
import { RefreshCoordinator, RefreshForce, Refresher } from './refreshTurn';
import { StorageSync } from './storageSync';

export { GrantLostError, LockLostError, StorageLagError } from './grantErrors';
export type { GrantsChangeEvent } from './grantView';
export type { RefreshForce, Refresher } from './refreshTurn';

export interface GrantManagerOptions {
  readonly store: GrantStore;
  readonly refresher: Refresher;
  readonly logger: Logger;
  /** Refresh this long before expiry; read on each use so a settings change applies at once. */
  readonly refreshSkewMs: () => number;
  /** Exclusion across the windows that share the secret store; one window's own lock by default. */
  readonly lock?: CrossWindowLock;
  /** How long to wait for this window's view of storage to catch up with the ledger. */
  readonly storageCatchUpMs?: number;
  /** How long another window's announced, unfinished write is waited for before it is given up. */
  readonly pendingGraceMs?: number;
  /** Schedule refreshes when grants fall due (off in most unit tests, which drive time themselves). */
  readonly proactive?: boolean;
  readonly now?: () => number;
  readonly random?: () => number;
  /** Tests only: called at each point of a refresh turn (to crash or freeze a window there). */
  readonly turnHook?: TurnHook;
}

/**
 * Owns the grants of one window (extension host): serves them from memory, persists them through
 * a {@link GrantStore}, keeps them fresh, and stays consistent with the other windows that share
 * the same SecretStorage. A facade over its jobs, each of which keeps one of the rules that keep a
 * grant alive across windows:
 * 1. Locked writes over the ledger (./lockedWrites.ts): every write of a key happens inside the
 *    lock for it, announced in the ledger first; the next holder waits until its view has reached
 *    the ledger, so it never sends a refresh token that was already used.
 * 2. Refresh coordination (./refreshTurn.ts): read, send and write back in one turn of the
 *    grant's lock, so the answer lands on exactly the grant whose token was used.
 * 3. Each grant is its own key (./storageSync.ts, ./grantStore.ts): a write never touches another
 *    grant; the index changes only on sign-in and sign-out.
 * 4. A storage read that fails is an error, logged and retried, never "no grants" (./storageSync.ts).
 * 5. A token that has not expired is served at once (here, {@link getFresh}, from ./grantView.ts);
 *    only an expired one makes callers wait; one account that cannot refresh does not hide the
 *    others; the proactive scheduler and callers share one backoff (./refreshScheduler.ts).
 */
export class GrantManager implements Disposable {
  private readonly view: GrantView;
  private readonly sync: StorageSync;
  private readonly refresher: RefreshCoordinator;
  private readonly backoff: Backoff;
  private readonly scheduler: RefreshScheduler;
  private readonly now: () => number;
  private readonly subscription: Disposable;
  private disposed = false;
  /** The earliest expiry among the grants in memory: until it is near, getFresh has nothing to check. */
  private earliestExpiry = Infinity;
  private clockRead?: number;
  readonly onDidChange: GrantView['onDidChange'];
  /** Fired once per grant that Spotify refused to refresh for good. */
  readonly onDidLoseGrant: RefreshCoordinator['onDidLoseGrant'];

  constructor(private readonly opts: GrantManagerOptions) {
    this.now = opts.now ?? Date.now;
    const lock = opts.lock ?? new InProcessLock();
    this.view = new GrantView(() => this.viewChanged());
    this.onDidChange = this.view.onDidChange;
    const turn: TurnOptions = {
      secrets: opts.store.secrets,
      logger: opts.logger,
      catchUpMs: opts.storageCatchUpMs ?? 10_000,
      pendingGraceMs: opts.pendingGraceMs ?? 5_000,
      monotonic: () => globalThis.performance.now(),
      pendingSeen: new Map(),
      ...(opts.turnHook ? { hook: opts.turnHook } : {}),
    };
    this.backoff = new Backoff(this.now);
    this.sync = new StorageSync({ store: opts.store, lock, logger: opts.logger, view: this.view, turn, disposed: () => this.disposed });
    this.refresher = new RefreshCoordinator({
      store: opts.store, lock, refresher: opts.refresher, logger: opts.logger, view: this.view, turn, now: this.now,
      isDue: (g) => this.isDue(g),
      dropFromIndex: (id) => void this.sync.updateIndex((ids) => ids.filter((i) => i !== id)).catch((e) => opts.logger.warn(`Could not update the session index: ${(e as Error).message}`)),
    });
    this.onDidLoseGrant = this.refresher.onDidLoseGrant;
    this.scheduler = new RefreshScheduler({
      view: this.view, backoff: this.backoff, now: this.now, random: opts.random ?? Math.random, skewMs: () => this.skewMs(),
      isDue: (g) => this.isDue(g), refreshing: (id) => this.refresher.refreshing(id),
      refresh: (id) => this.refresh(id).catch((e) => this.backgroundFailed(id, e)),
    });
    this.subscription = opts.store.secrets.onDidChange((e) => {
      if (this.disposed) {
        return;
      }
      if (e.key === INDEX_KEY) {
        void this.sync.reload();
      } else if (e.key.startsWith(GRANT_KEY_PREFIX)) {
        void this.sync.reloadGrant(e.key.slice(GRANT_KEY_PREFIX.length));
      }
    });
  }

  /** Moves format-1 grants to their own keys (once), then loads. Call once before serving. */
  async initialize(): Promise<void> {
    try {
      await this.sync.migrate();
    } catch (e) {
      // The old key stays as it is; the next start tries again. Nothing is lost.
      this.opts.logger.error(`Could not move stored Spotify sessions to the new format: ${(e as Error).message}`);
    }
    await this.sync.reload();
  }

  /** Re-reads every grant; when storage cannot be read, memory stays as it is. */
  reload = (): Promise<void> => this.sync.reload();
  /** The grants in memory, no I/O: the warm path. */
  all = (): readonly Grant[] => this.view.all();
  find = (scopes?: readonly string[], accountId?: string): Grant[] => this.view.find(scopes, accountId);

  /**
   * Like {@link find}, with tokens callers can use (rule 5): a token that has not expired is
   * returned at once (and refreshed in the background when due and not backing off); an expired
   * one is refreshed first. A grant that cannot be refreshed is left out; only when that leaves
   * nothing and the cause is passing (offline, Spotify down) does the call fail.
   */
  getFresh(scopes?: readonly string[], accountId?: string): Promise<Grant[]> {
    const matches = this.view.find(scopes, accountId);
    const dueAt = this.earliestExpiry - this.skewMs();
    if (this.turnClock() < dueAt) {
      return Promise.resolve(matches); // the warm path: nothing is due
    }
    const now = this.now(); // something may be due: decide on the clock as it is now
    return freshen(matches, now, {
      backoff: this.backoff, now: this.now, logger: this.opts.logger, isDue: (g, at) => this.isDue(g, at),
      refresh: (id) => this.refresh(id), background: (id, e) => this.backgroundFailed(id, e),
    });
  }

  /**
   * Stores a new grant, or a wider one of the same account in place of `replaces` (same id). Checks
   * first that this window's view of the index is not behind, and takes the grant's key back when
   * the index cannot be written: a failed sign-in leaves no orphaned key and a clear error.
   */
  async add(grant: Grant, replaces?: string): Promise<void> {
    const lag = lagMessage('the sign-in was not saved');
    await this.sync.checkIndex(lag);
    const before = await this.sync.writeGrant(grant.id, () => grant, lag);
    try {
      await this.sync.updateIndex((ids) => [...ids.filter((i) => i !== grant.id && i !== replaces), grant.id], lag);
    } catch (e) {
      await this.sync.writeGrant(grant.id, () => before).catch(() => undefined);
      throw e instanceof StorageLagError ? e : new Error(`The sign-in was not saved: ${(e as Error).message}`);
    }
    this.backoff.succeeded(grant.id); // new tokens: earlier failures say nothing about them
    if (replaces !== undefined && replaces !== grant.id) {
      await this.sync.writeGrant(replaces, () => undefined);
    }
    this.view.applyOne(grant.id, grant);
    if (replaces !== undefined && replaces !== grant.id) {
      this.view.applyOne(replaces, undefined);
    }
  }

  /** Forgets a grant everywhere: its key first, then the index (a failure never orphans a key). */
  async remove(id: string): Promise<Grant | undefined> {
    const lag = lagMessage('the sign-out was not done');
    await this.sync.checkIndex(lag);
    const gone = this.view.get(id);
    const stored = await this.sync.writeGrant(id, () => undefined, lag);
    await this.sync.updateIndex((ids) => ids.filter((i) => i !== id), lag);
    this.view.applyOne(id, undefined);
    return stored ?? gone;
  }

  /**
   * Refreshes one grant. Concurrent calls in this window share one request; other windows wait
   * for the lock and then see the new token. Without `force`, a grant that is not due is returned
   * as stored; with `{ ifAccessToken }`, one that no longer holds that token is. Resolves undefined when the grant was signed out; rejects with {@link GrantLostError}
   * when Spotify refuses it for good.
   */
  refresh(id: string, force: RefreshForce = false): Promise<Grant | undefined> {
    return this.refresher.refresh(id, force, (error) => {
      if (error === undefined || error instanceof GrantLostError) {
        this.backoff.succeeded(id);
      } else if (!(error instanceof LockLostError)) {
        // A fenced-off turn says nothing about the token endpoint: no pause for it.
        this.backoff.failed(id, error);
      }
      if (this.opts.proactive && !this.disposed) {
        this.scheduler.schedule();
      }
    });
  }

  dispose(): void {
    this.disposed = true;
    this.subscription.dispose();
    this.scheduler.dispose();
    this.sync.dispose();
    this.view.dispose();
    this.refresher.dispose();
  }

  /**
   * The clock, read once per event-loop turn: on this machine a read costs more than the rest of
   * the warm path. Only "nothing is due yet" is decided on it; a turn would have to last longer
   * than the refresh skew (a minute) for that to serve an expired token.
   */
  private turnClock(): number {
    if (this.clockRead === undefined) {
      this.clockRead = this.now();
      const t = setTimeout(() => (this.clockRead = undefined), 0);
      (t as { unref?: () => void }).unref?.();
    }
    return this.clockRead;
  }

  private isDue(g: Grant, now = this.now()): boolean {
    return g.expiresAt - this.skewMs() <= now;
  }

  /** The skew, never under 5 s (the setting allows 0): a token is refreshed before it could be served dead. */
  private skewMs = (): number => Math.max(this.opts.refreshSkewMs(), 5000);

  private viewChanged(): void {
    let earliest = Infinity;
    for (const g of this.view.values()) {
      earliest = Math.min(earliest, g.expiresAt);
    }
    this.earliestExpiry = earliest;
    this.clockRead = undefined;
    if (this.opts.proactive && !this.disposed) {
      this.scheduler.schedule();
    }
  }

  private backgroundFailed(id: string, e: unknown): void {
    if (e instanceof GrantLostError || this.disposed) {
      return;
    }
    const label = this.view.get(id)?.account.label ?? id;
    this.opts.logger.warn(`Background refresh of ${label}'s session failed; its current token is used until it expires: ${(e as Error).message}`);
  }
}
