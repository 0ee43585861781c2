/**
 * When to wait and for how long. The numbers are those of the seeds' SDKs: backoff from 0.5 s,
 * doubling up to 8 s, each delay multiplied by a random factor in [0.5, 1.0) so callers that failed
 * together do not come back together.
 */

export interface RetryOptions {
  /** Retries after the first attempt, for 429, 5xx and network errors together. Default 5 (0.5, 1, 2, 4, 8 s). */
  readonly maxRetries?: number;
  /** A `Retry-After` longer than this is not waited out: the call fails with SpotifyRateLimitError. Default 60,000. */
  readonly maxRetryAfterMs?: number;
  /** Also retry POST (and other non-idempotent methods) after 5xx and network errors. Default false. */
  readonly retryNonIdempotent?: boolean;
  /** Short retries of a 401 on a token this fetch saw for the first time within `recentTokenMs`. Default 3. */
  readonly brief401Retries?: number;
  /** How long a token counts as new for the brief-401 retries. Default 60,000. */
  readonly recentTokenMs?: number;
  /** Each attempt's limit, from sending to the end of the headers. Default 30,000. */
  readonly timeoutMs?: number;
}

export interface Policy {
  readonly maxRetries: number;
  readonly maxRetryAfterMs: number;
  readonly retryNonIdempotent: boolean;
  readonly brief401Retries: number;
  readonly recentTokenMs: number;
  readonly timeoutMs: number;
}

export const BASE_BACKOFF_MS = 500;
export const MAX_BACKOFF_MS = 8000;
/** Spotify's brief 401 on a fresh token (since July 2026) clears within a second or two. */
export const BRIEF_401_PAUSES_MS = [250, 500, 1000];

export function policyOf(o: RetryOptions = {}): Policy {
  const n = (v: number | undefined, d: number) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : d);
  return {
    maxRetries: Math.floor(n(o.maxRetries, 5)),
    maxRetryAfterMs: n(o.maxRetryAfterMs, 60_000),
    retryNonIdempotent: o.retryNonIdempotent === true,
    brief401Retries: Math.floor(n(o.brief401Retries, 3)),
    recentTokenMs: n(o.recentTokenMs, 60_000),
    timeoutMs: n(o.timeoutMs, 30_000) || 30_000,
  };
}

/** Backoff before retry `i` (0-based): min(8 s, 0.5 s * 2^i) times a factor in [0.5, 1.0). */
export function backoffMs(i: number, random: () => number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** i);
  return Math.round(ceiling * (0.5 + 0.5 * clamp01(random())));
}

/** The pause before brief-401 retry `i`, with the same jitter. */
export function brief401PauseMs(i: number, random: () => number): number {
  const base = BRIEF_401_PAUSES_MS[Math.min(i, BRIEF_401_PAUSES_MS.length - 1)];
  return Math.round(base * (0.5 + 0.5 * clamp01(random())));
}

/**
 * The wait for a 429 whose `Retry-After` asked for `ms`: never less than asked, plus up to a quarter
 * of it (at most 1 s) at random, so callers told the same do not return in the same instant.
 */
export function retryAfterWaitMs(ms: number, random: () => number): number {
  return Math.round(ms + clamp01(random()) * Math.min(1000, ms / 4));
}

/** `Retry-After` in ms: delta-seconds or an HTTP-date. 0, missing or junk: undefined (use the backoff). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) {
    return undefined;
  }
  const v = value.trim();
  if (/^\d+$/.test(v)) {
    const ms = Number(v) * 1000;
    return ms > 0 ? ms : undefined;
  }
  const date = Date.parse(v);
  return !Number.isNaN(date) && date > now ? date - now : undefined;
}

/** RFC 9110 §9.2.2: repeating these has the effect of doing it once. */
export function isIdempotent(method: string): boolean {
  return method === 'GET' || method === 'PUT' || method === 'DELETE' || method === 'HEAD' || method === 'OPTIONS';
}

function clamp01(r: number): number {
  return Number.isFinite(r) ? Math.min(Math.max(r, 0), 0.999999) : 0.5;
}
