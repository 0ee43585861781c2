import { Disposable, Emitter } from '../common/emitter';
import { Logger } from '../common/logger';
import { isInvalidGrant, OAuthError } from '../oauth/errors';
import { scopesCover } from '../oauth/scopes';
import { TokenEndpointResponse } from '../oauth/token';
import { applyRefresh, Grant } from './grant';
import { GRANTS_KEY, GrantStore } from './grantStore';
import { RefreshLease } from './refreshLease';

export interface GrantsChangeEvent {
  readonly added: readonly Grant[];
  readonly removed: readonly Grant[];
  readonly changed: readonly Grant[];
}

/** A grant is gone for good: Spotify said `invalid_grant` and no other window holds a newer token. */
export class GrantLostError extends Error {
  override readonly name = 'GrantLostError';
  constructor(
    readonly grant: Grant,
    readonly reason: OAuthError,
  ) {
    super(`Your Spotify sign-in for ${grant.account.label} has expired or was revoked (${reason.errorDescription ?? reason.error}). Sign in again.`);
  }
}

/** What the manager needs to refresh: a refresh call bound to the grant's client. */
export type Refresher = (grant: Grant) => Promise<TokenEndpointResponse>;

export interface GrantManagerOptions {
  readonly store: GrantStore;
  readonly refresher: Refresher;
  readonly logger: Logger;
  /** Refresh this long before expiry; read on each use so a settings change applies at once. */
  readonly refreshSkewMs: () => number;
  /**
   * How long a window that got `invalid_grant` waits for another window's newer token before it
   * calls the grant lost. Must cover one token request of the winner: request timeout + margin.
   */
  readonly raceGraceMs: number;
  /** Identifies this window in refresh leases. */
  readonly windowId: string;
  /** Schedule refreshes ahead of expiry (off in most unit tests, which drive time themselves). */
  readonly proactive?: boolean;
  readonly now?: () => number;
  readonly random?: () => number;
}

/**
 * Owns the grants of one window (extension host): serves them from memory, persists them through
 * a {@link GrantStore}, keeps them fresh, and stays consistent with other windows that share the
 * same SecretStorage.
 *
 * Concurrency, in one window: every read-modify-write of storage runs through one queue, and each
 * grant has at most one refresh in flight (callers share its promise).
 *
 * Across windows (several extension hosts over one SecretStorage):
 * 1. Before a refresh, the stored grant is read again: if another window already refreshed it,
 *    that token is used and no request is sent. Storage changes arrive through `onDidChange`, so
 *    idle windows pick new tokens up without asking Spotify.
 * 2. A per-grant lease ({@link RefreshLease}) makes it rare that two windows refresh at once; a
 *    window that sees another's live lease waits for that window's write instead of sending.
 * 3. The lease is advisory (no compare-and-swap exists), so a race can still happen with a
 *    single-use refresh token: the loser gets `invalid_grant`. The loser then does not drop the
 *    grant on its own say. Spotify consumed the token for the winner before it answered the
 *    loser, so the winner's answer is due within one request timeout of that moment; the loser
 *    waits for a stored grant with a different token for `raceGraceMs` (request timeout plus a
 *    margin) and adopts it. Only when none appears, no window holds a working token and the grant
 *    is removed. This bound comes from the request timeout, not from how the two windows happen
 *    to be scheduled.
 * 4. Every write re-reads storage inside the queue and changes only its own grant, so a window
 *    that refreshes never resurrects a grant another window (or this one) signed out meanwhile.
 */
export class GrantManager implements Disposable {
  private grants: Grant[] = [];
  private readonly inflight = new Map<string, Promise<Grant | undefined>>();
  /** Proactive refresh timers, with the expiry each was planned for. */
  private readonly timers = new Map<string, { timer: ReturnType<typeof setTimeout>; expiresAt: number }>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly lease: RefreshLease;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly subscription: Disposable;
  private disposed = false;

  private readonly _onDidChange = new Emitter<GrantsChangeEvent>();
  readonly onDidChange = this._onDidChange.event;
  private readonly _onDidLoseGrant = new Emitter<GrantLostError>();
  /** Fired once per grant that Spotify refused to refresh for good. */
  readonly onDidLoseGrant = this._onDidLoseGrant.event;

