/**
 * The API this extension exports to other extensions:
 *
 * ```ts
 * const api = await vscode.extensions.getExtension<SpotifyAuthApi>('spotify-auth.spotify-authentication')!.activate();
 * const { accessToken } = await api.getAppToken();
 * ```
 *
 * User sessions come from `vscode.authentication.getSession('spotify', scopes)`, not from here.
 */
export interface SpotifyAuthApi {
  /** Bumped when this interface changes incompatibly. */
  readonly version: 1;
  /**
   * An app-only token (client-credentials grant): no user, no user scopes, for catalogue calls.
   * Needs a client secret ("Spotify: Set Client Secret"). Cached until shortly before it expires;
   * concurrent calls share one request. Rejects with a clear message when no secret is set.
   */
  getAppToken(): Promise<AppToken>;
  /**
   * For a user session's access token that Spotify keeps refusing (HTTP 401 after a few short
   * retries): refreshes the session, but only while `accessToken` is still its token, and once
   * for all callers holding that token. Resolves true when the session now has another token (get
   * it with `vscode.authentication.getSession`), false when there is none to be had (signed out).
   * The token itself is never returned here. Rejects when the refresh failed.
   */
  refreshIfCurrent(sessionId: string, accessToken: string): Promise<boolean>;
}

export interface AppToken {
  readonly accessToken: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}
