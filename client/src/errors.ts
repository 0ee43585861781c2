/**
 * The errors this package throws. Messages and fields carry Spotify's own text, statuses, methods
 * and paths (never a query string, never a token). Spotify's wording drifts, so the class comes
 * from the HTTP status and the body's shape; where only the wording can tell two causes apart
 * (Development Mode's plain-text 403s), the subclass is a best guess and its parent covers both.
 */

/** The id of the extension that provides the `spotify` sign-in. */
export const PROVIDER_EXTENSION_ID = 'spotify-auth.spotify-authentication';

/** Base of every error of this package. */
export class SpotifyClientError extends Error {
  override name = 'SpotifyClientError';
}

/** The Spotify Authentication extension is not installed (or not enabled): nobody provides `spotify`. */
export class SpotifyProviderMissingError extends SpotifyClientError {
  override name = 'SpotifyProviderMissingError';
  readonly extensionId = PROVIDER_EXTENSION_ID;
  constructor(detail?: string) {
    super(`Spotify sign-in needs the "Spotify Authentication" extension (${PROVIDER_EXTENSION_ID}): install or enable it.${detail ? ` (${detail})` : ''}`);
  }
}

/** No Spotify session has the scopes, and the call was not allowed to ask the user. */
export class SpotifyNotSignedInError extends SpotifyClientError {
  override name = 'SpotifyNotSignedInError';
  constructor(readonly scopes: readonly string[]) {
    super(`Not signed in to Spotify with the scopes ${scopes.join(', ') || '(none)'}: call getSpotifySession(scopes, { createIfNone: true }) or use createSpotifyFetch({ interactive: true }).`);
  }
}

/** The request never got an answer (offline, DNS, connection reset, timeout), after any retries. */
export class SpotifyNetworkError extends SpotifyClientError {
  override name = 'SpotifyNetworkError';
  constructor(
    readonly method: string,
    readonly path: string,
    /** A system error code (`ECONNRESET`, `ENOTFOUND`) or `timeout`, when known. */
    readonly code: string | undefined,
    readonly attempts: number,
  ) {
    super(`${method} ${path}: no answer from Spotify${code ? ` (${code})` : ''} after ${attempts} attempt${attempts === 1 ? '' : 's'}.`);
  }
}

/** Any error answer of the Web API; the subclasses below name the ones worth telling apart. */
export class SpotifyApiError extends SpotifyClientError {
  override name = 'SpotifyApiError';
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    /** What Spotify said, as it came: the JSON error's `message`, or a plain-text body (cut at 500 characters). */
    readonly spotifyMessage: string | undefined,
    /** The JSON error's `reason` (`QUOTA_EXCEEDED`, `PREMIUM_REQUIRED`, …), when it has one. */
    readonly reason?: string,
    explanation?: string,
  ) {
    super(`${method} ${path}: Spotify answered HTTP ${status}${spotifyMessage ? `: ${spotifyMessage}` : ''}${explanation ? `. ${explanation}` : ''}`);
  }
}

/** HTTP 401 that outlived short retries and one refresh of exactly that token: the user must sign in again. */
export class SpotifyUnauthorizedError extends SpotifyApiError {
  override name = 'SpotifyUnauthorizedError';
}

