import { Logger } from '../common/logger';
import { HttpError } from '../oauth/errors';
import { Grant } from './grant';
import { GrantLostError } from './grantErrors';
import { GrantView } from './grantView';

/** First pause after a failed refresh; doubles with each failure in a row, up to {@link MAX_BACKOFF_MS}. */
export const BACKOFF_BASE_MS = 30_000;
const MAX_BACKOFF_MS = 10 * 60_000;
/** A `Retry-After` is honoured up to this long (86400 s has been seen; the token is dead long before). */
const MAX_RETRY_AFTER_MS = 60 * 60_000;
/**
 * A token with less life left than this is treated as expired: by the time the caller's request
 * reaches Spotify it would be dead, so callers wait for the refresh instead.
 */
const MIN_SERVED_LIFE_MS = 1000;
/** While a grant backs off, a caller holding an expired token starts at most one refresh per this long. */
export const CALLER_RETRY_MS = 10_000;
/** Proactive refreshes spread over up to this long after the due time, so windows do not stampede. */
const MAX_JITTER_MS = 10_000;

/**
 * One backoff per grant, shared by the proactive timer and every caller: after a refresh failed for
 * a passing reason, nobody in this window asks the token endpoint again for that grant before the
 * pause is over (Spotify's `Retry-After` when it gave one), so a polling consumer cannot hammer it
 * through an outage.
 */
export class Backoff {
  private readonly state = new Map<string, { at: number; failedAt: number; failures: number; error: unknown; retryAfter: boolean }>();

  constructor(private readonly now: () => number) {}

  /** Ms until `id` may be refreshed again (0: now). */
  wait(id: string): number {
    const s = this.state.get(id);
    return s ? Math.max(0, s.at - this.now()) : 0;
  }

  /**
   * The failure a caller with an expired token gets at once instead of a new refresh: while Spotify
   * asked to wait (Retry-After), or within {@link CALLER_RETRY_MS} of the last of two or more failures in a row. Shorter
   * than the background pause, so a caller sees Spotify come back within seconds; but a consumer
   * polling through an outage sends one refresh turn per that time, not one per call.
   */
  callerWait(id: string): unknown {
    const s = this.state.get(id);
    if (!s || s.at <= this.now()) {
      return undefined;
    }
    // The first failure may be a blip: the next caller tries again at once.
    return s.retryAfter || (s.failures >= 2 && this.now() - s.failedAt < CALLER_RETRY_MS) ? s.error : undefined;
  }

  failed(id: string, e: unknown): void {
    const failures = (this.state.get(id)?.failures ?? 0) + 1;
    const asked = e instanceof HttpError && e.retryAfterMs !== undefined ? Math.min(e.retryAfterMs, MAX_RETRY_AFTER_MS) : undefined;
    const delay = asked ?? Math.min(MAX_BACKOFF_MS, BACKOFF_BASE_MS * 2 ** (failures - 1));
    this.state.set(id, { at: this.now() + delay, failedAt: this.now(), failures, error: e, retryAfter: asked !== undefined });
  }

  succeeded(id: string): void {
    this.state.delete(id);
  }
}

export interface SchedulerDeps {
  readonly view: GrantView;
  readonly backoff: Backoff;
  readonly now: () => number;
  readonly random: () => number;
  readonly skewMs: () => number;
  readonly isDue: (g: Grant) => boolean;
  readonly refreshing: (id: string) => boolean;
  /** Starts a background refresh; failures are logged and recorded in the backoff by the caller. */
  readonly refresh: (id: string) => Promise<unknown>;
}

/**
 * Proactive refresh: one timer per grant, at its due time (the refresh skew before expiry) plus a
 * random delay of up to ten seconds, and never before its backoff is over. Planned again after every
 * outcome (each refresh ends with {@link schedule}), so being offline never spins.
 */
export class RefreshScheduler {
  private readonly timers = new Map<string, { timer: ReturnType<typeof setTimeout>; expiresAt: number; at: number }>();
  private stopped = false;

