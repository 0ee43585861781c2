import { CallbackError, OAuthError } from './errors';

/**
 * Validates the authorization response (RFC 6749 §4.1.2) that came back to a redirect URI.
 *
 * The input may be a full URL (what the browser's address bar shows), a bare query string, or
 * already-parsed parameters. `state` is checked first and in constant shape: a callback with a
 * foreign state is rejected before we look at `code` or `error`, so a forged `error=access_denied`
 * cannot cancel someone else's sign-in.
 */
export function validateAuthorizationResponse(
  input: string | URL | URLSearchParams,
  expectedState: string,
): { code: string } {
  const params = toParams(input);
  const state = single(params, 'state');
  if (state === undefined) {
    throw new CallbackError('missing_state', 'The redirect carries no state parameter.');
  }
  if (state !== expectedState) {
    throw new CallbackError('state_mismatch', 'The redirect does not belong to this sign-in (state mismatch).');
  }
  return codeOrError(params);
}

/** Reads `state` without validating, to route a callback to its pending request. */
export function peekState(input: string | URL | URLSearchParams): string | undefined {
  return peekParam(input, 'state');
}

/** Reads one parameter without validating; undefined when absent, repeated or unparsable. */
export function peekParam(input: string | URL | URLSearchParams, name: string): string | undefined {
  try {
    return single(toParams(input), name);
  } catch {
    return undefined;
  }
}

/**
 * The authorization response of a redirect that came back through a relay (RFC 6749 §4.1.2), once
 * its nonce matched a pending sign-in: `error`, else `code`. `state` is not read. It was carried for
 * the relay page (the callback URL), and what arrives of it depends on the host: desktop VS Code
 * decodes the whole query once before the handler sees it, so a percent-encoded URL in `state`
 * comes back one level more decoded than it was sent; Codespaces adds a `state` of its own; a relay
 * may leave it out. The nonce (random, single use, bound to one sign-in) and PKCE protect the code.
 */
export function readRelayedResponse(input: string | URL | URLSearchParams): { code: string } {
  const params = toParams(input);
  return codeOrError(params);
}

/** Every value of `name`; empty when absent or when the input cannot be parsed at all. */
export function peekAll(input: string | URL | URLSearchParams, name: string): string[] {
  try {
    return toParams(input).getAll(name);
  } catch {
    return [];
  }
}

function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  if (values.length > 1) {
    throw new CallbackError('duplicate_parameter', `The redirect repeats the "${name}" parameter.`);
  }
  return values[0];
}

function toParams(input: string | URL | URLSearchParams): URLSearchParams {
  if (input instanceof URLSearchParams) {
    return input;
  }
  if (input instanceof URL) {
    return input.searchParams;
  }
  const text = input.trim();
  if (text.length > 8192) {
    throw new CallbackError('malformed', 'The redirect is too long to be a Spotify callback.');
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(text)) {
    try {
      return new URL(text).searchParams;
    } catch {
      throw new CallbackError('malformed', 'The redirect is not a valid URL.');
    }
  }
  return new URLSearchParams(text.startsWith('?') ? text.slice(1) : text);
}

/** The authorization response proper (RFC 6749 §4.1.2): Spotify's `error`, or exactly one `code`. */
function codeOrError(params: URLSearchParams): { code: string } {
  const error = single(params, 'error');
  if (error !== undefined) {
    throw new OAuthError(error, single(params, 'error_description'));
  }
  const code = single(params, 'code');
  if (!code) {
    throw new CallbackError('missing_code', 'The redirect carries no authorization code.');
  }
  return { code };
}
