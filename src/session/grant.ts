import { SpotifyAccount } from '../oauth/profile';
import { TokenEndpointResponse } from '../oauth/token';

/**
 * A user's grant: what VS Code shows as an AuthenticationSession, plus what keeps it alive (refresh
 * token, expiry, the client it was issued to). Lives only in SecretStorage and in memory.
 */
export interface Grant {
  /** The session id VS Code sees; stable across refreshes. */
  readonly id: string;
  readonly account: { readonly id: string; readonly label: string };
  /** Normalized (sorted, unique): what Spotify granted. */
  readonly scopes: readonly string[];
  /**
   * Scopes asked for at sign-in that Spotify did not grant (RFC 6749 §3.3 lets a server grant
   * less). Remembered so that asking again for the same scopes finds this session instead of
   * looping through the same refusal.
   */
  readonly refusedScopes?: readonly string[];
  readonly accessToken: string;
  readonly refreshToken?: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
  readonly createdAt: number;
  /** Refresh tokens only work with the client that got them. */
  readonly clientId: string;
  /**
   * The accounts service that issued it (base URL): the only place it is ever refreshed. Absent
   * on grants stored before 0.2, which Spotify issued.
   */
  readonly issuer?: string;
}

/** Spotify echoes the granted scopes; when it does not, what was asked for is what was granted. */
export function grantedScopes(res: TokenEndpointResponse, requested: readonly string[]): string[] {
  return res.scope.length > 0 ? res.scope : [...requested];
}

export function grantFromTokenResponse(
  res: TokenEndpointResponse,
  account: SpotifyAccount,
  requestedScopes: readonly string[],
  clientId: string,
  now: number,
  id: string,
  issuer?: string,
): Grant {
  const scopes = grantedScopes(res, requestedScopes);
  const refused = requestedScopes.filter((s) => !scopes.includes(s));
  return {
    id,
    account: { id: account.id, label: account.label },
    scopes,
    ...(refused.length > 0 ? { refusedScopes: refused } : {}),
    accessToken: res.access_token,
    ...(res.refresh_token ? { refreshToken: res.refresh_token } : {}),
    expiresAt: now + res.expires_in * 1000,
    createdAt: now,
    clientId,
    ...(issuer ? { issuer } : {}),
  };
}

/**
 * Applies a refresh answer. The rule from Spotify's two behaviours: store the new refresh token when
 * the answer has one (single-use rotation), keep the old one when it has none.
 */
export function applyRefresh(grant: Grant, res: TokenEndpointResponse, now: number): Grant {
  return {
    ...grant,
    accessToken: res.access_token,
    refreshToken: res.refresh_token ?? grant.refreshToken,
    scopes: res.scope.length > 0 ? res.scope : grant.scopes,
    expiresAt: now + res.expires_in * 1000,
  };
}

export function newSessionId(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Which refresh token is about to be sent, without the token: the first 16 bytes of its SHA-256, hex. */
export async function refreshTokenHash(token: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return Array.from(new Uint8Array(digest).slice(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
}
