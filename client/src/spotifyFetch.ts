import { CancellationTokenLike, combine, realSleep, Sleep, throwIfAborted } from './abort';
import {
  forbidden,
  readSaid,
  SpotifyApiError,
  SpotifyClientError,
  SpotifyNetworkError,
  SpotifyNotSignedInError,
  SpotifyQuotaExceededError,
  SpotifyRateLimitError,
  SpotifyServerError,
  SpotifyUnauthorizedError,
} from './errors';
import { SessionHost, SessionLike } from './host';
import { backoffMs, brief401PauseMs, isIdempotent, parseRetryAfter, policyOf, RetryOptions, retryAfterWaitMs } from './policy';

/** Spotify's Web API: paths and URLs on this origin get the session's token, nothing else does. */
export const SPOTIFY_API_ORIGIN = 'https://api.spotify.com';

export interface SpotifyFetchOptions extends RetryOptions {
  /** The scopes the calls need; the session must have them. */
  readonly scopes: readonly string[];
  /** Ask the user to sign in when no session has the scopes (VS Code's createIfNone). Default false: throw SpotifyNotSignedInError. */
  readonly interactive?: boolean;
  /**
   * The origin requests go to instead of https://api.spotify.com (an emulator in tests). Requests
   * for https://api.spotify.com URLs (what @spotify/web-api-ts-sdk sends) are sent here too.
   */
  readonly baseUrl?: string;
  /** Lines about retries and waits, for your log. They never hold a token or a query string. */
  readonly log?: (line: string) => void;
  /** The transport underneath; the global fetch by default. */
  readonly fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

/** `fetch`'s init, plus a VS Code CancellationToken. */
export interface SpotifyRequestInit extends RequestInit {
  readonly cancellationToken?: CancellationTokenLike;
}

export type SpotifyFetch = (input: string | URL | Request, init?: SpotifyRequestInit) => Promise<Response>;

/** For unit tests and the bench: time and chance, injectable. */
export interface Clockwork {
  readonly now?: () => number;
  readonly sleep?: Sleep;
  readonly random?: () => number;
}

const KEEP_TOKENS = 16;

/**
 * The fetch of {@link createSpotifyFetch}, bound to a session host. Resolves with the Response for
 * every answer below 400; every error answer (after the retries this class of error gets) is a
 * typed {@link SpotifyApiError}.
 */
export function createSpotifyFetchWith(host: SessionHost, options: SpotifyFetchOptions, clock: Clockwork = {}): SpotifyFetch {
  if (!Array.isArray(options?.scopes) || options.scopes.some((s) => typeof s !== 'string' || s.trim() === '' || /\s/.test(s))) {
    throw new TypeError('createSpotifyFetch({ scopes }) needs an array of Spotify scope names, such as ["user-read-private"].');
  }
  const scopes = [...options.scopes];
  const interactive = options.interactive === true;
  const policy = policyOf(options);
  const base = new URL(options.baseUrl ?? SPOTIFY_API_ORIGIN);
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new TypeError(`createSpotifyFetch: baseUrl must be an http(s) URL, not ${base.protocol}`);
  }
  const now = clock.now ?? Date.now;
  const sleep = clock.sleep ?? realSleep;
  const random = clock.random ?? Math.random;
  const transport = options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  const log = options.log ?? (() => undefined);

  /** When this fetch first saw each recent token: a 401 soon after is likely Spotify's brief one. */
  const firstSeen = new Map<string, number>();
  const seen = (token: string) => {
    let t = firstSeen.get(token);
    if (t === undefined) {
      t = now();
      firstSeen.set(token, t);
      if (firstSeen.size > KEEP_TOKENS) {
        firstSeen.delete(firstSeen.keys().next().value as string);
      }
    }
    return t;
  };