/** HTTP 429 whose wait is longer than the call may wait (`maxRetryAfterMs`), or retries ran out. */
export class SpotifyRateLimitError extends SpotifyApiError {
  override name = 'SpotifyRateLimitError';
  constructor(
    method: string,
    path: string,
    spotifyMessage: string | undefined,
    /** What `Retry-After` asked for, in milliseconds; undefined when it said nothing usable. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(429, method, path, spotifyMessage, undefined, retryAfterMs !== undefined ? `Spotify asks to wait ${Math.ceil(retryAfterMs / 1000)} s before trying again` : 'Rate limited; try again later');
  }
}

/**
 * HTTP 429 with `reason: QUOTA_EXCEEDED`: the quota shared by all of the developer's Development
 * Mode apps is used up. Not a rate limit, never retried: try again in hours, not seconds.
 */
export class SpotifyQuotaExceededError extends SpotifyApiError {
  override name = 'SpotifyQuotaExceededError';
}

/** HTTP 500/502/503 (or another 5xx) after the retries the method allows. */
export class SpotifyServerError extends SpotifyApiError {
  override name = 'SpotifyServerError';
}

/** HTTP 403. The subclasses tell the known causes apart. */
export class SpotifyForbiddenError extends SpotifyApiError {
  override name = 'SpotifyForbiddenError';
}

/**
 * A plain-text 403 (Spotify's Development Mode refusals are not JSON): the user is not on the app's
 * User Management list, or the app's owner has no Premium (which can take hours to clear after
 * subscribing). Show `spotifyMessage` to the user as it came.
 */
export class SpotifyDevelopmentModeError extends SpotifyForbiddenError {
  override name = 'SpotifyDevelopmentModeError';
}

/** The Development Mode 403 that says the user is not allowlisted (User Management, up to 5 users). */
export class SpotifyNotAllowlistedError extends SpotifyDevelopmentModeError {
  override name = 'SpotifyNotAllowlistedError';
}

/** The Development Mode 403 that says the app's owner has no Premium subscription. */
export class SpotifyOwnerPremiumRequiredError extends SpotifyDevelopmentModeError {
  override name = 'SpotifyOwnerPremiumRequiredError';
}

/** A JSON 403 about scope: the session lacks a scope this endpoint needs. Ask for it with getSpotifySession. */
export class SpotifyInsufficientScopeError extends SpotifyForbiddenError {
  override name = 'SpotifyInsufficientScopeError';
  constructor(
    method: string,
    path: string,
    spotifyMessage: string | undefined,
    /** The scopes the session had. */
    readonly sessionScopes: readonly string[],
  ) {
    super(403, method, path, spotifyMessage, undefined, `The session has ${sessionScopes.join(', ') || 'no scopes'}; ask for the scope this endpoint needs`);
  }
}

/** What Spotify said in an error answer: its JSON error's message and reason, or its plain text. */
export interface SpotifySaid {
  readonly json: boolean;
  readonly message?: string;
  readonly reason?: string;
}

export function readSaid(text: string): SpotifySaid {
  const trimmed = text.trim();
  if (trimmed === '') {
    return { json: false };
  }
  try {
    const parsed = JSON.parse(trimmed) as { error?: unknown; error_description?: unknown; reason?: unknown };
    if (parsed && typeof parsed === 'object') {
      const err = parsed.error;
      if (err && typeof err === 'object') {
        const { message, reason } = err as { message?: unknown; reason?: unknown };
        return { json: true, message: typeof message === 'string' ? cut(message) : undefined, reason: typeof reason === 'string' ? reason : undefined };
      }
      return { json: true, message: typeof err === 'string' ? cut(err) : undefined, reason: typeof parsed.reason === 'string' ? parsed.reason : undefined };
    }
  } catch {
    // not JSON: a plain-text answer
  }
  return /^\s*</.test(trimmed) ? { json: false } : { json: false, message: cut(trimmed) };
}

/** A 403 typed by body shape: plain text is Development Mode, JSON naming scope is a missing scope. */
export function forbidden(method: string, path: string, said: SpotifySaid, sessionScopes: readonly string[]): SpotifyForbiddenError {
  if (!said.json) {
    const Kind = said.message === undefined ? SpotifyDevelopmentModeError : /premium/i.test(said.message) ? SpotifyOwnerPremiumRequiredError : SpotifyNotAllowlistedError;
    return new Kind(403, method, path, said.message, undefined, 'In Development Mode the user must be on the app\'s User Management list and the app\'s owner needs Spotify Premium (a new subscription can take hours to count)');
  }
  if (/scope/i.test(said.message ?? '')) {
    return new SpotifyInsufficientScopeError(method, path, said.message, sessionScopes);
  }
  return new SpotifyForbiddenError(403, method, path, said.message, said.reason);
}

function cut(s: string): string {
  const t = s.trim();
  return t.length > 500 ? `${t.slice(0, 500)}…` : t;
}
