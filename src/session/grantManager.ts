import { Disposable, Emitter } from '../common/emitter';
import { Logger } from '../common/logger';
import { isInvalidGrant, OAuthError } from '../oauth/errors';
import { TokenEndpointResponse } from '../oauth/token';
import { CrossWindowLock, InProcessLock, Ledger, LedgerEntry } from './crossWindowLock';
import { consentEndsAt, consentState, day } from './consent';
import { applyRefresh, Grant } from './grant';
import { grantKey, GrantStore, GRANT_KEY_PREFIX, INDEX_KEY, Stored, StorageReadError } from './grantStore';

export interface GrantsChangeEvent {
  readonly added: readonly Grant[];
  readonly removed: readonly Grant[];
  readonly changed: readonly Grant[];
}

/** A grant is gone for good: Spotify answered `invalid_grant` to its newest refresh token. */
export class GrantLostError extends Error {
  override readonly name = 'GrantLostError';
  /**
   * Set when the refusal is the known six-month end of the consent (Spotify says "Refresh token
   * expired", or the consent's end has passed): the end, in ms since the epoch.
   */
  readonly consentEndedAt?: number;
  constructor(
    readonly grant: Grant,
    readonly reason: OAuthError,
    now: number = Date.now(),
  ) {
    const end = consentEndsAt(grant);
    const ended = /expired/i.test(reason.errorDescription ?? '') || consentState(grant, now) === 'ended';
    super(
      ended
        ? `Your Spotify consent for ${grant.account.label} ended on ${day(end)}: Spotify ends every consent six months after it was given. Sign in again.`
        : `Your Spotify sign-in for ${grant.account.label} has expired or was revoked (${reason.errorDescription ?? reason.error}). Sign in again.`,
    );
    if (ended) {
      this.consentEndedAt = end;
    }
  }
}

/** This window's view of secret storage stayed behind another window's write for too long. */
export class StorageLagError extends Error {
  override readonly name = 'StorageLagError';
}

/** What the manager needs to refresh: a refresh call bound to the grant's client. */
export type Refresher = (grant: Grant) => Promise<TokenEndpointResponse>;

export interface GrantManagerOptions {
  readonly store: GrantStore;
  readonly refresher: Refresher;
  readonly logger: Logger;
  /** Refresh this long before expiry; read on each use so a settings change applies at once. */
  readonly refreshSkewMs: () => number;
  /** Exclusion across the windows of the profile; one window's own lock by default. */
  readonly lock?: CrossWindowLock;
  /** How long to wait for this window's view of storage to catch up with the ledger. */
  readonly storageCatchUpMs?: number;
  /** Schedule refreshes when grants fall due (off in most unit tests, which drive time themselves). */
  readonly proactive?: boolean;
  readonly now?: () => number;
  readonly random?: () => number;
}

const INDEX_LOCK = 'index';
const grantLock = (id: string) => `grant-${id}`;
/** Pause before a failed background refresh or storage read is tried again. */
const BACKGROUND_RETRY_MS = 30_000;
/** Proactive refreshes spread over up to this long after the due time, so windows do not stampede. */
const MAX_JITTER_MS = 10_000;

/**
 * Owns the grants of one window (extension host): serves them from memory, persists them through
 * a {@link GrantStore}, keeps them fresh, and stays consistent with the other windows that share
 * the same SecretStorage.
 *
 * The rules that keep a grant alive across windows:
 * 1. Every write of a key (a grant, the index) happens inside the cross-window lock for it, and
 *    the writer records the key's new generation in the lock's ledger. Whoever takes the lock next
 *    first waits until its own view of the key has reached that generation: it never acts on a
 *    stale copy, so it never sends a refresh token that was already used (a server with reuse
 *    detection would revoke the whole grant for that).
 * 2. A refresh reads the grant, sends its refresh token and writes the answer back in one turn of
 *    that grant's lock, so the answer lands on exactly the grant whose token was used: a grant
 *    replaced (widened) or signed out meanwhile is never overwritten.
 * 3. Each grant is its own key: a write never touches another grant; the index changes only on
 *    sign-in and sign-out.
 * 4. A storage read that fails is an error: logged and retried, never taken for "no grants".
 * 5. A token that has not expired is served at once (refreshed in the background when due); only
 *    an expired one makes callers wait; one account that cannot refresh does not hide the others.
 */
