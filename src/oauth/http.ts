import { Logger } from '../common/logger';
import { HttpError, isTransient, TransportError } from './errors';

/**
 * One HTTP exchange with a timeout, and the retry loop around it. Uses the global `fetch`, present
 * in Node 18+ and browsers, so there is no Node-only HTTP code in the OAuth client.
 */

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** First backoff; doubles each retry. */
  readonly baseDelayMs: number;
  /** No backoff is longer than this. */
  readonly maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited out: the request fails with a clear error. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
};

export interface HttpContext {
  readonly fetch: FetchLike;
  /** Per attempt, covering connect, headers and body. */
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  /** In [0, 1); injectable so tests can pin the jitter. */
  readonly random: () => number;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON, or undefined when the body is empty or not JSON. */
  readonly json: unknown;
  /** The body as text, for answers that are not JSON (Spotify's Development Mode 403s are plain text). */
  readonly text: string;
  readonly contentType: string;
}

export const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends one request and reads its whole body, both within `ctx.timeoutMs`. */
export async function send(ctx: HttpContext, url: string, init: RequestInit, what: string): Promise<HttpAnswer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ctx.timeoutMs);
  try {
    const res = await ctx.fetch(url, { ...init, signal: controller.signal, redirect: 'manual' });
    const text = await res.text();
    const contentType = res.headers.get('content-type') ?? '';
    let json: unknown;
    if (text.length > 0) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    return { status: res.status, headers: res.headers, json, text, contentType };
  } catch (e) {
    if (controller.signal.aborted) {
      throw new TransportError('timeout', `${what}: no answer from Spotify within ${Math.round(ctx.timeoutMs / 1000)} s.`);
    }
    throw new TransportError('network', `${what}: could not reach Spotify (${describeNetworkError(e)}).`);
  } finally {
    clearTimeout(timer);
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP-date. 0, missing or junk → undefined. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) {
    return undefined;
  }
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    const ms = Number(trimmed) * 1000;
    return ms > 0 ? ms : undefined;
  }
  const date = Date.parse(trimmed);
  if (!Number.isNaN(date) && date > now) {
    return date - now;
  }
  return undefined;
}

/** Exponential backoff with equal jitter: half fixed, half random, so retries spread out but still grow. */
export function backoffDelay(policy: RetryPolicy, retryIndex: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retryIndex);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the policy's attempts are spent. Only
 * transient failures (network, timeout, 429, 5xx) are retried; `invalid_grant` and other OAuth
 * errors are final at once. A 429 waits what `Retry-After` says, or the backoff when it says 0 or
 * nothing.
 */
export async function withRetry<T>(ctx: HttpContext, what: string, attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (!isTransient(e) || i + 1 >= ctx.retry.maxAttempts) {
        throw e;
      }
      const retryAfter = e instanceof HttpError ? e.retryAfterMs : undefined;
      if (retryAfter !== undefined && retryAfter > ctx.retry.maxRetryAfterMs) {
        throw new HttpError(
          (e as HttpError).status,
          `${what}: Spotify asks to wait ${Math.ceil(retryAfter / 1000)} s before trying again.`,
          retryAfter,
        );
      }
      const delay = retryAfter ?? backoffDelay(ctx.retry, i, ctx.random);
      ctx.logger.warn(`${what} failed (${(e as Error).message}); retry ${i + 1} of ${ctx.retry.maxAttempts - 1} in ${delay} ms.`);
      await ctx.sleep(delay);
    }
  }
}

function describeNetworkError(e: unknown): string {
  const cause = (e as { cause?: { code?: string } })?.cause;
  if (cause && typeof cause.code === 'string') {
    return cause.code;
  }
  return e instanceof Error ? e.message : String(e);
}
