import { base64Utf8 } from './base64url';
import { tokenEndpoint, SpotifyEndpoints } from './endpoints';
import { HttpError, OAuthError } from './errors';
import { HttpAnswer, HttpContext, parseRetryAfter, send, withRetry } from './http';
import { parseScopeField } from './scopes';

/** A successful token response (RFC 6749 §5.1), checked and with `scope` parsed. */
export interface TokenEndpointResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  /** Seconds. */
  readonly expires_in: number;
  readonly scope: string[];
  /** Absent on client credentials, and (since mid-2026) on some refresh answers: keep the old one then. */
  readonly refresh_token?: string;
}

export interface ClientAuth {
  readonly clientId: string;
  /** Only for a confidential client; then HTTP Basic is used instead of `client_id` in the body. */
  readonly clientSecret?: string;
}

/** Assumed when a response omits `expires_in`; Spotify documents one hour. */
const DEFAULT_EXPIRES_IN = 3600;

export function authorizationCodeGrantRequest(
  ctx: HttpContext,
  endpoints: SpotifyEndpoints,
  client: ClientAuth,
  p: { code: string; redirectUri: string; codeVerifier: string },
): Promise<TokenEndpointResponse> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: p.code,
    redirect_uri: p.redirectUri,
    code_verifier: p.codeVerifier,
  });
  return tokenRequest(ctx, endpoints, client, body, 'Code exchange');
}

export function refreshTokenGrantRequest(
  ctx: HttpContext,
  endpoints: SpotifyEndpoints,
  client: ClientAuth,
  refreshToken: string,
): Promise<TokenEndpointResponse> {
  const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
  return tokenRequest(ctx, endpoints, client, body, 'Token refresh');
}

export function clientCredentialsGrantRequest(
  ctx: HttpContext,
  endpoints: SpotifyEndpoints,
  client: ClientAuth,
): Promise<TokenEndpointResponse> {
  if (!client.clientSecret) {
    return Promise.reject(new TypeError('The client-credentials grant needs a client secret.'));
  }
  return tokenRequest(ctx, endpoints, client, new URLSearchParams({ grant_type: 'client_credentials' }), 'App-only token');
}

async function tokenRequest(
  ctx: HttpContext,
  endpoints: SpotifyEndpoints,
  client: ClientAuth,
  body: URLSearchParams,
  what: string,
): Promise<TokenEndpointResponse> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
  };
  if (client.clientSecret) {
    headers.Authorization = basicAuthorization(client.clientId, client.clientSecret);
  } else {
    body.set('client_id', client.clientId);
  }
  const url = tokenEndpoint(endpoints);
  return withRetry(ctx, what, async () => {
    const answer = await send(ctx, url, { method: 'POST', headers, body: body.toString() }, what);
    return processTokenResponse(answer, what);
  });
}

/**
 * HTTP Basic client authentication as RFC 6749 §2.3.1 defines it: client id and secret are each
 * form-urlencoded (application/x-www-form-urlencoded) before they are joined with ':' and
 * base64-encoded, so a secret with ':', '%', '+' or spaces survives.
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${base64Utf8(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** Turns an HTTP answer of the token endpoint into a response or the right error. */
export function processTokenResponse(answer: HttpAnswer, what = 'Token request'): TokenEndpointResponse {
  const json = answer.json as Record<string, unknown> | undefined;
  if (answer.status !== 200) {
    if (json && typeof json === 'object' && typeof json.error === 'string') {
      const description = typeof json.error_description === 'string' ? json.error_description : undefined;
      if (answer.status === 429 || answer.status >= 500) {
        throw new HttpError(answer.status, `${what}: Spotify is unavailable (HTTP ${answer.status} ${json.error}).`, parseRetryAfter(answer.headers.get('retry-after')));
      }
      throw new OAuthError(json.error, description, answer.status);
    }
    throw new HttpError(
      answer.status,
      `${what}: Spotify answered HTTP ${answer.status}${json === undefined ? ' without a JSON body' : ''}.`,
      parseRetryAfter(answer.headers.get('retry-after')),
    );
  }
  if (!json || typeof json !== 'object') {
    // A 200 with a cut-off or HTML body: the exchange may or may not have happened, treat as transient.
    throw new HttpError(502, `${what}: Spotify's answer was not valid JSON.`);
  }
  if (typeof json.access_token !== 'string' || json.access_token.length === 0) {
    throw new HttpError(502, `${what}: Spotify's answer has no access_token.`);
  }
  if (typeof json.token_type !== 'string' || json.token_type.toLowerCase() !== 'bearer') {
    throw new HttpError(502, `${what}: Spotify's answer has token_type "${String(json.token_type).slice(0, 20)}", expected Bearer.`);
  }
  const expiresIn = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : DEFAULT_EXPIRES_IN;
  const refresh = typeof json.refresh_token === 'string' && json.refresh_token.length > 0 ? json.refresh_token : undefined;
  return {
    access_token: json.access_token,
    token_type: 'Bearer',
    expires_in: expiresIn,
    scope: parseScopeField(json.scope),
    ...(refresh ? { refresh_token: refresh } : {}),
  };
}
