/**
 * Errors of the OAuth client. Messages never carry a token, code or verifier: they are built only
 * from Spotify's `error` / `error_description`, HTTP statuses and our own words.
 */

/** An OAuth error as RFC 6749 §5.2 / §4.1.2.1 defines it, from the token endpoint or the redirect. */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(
    /** RFC 6749 `error`, e.g. `invalid_grant`, `access_denied`. */
    readonly error: string,
    /** RFC 6749 `error_description`, e.g. Spotify's `Refresh token revoked`. */
    readonly errorDescription: string | undefined,
    /** HTTP status of the token response, when there was one. */
    readonly status?: number,
  ) {
    super(errorDescription ? `${error}: ${errorDescription}` : error);
  }
}

/** The redirect that came back is not ours or is malformed; nothing was sent to Spotify. */
export class CallbackError extends Error {
  override readonly name = 'CallbackError';
  constructor(
    readonly reason: 'state_mismatch' | 'missing_code' | 'missing_state' | 'duplicate_parameter' | 'malformed',
    message: string,
  ) {
    super(message);
  }
}

/** A request did not get a usable HTTP answer: connection refused or reset, DNS, or our timeout. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly kind: 'network' | 'timeout' | 'aborted',
    message: string,
  ) {
    super(message);
  }
}

/**
 * An HTTP answer that is not a success and not an OAuth error document: a Web API error,
 * a 5xx or 429 from the token endpoint, an HTML error page, a truncated body.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    /** From `Retry-After` on 429/503, in milliseconds; undefined when absent or unparsable. */
    readonly retryAfterMs?: number,
    /** What Spotify said, as it came (its Web API message, or a plain-text body), safe to show. */
    readonly spotifyText?: string,
    /** A 429 whose body names `QUOTA_EXCEEDED`: a quota, not a rate limit. */
    readonly quotaExceeded = false,
  ) {
    super(message);
  }
}

/**
 * Spotify let the user approve, then refused the account on the Web API (HTTP 403 right after
 * consent): in Development Mode the account is not on the app's User Management list, or the
 * app's owner has no Premium. Classified by status alone: the texts changed four times.
 */
export class AccountRefusedError extends Error {
  override readonly name = 'AccountRefusedError';
  constructor(readonly spotifyText: string | undefined) {
    super(`Spotify refused this account for the app (HTTP 403)${spotifyText ? `: ${spotifyText}` : ''}`);
  }
}

/** The user (or a caller's cancellation) stopped a sign-in. */
export class CancellationError extends Error {
  override readonly name = 'CancellationError';
  constructor(message = 'Sign-in was cancelled.') {
    super(message);
  }
}

/** True for failures worth retrying: the grant is fine, the network or Spotify is not. */
export function isTransient(e: unknown): boolean {
  if (e instanceof TransportError) {
    return e.kind !== 'aborted';
  }
  if (e instanceof HttpError) {
    return (e.status === 429 && !e.quotaExceeded) || e.status === 500 || e.status === 502 || e.status === 503 || e.status === 504;
  }
  if (e instanceof OAuthError) {
    // Spotify answers a 5xx with an OAuth-shaped `server_error` / `temporarily_unavailable` now and then.
    return e.error === 'server_error' && (e.status ?? 0) >= 500 || e.error === 'temporarily_unavailable';
  }
  return false;
}

/** `invalid_grant`: the code or refresh token is dead. Retrying cannot help; signing in again can. */
export function isInvalidGrant(e: unknown): e is OAuthError {
  return e instanceof OAuthError && e.error === 'invalid_grant';
}