  // Concurrent callers share one getSession round trip, and one refreshIfCurrent per token.
  let pendingSession: Promise<SessionLike | undefined> | undefined;
  const session = async (): Promise<SessionLike> => {
    pendingSession ??= host.getSession(scopes, interactive).finally(() => (pendingSession = undefined));
    const s = await pendingSession;
    if (!s) {
      throw new SpotifyNotSignedInError(scopes);
    }
    return s;
  };
  // Per refused token, the provider's answer: kept after success (a late caller with the same old
  // token must not ask again), dropped after a failure (the next call may try again).
  const refreshing = new Map<string, Promise<boolean | undefined>>();
  const refreshIfCurrent = (s: SessionLike): Promise<boolean | undefined> => {
    const key = `${s.id}\n${s.accessToken}`;
    let p = refreshing.get(key);
    if (!p) {
      p = host.refreshIfCurrent(s.id, s.accessToken);
      refreshing.set(key, p);
      if (refreshing.size > KEEP_TOKENS) {
        refreshing.delete(refreshing.keys().next().value as string);
      }
      p.then(
        (changed) => changed !== true && refreshing.delete(key),
        () => refreshing.delete(key),
      );
    }
    return p;
  };

  return async (input, init = {}) => {
    const request = await describe(input, init, base);
    const { method, path } = request;
    const cancel = combine(init.signal, init.cancellationToken);
    const signal = cancel.signal;
    const pause = async (ms: number) => {
      await sleep(ms, signal);
      throwIfAborted(signal);
    };
    try {
      let retries = 0;
      let brief = 0;
      let askedProvider = false;
      for (let attempt = 1; ; attempt++) {
        throwIfAborted(signal);
        const s = await session();
        throwIfAborted(signal);
        const firstSeenAt = seen(s.accessToken);
        let res: Response;
        try {
          res = await send(transport, request, s.accessToken, signal, policy.timeoutMs);
        } catch (e) {
          throwIfAborted(signal);
          const code = networkCode(e);
          if ((isIdempotent(method) || policy.retryNonIdempotent) && retries < policy.maxRetries && !request.oneShotBody) {
            const wait = backoffMs(retries++, random);
            log(`${method} ${path}: no answer (${code ?? 'network error'}); retry ${retries} of ${policy.maxRetries} in ${wait} ms.`);
            await pause(wait);
            continue;
          }
          throw new SpotifyNetworkError(method, path, code, attempt);
        }
        if (res.status < 400) {
          return res;
        }
        const text = await res.text().catch(() => '');
        const said = readSaid(text);
        switch (res.status) {
          case 401: {
            if (brief < policy.brief401Retries && now() - firstSeenAt <= policy.recentTokenMs) {
              const wait = brief401PauseMs(brief++, random);
              log(`${method} ${path}: HTTP 401 on a new token (Spotify refuses fresh tokens for a moment); retry in ${wait} ms.`);
              await pause(wait);
              continue;
            }
            if (!askedProvider) {
              askedProvider = true;
              // Someone may have refreshed already; else ask the provider to replace exactly this token.
              const latest = await session();
              let changed = latest.accessToken !== s.accessToken;
              if (!changed) {
                try {
                  changed = (await refreshIfCurrent(s)) === true;
                } catch (e) {
                  throw new SpotifyUnauthorizedError(401, method, path, said.message, said.reason, `The session's token is refused and could not be refreshed (${(e as Error)?.message ?? e})`);
                }
              }
              throwIfAborted(signal);
              if (changed) {
                log(`${method} ${path}: HTTP 401 persisted; the session has a new token now, trying with it.`);
                brief = 0; // the new token may get Spotify's brief 401 too
                continue;
              }
            }
            throw new SpotifyUnauthorizedError(401, method, path, said.message, said.reason, 'The session\'s token is refused; sign in to Spotify again');
          }
          case 403:
            throw forbidden(method, path, said, s.scopes);
          case 429: {
            if (said.reason === 'QUOTA_EXCEEDED' || (!said.json && /QUOTA_EXCEEDED/.test(text))) {
              throw new SpotifyQuotaExceededError(429, method, path, said.message, 'QUOTA_EXCEEDED', 'The Development Mode quota shared by all of the developer\'s apps is used up; try again in some hours');
            }
            const asked = parseRetryAfter(res.headers.get('retry-after'), now());
            if (asked !== undefined && asked > policy.maxRetryAfterMs) {
              throw new SpotifyRateLimitError(method, path, said.message, asked);
            }
            if (retries >= policy.maxRetries) {
              throw new SpotifyRateLimitError(method, path, said.message, asked);
            }
            const wait = asked !== undefined ? retryAfterWaitMs(asked, random) : backoffMs(retries, random);
            retries++;
            log(`${method} ${path}: HTTP 429; waiting ${wait} ms${asked !== undefined ? ` (Retry-After ${Math.round(asked / 1000)} s)` : ''}, retry ${retries} of ${policy.maxRetries}.`);
            await pause(wait);
            continue;
          }
          case 500:
          case 502:
          case 503:
            if ((isIdempotent(method) || policy.retryNonIdempotent) && retries < policy.maxRetries && !request.oneShotBody) {
              const wait = backoffMs(retries++, random);
              log(`${method} ${path}: HTTP ${res.status}; retry ${retries} of ${policy.maxRetries} in ${wait} ms.`);
              await pause(wait);
              continue;
            }
            throw new SpotifyServerError(res.status, method, path, said.message, said.reason);
          default:
            if (res.status >= 500) {
              throw new SpotifyServerError(res.status, method, path, said.message, said.reason);
            }
            throw new SpotifyApiError(res.status, method, path, said.message, said.reason);
        }
      }
    } finally {
      cancel.dispose();
    }
  };
}