  constructor(private readonly d: SchedulerDeps) {}

  schedule(): void {
    if (this.stopped) {
      return;
    }
    for (const [id, t] of this.timers) {
      if (!this.d.view.has(id)) {
        clearTimeout(t.timer);
        this.timers.delete(id);
      }
    }
    for (const g of this.d.view.values()) {
      const planned = this.timers.get(g.id);
      const notBefore = this.d.now() + this.d.backoff.wait(g.id);
      if ((planned?.expiresAt === g.expiresAt && planned.at >= notBefore) || this.d.refreshing(g.id)) {
        continue;
      }
      const skew = this.d.skewMs();
      const jitter = this.d.random() * Math.min(MAX_JITTER_MS, skew / 2);
      this.plan(g, Math.max(g.expiresAt - skew + jitter, notBefore));
    }
  }

  dispose(): void {
    this.stopped = true;
    for (const t of this.timers.values()) {
      clearTimeout(t.timer);
    }
    this.timers.clear();
  }

  private plan(g: Grant, at: number): void {
    const previous = this.timers.get(g.id);
    if (previous) {
      clearTimeout(previous.timer);
    }
    const timer = setTimeout(() => {
      this.timers.delete(g.id);
      const current = this.d.view.get(g.id);
      if (!current || this.stopped) {
        return;
      }
      if (!this.d.isDue(current) || this.d.backoff.wait(g.id) > 0) {
        this.schedule(); // woke early (clock change, or a caller's failure started a pause): plan again
        return;
      }
      void this.d.refresh(g.id);
    }, Math.min(Math.max(0, at - this.d.now()), 2 ** 31 - 1));
    (timer as { unref?: () => void }).unref?.();
    this.timers.set(g.id, { timer, expiresAt: g.expiresAt, at });
  }
}

export interface CallerDeps {
  readonly backoff: Backoff;
  readonly now: () => number;
  readonly logger: Logger;
  readonly isDue: (g: Grant, now: number) => boolean;
  readonly refresh: (id: string) => Promise<Grant | undefined>;
  readonly background: (id: string, e: unknown) => void;
}

/**
 * getSessions past the warm path (rule 5 of GrantManager): a due token that has not expired is
 * served at once and refreshed in the background, unless its grant is backing off; an expired one
 * is refreshed first, or fails at once while Spotify's own Retry-After runs or a refresh failed in
 * the last {@link CALLER_RETRY_MS}. A grant that cannot be
 * refreshed is left out; only when that leaves nothing and the cause is passing (offline, Spotify
 * down) does the call fail, so callers do not take it for a sign-out.
 */
export async function freshen(matches: readonly Grant[], now: number, d: CallerDeps): Promise<Grant[]> {
  const failures: unknown[] = [];
  const fresh = await Promise.all(
    matches.map(async (g) => {
      if (!d.isDue(g, now)) {
        return g;
      }
      if (g.expiresAt - now > MIN_SERVED_LIFE_MS) {
        if (d.backoff.wait(g.id) === 0) {
          d.refresh(g.id).catch((e) => d.background(g.id, e));
        }
        return g;
      }
      try {
        const pause = d.backoff.callerWait(g.id);
        if (pause) {
          throw pause;
        }
        const fresh = await d.refresh(g.id);
        // A refresh that took longer than its token's life (a window stalled with the answer in
        // hand) brings back a token as dead as the old one: not served.
        if (fresh && fresh.expiresAt - d.now() <= MIN_SERVED_LIFE_MS) {
          throw new Error(`${g.account.label}'s Spotify session could not be renewed in time; try again.`);
        }
        return fresh;
      } catch (e) {
        if (!(e instanceof GrantLostError)) {
          failures.push(e);
          d.logger.warn(`${g.account.label}'s Spotify session has expired and could not be refreshed: ${(e as Error).message}`);
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