export class GrantManager implements Disposable {
  private grants = new Map<string, Grant>();
  /** The ids the index listed at the last reload: a grant key outside it (an orphan) is not adopted. */
  private indexed = new Set<string>();
  private readonly inflight = new Map<string, Promise<Grant | undefined>>();
  /** Proactive refresh timers, with the expiry each was planned for. */
  private readonly timers = new Map<string, { timer: ReturnType<typeof setTimeout>; expiresAt: number }>();
  private retryReload?: ReturnType<typeof setTimeout>;
  private readonly lock: CrossWindowLock;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly subscription: Disposable;
  private disposed = false;
  /** Storage change events arrive per key; reloads are serialized so events apply in order. */
  private reloads: Promise<unknown> = Promise.resolve();

  private readonly _onDidChange = new Emitter<GrantsChangeEvent>();
  readonly onDidChange = this._onDidChange.event;
  private readonly _onDidLoseGrant = new Emitter<GrantLostError>();
  /** Fired once per grant that Spotify refused to refresh for good. */
  readonly onDidLoseGrant = this._onDidLoseGrant.event;

  constructor(private readonly opts: GrantManagerOptions) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.lock = opts.lock ?? new InProcessLock();
    this.subscription = opts.store.secrets.onDidChange((e) => {
      if (this.disposed) {
        return;
      }
      if (e.key === INDEX_KEY) {
        void this.reload();
      } else if (e.key.startsWith(GRANT_KEY_PREFIX)) {
        void this.reloadGrant(e.key.slice(GRANT_KEY_PREFIX.length));
      }
    });
  }

  /** Moves format-1 grants to their own keys (once), then loads. Call once before serving. */
  async initialize(): Promise<void> {
    try {
      await this.migrate();
    } catch (e) {
      // The old key stays as it is; the next start tries again. Nothing is lost.
      this.opts.logger.error(`Could not move stored Spotify sessions to the new format: ${(e as Error).message}`);
    }
    await this.reload();
  }

  /**
   * Re-reads the index and every grant from this window's view and reports the difference. When
   * storage cannot be read, the grants in memory stay as they are and a retry is planned.
   */
  reload(): Promise<void> {
    return this.serial(async () => {
      let next: Map<string, Grant>;
      try {
        const index = await this.opts.store.readIndex();
        this.indexed = new Set(index.value ?? []);
        next = new Map();
        for (const id of this.indexed) {
          const g = (await this.opts.store.readGrant(id)).value;
          if (g) {
            next.set(id, g);
          }
        }
      } catch (e) {
        this.storageFailed(e);
        return;
      }
      const { removed } = this.apply(next);
      if (removed.length > 0) {
        this.opts.logger.info(`${removed.length} Spotify session(s) were signed out in another window.`);
      }
    });
  }

  /** The grants in memory, no I/O: the warm path. */
  all(): readonly Grant[] {
    return [...this.grants.values()];
  }

  /**
   * Grants that cover `scopes` (all when undefined), for `accountId` when given. Scopes Spotify
   * refused for a grant count as answered: asking again would only loop through the same refusal.
   */
  find(scopes?: readonly string[], accountId?: string): Grant[] {
    const out: Grant[] = [];
    for (const g of this.grants.values()) {
      if ((accountId === undefined || g.account.id === accountId) && (scopes === undefined || answered(g, scopes))) {
        out.push(g);
      }
    }
    return out;
  }

  /**
   * Like {@link find}, with tokens callers can use: a token that has not expired is returned at
   * once (and refreshed in the background when due); an expired one is refreshed first. A grant
   * that cannot be refreshed is left out; only when that leaves nothing and the cause is passing
   * (offline, Spotify down) does the call fail, so callers do not take it for a sign-out.
   */
  async getFresh(scopes?: readonly string[], accountId?: string): Promise<Grant[]> {
    const matches = this.find(scopes, accountId);
    const now = this.now();
    if (matches.every((g) => !this.isDue(g, now))) {
      return matches;
    }
    const failures: unknown[] = [];
    const fresh = await Promise.all(
      matches.map(async (g) => {
        if (!this.isDue(g, now)) {
          return g;
        }
        if (g.expiresAt > now) {
          this.refresh(g.id).catch((e) => this.backgroundFailed(g, e));
          return g;
        }
        try {
          return await this.refresh(g.id);
        } catch (e) {
          if (!(e instanceof GrantLostError)) {
            failures.push(e);
            this.opts.logger.warn(`${g.account.label}'s Spotify session has expired and could not be refreshed: ${(e as Error).message}`);
          }
          return undefined;
        }
      }),
    );
    const served = fresh.filter((g): g is Grant => g !== undefined);
    if (served.length === 0 && failures.length > 0) {
      throw failures[0];
    }
    return served;
  }

  /**
   * Stores a new grant, or a wider one of the same account in place of `replaces` (same id: the
   * sessions' users see a change, not a loss).
   */
  async add(grant: Grant, replaces?: string): Promise<void> {
    await this.writeGrant(grant.id, () => grant);
    await this.updateIndex((ids) => [...ids.filter((i) => i !== grant.id && i !== replaces), grant.id]);
    if (replaces !== undefined && replaces !== grant.id) {
      await this.writeGrant(replaces, () => undefined);
    }
    this.indexed.add(grant.id);
    this.applyOne(grant.id, grant);
    if (replaces !== undefined && replaces !== grant.id) {
      this.applyOne(replaces, undefined);
    }
  }

  /** Forgets a grant everywhere. A refresh of it waiting for the lock finds it gone. */
  async remove(id: string): Promise<Grant | undefined> {
    const gone = this.grants.get(id);
    const stored = await this.writeGrant(id, () => undefined);
    await this.updateIndex((ids) => ids.filter((i) => i !== id));
    this.applyOne(id, undefined);
    return stored ?? gone;
  }

  /**
   * Refreshes one grant. Concurrent calls in this window share one request; other windows wait
   * for the lock and then see the new token. Without `force`, a grant that is not due (another
   * window refreshed it) is returned as stored. Resolves undefined when the grant was signed out;
   * rejects with {@link GrantLostError} when Spotify refuses it for good.
   */
  refresh(id: string, force = false): Promise<Grant | undefined> {
    const running = this.inflight.get(id);
    if (running) {
      return running;
    }
    const p = this.doRefresh(id, force).finally(() => {
      this.inflight.delete(id);
      this.schedule();
    });
    this.inflight.set(id, p);
    return p;
  }

  dispose(): void {
    this.disposed = true;
    this.subscription.dispose();
    for (const t of this.timers.values()) {
      clearTimeout(t.timer);
    }
    this.timers.clear();
    clearTimeout(this.retryReload);
    this._onDidChange.dispose();
    this._onDidLoseGrant.dispose();
  }

  private isDue(g: Grant, now = this.now()): boolean {
    return g.expiresAt - this.opts.refreshSkewMs() <= now;
  }

  private doRefresh(id: string, force: boolean): Promise<Grant | undefined> {
    return this.lock.run(grantLock(id), async (ledger) => {
      const current = await this.caughtUp(grantKey(id), ledger, () => this.opts.store.readGrant(id));
      const stored = current.value;
      this.applyOne(id, stored);
      if (!stored || (!force && !this.isDue(stored))) {
        if (stored) {
          this.opts.logger.info(`${stored.account.label}'s Spotify session was already refreshed in another window.`);
        }
        return stored; // signed out, or another window refreshed it
      }
      if (!stored.refreshToken) {
        throw new Error(`${stored.account.label}'s Spotify session has no refresh token and cannot be renewed. Sign in again.`);
      }
      let res: TokenEndpointResponse;
      try {
        this.opts.logger.info(`Refreshing ${stored.account.label}'s Spotify session.`);
        res = await this.opts.refresher(stored);
      } catch (e) {
        if (isInvalidGrant(e)) {
          await this.deleteInLock(id, ledger, current.nextGen);
          throw this.lost(stored, e);
        }
        throw e;
      }
      // Rule 2: the answer goes onto the grant whose token was sent, and nowhere else. Inside the
      // lock no window can have changed it; this read catches changes made past every lock (a
      // keyring cleared by hand).
      const before = await this.opts.store.readGrant(id);
      if (before.value?.refreshToken !== stored.refreshToken || before.gen !== current.gen) {
        this.opts.logger.warn(`${stored.account.label}'s Spotify session changed outside this extension during its refresh; the refresh is not saved.`);
        this.applyOne(id, before.value);
        return before.value;
      }
      const updated = applyRefresh(stored, res, this.now());
      await this.write(id, ledger, updated, current.nextGen);
      this.applyOne(id, updated);
      this.opts.logger.info(`Refreshed ${stored.account.label}'s Spotify session; the new token is valid until ${new Date(updated.expiresAt).toISOString()}.`);
      return updated;
    });
  }

  /** Reports a grant Spotify refused; its key is already gone, the index follows. */
  private lost(grant: Grant, reason: OAuthError): GrantLostError {
    const lost = new GrantLostError(grant, reason, this.now());
    this.applyOne(grant.id, undefined);
    void this.updateIndex((ids) => ids.filter((i) => i !== grant.id)).catch((e) => this.opts.logger.warn(`Could not update the session index: ${(e as Error).message}`));
    this.opts.logger.warn(lost.message);
    this._onDidLoseGrant.fire(lost);
    return lost;
  }

  /** Replaces (or with undefined, deletes) one grant's key under its lock; returns what was there. */
  private writeGrant(id: string, next: (current: Grant | undefined) => Grant | undefined): Promise<Grant | undefined> {
    return this.lock.run(grantLock(id), async (ledger) => {
      const current = await this.caughtUp(grantKey(id), ledger, () => this.opts.store.readGrant(id));
      const value = next(current.value);
      if (value === undefined) {
        await this.deleteInLock(id, ledger, current.nextGen);
      } else {
        await this.write(id, ledger, value, current.nextGen);
      }
      return current.value;
    });
  }

  /** Writes one grant at generation `gen` ({@link caughtUp}'s `nextGen`) and records it in the ledger. */
  private async write(id: string, ledger: Ledger, grant: Grant, gen: number): Promise<void> {
    await this.opts.store.writeGrant(gen, grant);
    await ledger.write(grantKey(id), { gen });
  }

  private async deleteInLock(id: string, ledger: Ledger, gen: number): Promise<void> {
    await this.opts.store.deleteGrant(id);
    await ledger.write(grantKey(id), { gen, removed: true });
  }

  private updateIndex(change: (ids: readonly string[]) => string[]): Promise<void> {
    return this.lock.run(INDEX_LOCK, async (ledger) => {
      const current = await this.caughtUp(INDEX_KEY, ledger, () => this.opts.store.readIndex());
      await this.opts.store.writeIndex(current.nextGen, change(current.value ?? []));
      await ledger.write(INDEX_KEY, { gen: current.nextGen });
    });
  }

  /**
   * Reads `key` once this window's view has reached what the ledger says was last written (rule 1
   * of the class comment). A view that stays behind is an error, never a reason to act on old data.
   * `nextGen` is the generation a write of the key in this turn of the lock takes: above both the
   * view and the ledger (the ledger cannot change while the lock is held, so it is read once).
   */
  private async caughtUp<T>(key: string, ledger: Ledger, read: () => Promise<Stored<T>>): Promise<Stored<T> & { readonly nextGen: number }> {
    const expected = await ledger.read(key);
    const deadline = this.now() + (this.opts.storageCatchUpMs ?? 10_000);
    for (let wait = 5; ; wait = Math.min(100, wait * 2)) {
      const view = await read();
      if (isCaughtUp(view, expected)) {
        return { ...view, nextGen: Math.max(view.gen, expected?.gen ?? 0) + 1 };
      }
      if (this.now() > deadline) {
        throw new StorageLagError('Secret storage in this window is behind another window\'s write; trying again shortly.');
      }
      await this.changeOf(key, wait);
    }
  }

  /** Resolves when `key` changes in this window's view, or after `ms`. */
  private changeOf(key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sub = this.opts.store.secrets.onDidChange((e) => {
        if (e.key === key) {
          done();
        }
      });
      const timer = setTimeout(() => done(), ms);
      const done = () => {
        sub.dispose();
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async migrate(): Promise<void> {
    const legacy = await this.opts.store.readLegacy();
    if (legacy.grants.length === 0) {
      if (legacy.discard) {
        await this.opts.store.deleteLegacy();
      }
      return;
    }
    // Each grant is written before the index lists it, and the old key goes only once all are in.
    for (const g of legacy.grants) {
      await this.writeGrant(g.id, (current) => current ?? g);
    }
    await this.updateIndex((ids) => [...new Set([...ids, ...legacy.grants.map((g) => g.id)])]);
    await this.opts.store.deleteLegacy();
    this.opts.logger.info(`Moved ${legacy.grants.length} stored Spotify session(s) to one secret per session.`);
  }

  /** Another window changed one grant: take it from this window's view. */
  private reloadGrant(id: string): Promise<void> {
    return this.serial(async () => {
      try {
        const stored = await this.opts.store.readGrant(id);
        // A key the index does not list is an orphan (an index write that failed); if the index
        // event is merely late, the reload it triggers picks the grant up.
        if ((stored.value && this.indexed.has(id)) || this.grants.has(id)) {
          this.applyOne(id, stored.value);
        }
      } catch (e) {
        this.storageFailed(e);
      }
    });
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const run = this.reloads.then(fn, fn);
    this.reloads = run.catch(() => undefined);
    return run;
  }

  private storageFailed(e: unknown): void {
    this.opts.logger.error(`${e instanceof StorageReadError ? e.message : `Reading Spotify sessions failed: ${(e as Error).message}`} Keeping the sessions known so far; trying again in ${BACKGROUND_RETRY_MS / 1000} s.`);
    if (!this.disposed && this.retryReload === undefined) {
      this.retryReload = setTimeout(() => {
        this.retryReload = undefined;
        void this.reload();
      }, BACKGROUND_RETRY_MS);
      (this.retryReload as { unref?: () => void }).unref?.();
    }
  }

  private backgroundFailed(g: Grant, e: unknown): void {
    if (e instanceof GrantLostError || this.disposed) {
      return;
    }
    this.opts.logger.warn(`Background refresh of ${g.account.label}'s session failed; its current token is used until it expires: ${(e as Error).message}`);
  }

  private applyOne(id: string, grant: Grant | undefined): void {
    const next = new Map(this.grants);
    if (grant) {
      next.set(id, grant);
    } else {
      next.delete(id);
    }
    this.apply(next);
  }

  /** Replaces the in-memory grants, fires what changed and returns it. */
  private apply(next: Map<string, Grant>): GrantsChangeEvent {
    const added: Grant[] = [];
    const changed: Grant[] = [];
    for (const g of next.values()) {
      const old = this.grants.get(g.id);
      if (!old) {
        added.push(g);
      } else if (old.accessToken !== g.accessToken || old.account.label !== g.account.label || old.scopes.join(' ') !== g.scopes.join(' ')) {
        changed.push(g);
      }
    }
    const removed = [...this.grants.values()].filter((g) => !next.has(g.id));
    this.grants = next;
    this.schedule();
    const event = { added, removed, changed };
    if (added.length || removed.length || changed.length) {
      this._onDidChange.fire(event);
    }
    return event;
  }

  /**
   * Proactive refresh: one timer per grant, at its due time (the refresh skew before expiry) plus a
   * random delay of up to ten seconds (never before it is due: a refresh that finds the grant not
   * due does nothing). Planned again after every outcome: a new expiry gets a new timer; a failure
   * is tried again after {@link BACKGROUND_RETRY_MS}, so being offline never spins.
   */
  private schedule(): void {
    if (!this.opts.proactive || this.disposed) {
      return;
    }
    for (const [id, t] of this.timers) {
      if (!this.grants.has(id)) {
        clearTimeout(t.timer);
        this.timers.delete(id);
      }
    }
    for (const g of this.grants.values()) {
      if (this.timers.get(g.id)?.expiresAt === g.expiresAt || this.inflight.has(g.id)) {
        continue;
      }
      const skew = this.opts.refreshSkewMs();
      const jitter = this.random() * Math.min(MAX_JITTER_MS, skew / 2);
      this.plan(g, g.expiresAt - skew - this.now() + jitter);
    }
  }

  private plan(g: Grant, delayMs: number): void {
    const previous = this.timers.get(g.id);
    if (previous) {
      clearTimeout(previous.timer);
    }
    const timer = setTimeout(() => {
      this.timers.delete(g.id);
      const current = this.grants.get(g.id);
      if (!current || this.disposed) {
        return;
      }
      if (!this.isDue(current)) {
        this.schedule(); // woke early (clock change): plan again
        return;
      }
      this.refresh(g.id).catch((e) => {
        this.backgroundFailed(current, e);
        const still = this.grants.get(g.id);
        if (still && !this.disposed && !(e instanceof GrantLostError)) {
          this.plan(still, BACKGROUND_RETRY_MS);
        }
      });
    }, Math.min(Math.max(0, delayMs), 2 ** 31 - 1));
    (timer as { unref?: () => void }).unref?.();
    this.timers.set(g.id, { timer, expiresAt: g.expiresAt });
  }
}

/** Per grant (grants are immutable), the scopes it answers for: granted, and asked but refused. */
const answeredScopes = new WeakMap<Grant, ReadonlySet<string>>();

function answered(g: Grant, scopes: readonly string[]): boolean {
  let set = answeredScopes.get(g);
  if (!set) {
    set = new Set([...g.scopes, ...(g.refusedScopes ?? [])]);
    answeredScopes.set(g, set);
  }
  for (const s of scopes) {
    if (!set.has(s)) {
      return false;
    }
  }
  return true;
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