interface Described {
  readonly url: string;
  readonly method: string;
  /** For messages and logs: the path without its query (which may carry ids, never secrets we add). */
  readonly path: string;
  readonly headers: Headers;
  readonly body: BodyInit | null | undefined;
  /** A stream body can be sent once only: no retries then. */
  readonly oneShotBody: boolean;
  readonly init: RequestInit;
}

async function describe(input: string | URL | Request, init: RequestInit, base: URL): Promise<Described> {
  let url: URL;
  let method = init.method;
  let headers = new Headers(init.headers);
  let body = init.body;
  if (typeof Request === 'function' && input instanceof Request) {
    url = new URL(input.url);
    method ??= input.method;
    if (init.headers === undefined) {
      headers = new Headers(input.headers);
    }
    if (body === undefined && input.body !== null) {
      body = await input.arrayBuffer(); // buffered, so that a retry can send it again
    }
  } else if (input instanceof URL || typeof input === 'string') {
    const raw = String(input);
    url = new URL(raw, base);
  } else {
    throw new TypeError('spotifyFetch: the first argument must be a path, a URL or a Request.');
  }
  // The token goes to Spotify's Web API (or the configured base) and nowhere else.
  const target = url.origin === SPOTIFY_API_ORIGIN ? new URL(url.pathname + url.search, base.origin) : url;
  if (target.origin !== base.origin) {
    throw new SpotifyClientError(`spotifyFetch only calls ${base.origin} (Spotify's Web API); ${url.origin} would receive the session's token.`);
  }
  headers.delete('authorization');
  const verb = (method ?? 'GET').toUpperCase();
  const oneShotBody = typeof ReadableStream === 'function' && body instanceof ReadableStream;
  const { cancellationToken: _ignored, ...rest } = init as SpotifyRequestInit;
  return { url: target.toString(), method: verb, path: target.pathname, headers, body, oneShotBody, init: rest };
}

async function send(transport: (input: string, init: RequestInit) => Promise<Response>, r: Described, token: string, signal: AbortSignal | undefined, timeoutMs: number): Promise<Response> {
  const headers = new Headers(r.headers);
  headers.set('authorization', `Bearer ${token}`);
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new TimeoutReached()), timeoutMs);
  const onAbort = () => timeout.abort(signal!.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await transport(r.url, { ...r.init, method: r.method, headers, body: r.body, signal: timeout.signal, ...(r.oneShotBody ? { duplex: 'half' } : {}) } as RequestInit);
  } catch (e) {
    if (timeout.signal.reason instanceof TimeoutReached) {
      throw timeout.signal.reason;
    }
    throw e;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

class TimeoutReached extends Error {
  override name = 'TimeoutError';
  readonly code = 'timeout';
}

function networkCode(e: unknown): string | undefined {
  const err = e as { code?: unknown; cause?: { code?: unknown } } | undefined;
  if (typeof err?.cause?.code === 'string') {
    return err.cause.code;
  }
  return typeof err?.code === 'string' ? err.code : undefined;
}