  constructor(private readonly opts: GrantManagerOptions) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.lease = new RefreshLease(opts.store.secrets, opts.windowId, this.now);
    this.subscription = opts.store.secrets.onDidChange((e) => {
      if (e.key === GRANTS_KEY && !this.disposed) {
        void this.reload();
      }
    });
  }

  /** Loads stored grants. Call once before serving. */
  initialize(): Promise<void> {
    return this.reload();
  }

  /** Re-reads storage (another window changed it) and reports the difference as events. */
  reload(): Promise<void> {
    return this.exclusive(async () => {
      const { removed } = this.apply(await this.opts.store.read());
      if (removed.length > 0) {
        this.opts.logger.info(`${removed.length} Spotify session(s) were removed from secret storage by another window.`);
      }
    });
  }

  /** The grants in memory, no I/O: the warm path. */
  all(): readonly Grant[] {
    return this.grants;
  }

  /** Grants that cover `scopes` (all when undefined), for `accountId` when given. */
  find(scopes?: readonly string[], accountId?: string): Grant[] {
    return this.grants.filter(
      (g) => (accountId === undefined || g.account.id === accountId) && (scopes === undefined || scopesCover(g.scopes, scopes)),
    );
  }

  /**
   * Like {@link find}, but makes sure each token is fresh: a grant within the refresh skew of its
   * expiry is refreshed first. From memory when nothing is due, so the warm path touches no storage.
   */
  async getFresh(scopes?: readonly string[], accountId?: string): Promise<Grant[]> {
    const matches = this.find(scopes, accountId);
    if (matches.every((g) => !this.isDue(g))) {
      return matches;
    }
    const fresh = await Promise.all(
      matches.map(async (g) => {
        if (!this.isDue(g)) {
          return g;
        }
        try {
          return await this.refresh(g.id);
        } catch (e) {
          if (e instanceof GrantLostError) {
            return undefined;
          }
          if (g.expiresAt > this.now()) {
            // Not expired yet: the old token still works, and the next call tries again.
            this.opts.logger.warn(`Refreshing ${g.account.label}'s session failed, using its current token until it expires: ${(e as Error).message}`);
            return g;
          }
          throw e;
        }
      }),
    );
    return fresh.filter((g): g is Grant => g !== undefined);
  }

  /** Stores a new grant, or replaces `replaces` (a narrower grant of the same account) with it. */
  add(grant: Grant, replaces?: string): Promise<void> {
    return this.exclusive(async () => {
      const latest = (await this.opts.store.read()).filter((g) => g.id !== grant.id && g.id !== replaces);
      const next = [...latest, grant];
      await this.opts.store.write(next);
      this.apply(next);
    });
  }

  /** Forgets a grant. A refresh of it that is still in flight will not bring it back. */
  remove(id: string): Promise<Grant | undefined> {
    return this.exclusive(async () => {
      const latest = await this.opts.store.read();
      const gone = latest.find((g) => g.id === id) ?? this.grants.find((g) => g.id === id);
      const next = latest.filter((g) => g.id !== id);
      await this.opts.store.write(next);
      this.apply(next);
      return gone;
    });
  }

  /**
   * Refreshes one grant. Concurrent calls share one request. Without `force`, a grant that another
   * window already refreshed (or that is not due) is returned as stored. Resolves undefined when
   * the grant was signed out meanwhile; rejects with {@link GrantLostError} when Spotify refuses it.
   */
  refresh(id: string, force = false): Promise<Grant | undefined> {
    const running = this.inflight.get(id);
    if (running) {
      return running;
    }
    const p = this.doRefresh(id, force).finally(() => this.inflight.delete(id));
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
    this._onDidChange.dispose();
    this._onDidLoseGrant.dispose();
  }

  private isDue(g: Grant): boolean {
    return g.expiresAt - this.opts.refreshSkewMs() <= this.now();
  }

  private async doRefresh(id: string, force: boolean): Promise<Grant | undefined> {
    let stored = await this.readStored(id);
    if (!stored || (!force && !this.isDue(stored))) {
      return stored;
    }
    const ttl = this.opts.raceGraceMs;
    let lease = await this.lease.acquire(id, ttl);
    if (!lease.acquired) {
      // Another window is refreshing this grant: take its result instead of racing it.
      this.opts.logger.debug(`Another window is refreshing ${stored.account.label}'s session; waiting for it.`);
      const theirs = await this.waitForNewToken(id, stored.accessToken, lease.until);
      if (theirs !== undefined) {
        return theirs ?? undefined;
      }
      // Its lease ran out without a result (window closed?): refresh ourselves.
      stored = await this.readStored(id);
      if (!stored) {
        return undefined;
      }
      lease = await this.lease.acquire(id, ttl);
    }
    const release = lease.acquired ? lease.release : async () => undefined;
    try {
      if (!stored.refreshToken) {
        throw new Error(`${stored.account.label}'s Spotify session has no refresh token and cannot be renewed. Sign in again.`);
      }
      let res: TokenEndpointResponse;
      try {
        this.opts.logger.info(`Refreshing ${stored.account.label}'s Spotify session.`);
        res = await this.opts.refresher(stored);
      } catch (e) {
        if (isInvalidGrant(e)) {
          return await this.recoverFromInvalidGrant(stored, e);
        }
        throw e;
      }
      return await this.exclusive(async () => {
        const latest = await this.opts.store.read();
        const current = latest.find((g) => g.id === id);
        if (!current) {
          // Signed out while the request was in flight: it stays signed out.
          this.apply(latest);
          return undefined;
        }
        const updated = applyRefresh(current, res, this.now());
        const next = latest.map((g) => (g.id === id ? updated : g));
        await this.opts.store.write(next);
        this.apply(next);
        return updated;
      });
    } finally {
      await release().catch(() => undefined);
    }
  }

  /** See point 3 of the class comment. */
  private async recoverFromInvalidGrant(used: Grant, error: OAuthError): Promise<Grant | undefined> {
    const deadline = this.now() + this.opts.raceGraceMs;
    const theirs = await this.waitForNewToken(used.id, used.accessToken, deadline);
    if (theirs === null) {
      return undefined;
    }
    if (theirs !== undefined) {
      this.opts.logger.info(`Another window refreshed ${used.account.label}'s session first; using its token.`);
      return theirs;
    }
    const lost = new GrantLostError(used, error);
    await this.exclusive(async () => {
      const latest = await this.opts.store.read();
      // Remove only the very grant that failed; a newer one (signed in again meanwhile) stays.
      const next = latest.filter((g) => !(g.id === used.id && g.refreshToken === used.refreshToken));
      if (next.length !== latest.length) {
        await this.opts.store.write(next);
      }
      this.apply(next);
    });
    this.opts.logger.warn(lost.message);
    this._onDidLoseGrant.fire(lost);
    throw lost;
  }

  /**
   * Resolves with the stored grant once its access token differs from `oldAccessToken`, with null
   * when the grant was removed, or with undefined at `deadline`. Checks storage at once too, so a
   * write that landed before we subscribed is not missed.
   */
  private waitForNewToken(id: string, oldAccessToken: string, deadline: number): Promise<Grant | null | undefined> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (v: Grant | null | undefined) => {
        if (!settled) {
          settled = true;
          sub.dispose();
          clearTimeout(timer);
          resolve(v);
        }
      };
      const check = async () => {
        const g = await this.readStored(id);
        if (g === undefined) {
          finish(null);
        } else if (g.accessToken !== oldAccessToken) {
          finish(g);
        }
      };
      const sub = this.opts.store.secrets.onDidChange((e) => {
        if (e.key === GRANTS_KEY) {
          void check();
        }
      });
      const timer = setTimeout(() => void check().finally(() => finish(undefined)), Math.max(0, deadline - this.now()));
      void check();
    });
  }

  /** Reads one grant from storage (not memory) and brings memory up to date on the way. */
  private readStored(id: string): Promise<Grant | undefined> {
    return this.exclusive(async () => {
      const latest = await this.opts.store.read();
      this.apply(latest);
      return latest.find((g) => g.id === id);
    });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Replaces the in-memory grants, fires what changed and returns it. */
  private apply(next: Grant[]): GrantsChangeEvent {
    const before = new Map(this.grants.map((g) => [g.id, g]));
    const after = new Map(next.map((g) => [g.id, g]));
    const added = next.filter((g) => !before.has(g.id));
    const removed = this.grants.filter((g) => !after.has(g.id));
    const changed = next.filter((g) => {
      const old = before.get(g.id);
      return old !== undefined && (old.accessToken !== g.accessToken || old.account.label !== g.account.label || old.scopes.join(' ') !== g.scopes.join(' '));
    });
    this.grants = next;
    this.schedule();
    const event = { added, removed, changed };
    if (added.length || removed.length || changed.length) {
      this._onDidChange.fire(event);
    }
    return event;
  }

  /**
   * Proactive refresh: one timer per grant, a little before the skew, with jitter so that windows
   * spread out. A timer is planned again only when its grant's expiry changes, and a failed
   * background refresh is retried after {@link BACKGROUND_RETRY_MS}, so being offline never spins.
   */
  private schedule(): void {
    if (!this.opts.proactive || this.disposed) {
      return;
    }
    const live = new Set(this.grants.map((g) => g.id));
    for (const [id, t] of this.timers) {
      if (!live.has(id)) {
        clearTimeout(t.timer);
        this.timers.delete(id);
      }
    }
    for (const g of this.grants) {
      if (this.timers.get(g.id)?.expiresAt === g.expiresAt) {
        continue;
      }
      const jitter = Math.round(this.random() * 10_000);
      this.plan(g, g.expiresAt - this.opts.refreshSkewMs() - this.now() - jitter);
    }
  }

  private plan(g: Grant, delayMs: number): void {
    const previous = this.timers.get(g.id);
    if (previous) {
      clearTimeout(previous.timer);
    }
    const timer = setTimeout(() => {
      this.refresh(g.id).catch((e) => {
        if (e instanceof GrantLostError || this.disposed) {
          return;
        }
        this.opts.logger.warn(`Background refresh of ${g.account.label}'s session failed; trying again later: ${(e as Error).message}`);
        const current = this.grants.find((x) => x.id === g.id);
        if (current) {
          this.plan(current, BACKGROUND_RETRY_MS);
        }
      });
    }, Math.min(Math.max(1000, delayMs), 2 ** 31 - 1));
    (timer as { unref?: () => void }).unref?.();
    this.timers.set(g.id, { timer, expiresAt: g.expiresAt });
  }
}

/** Pause before a failed background refresh is tried again. */
const BACKGROUND_RETRY_MS = 30_000;
