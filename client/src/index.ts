/**
 * @spotify-auth/vscode-client: Spotify Web API calls for VS Code extensions, on the sessions of
 * the Spotify Authentication extension (`vscode.authentication` provider `spotify`).
 */
import { SpotifyFetch, SpotifyFetchOptions, createSpotifyFetchWith } from './spotifyFetch';
import { VscodeAuthStrategy, VscodeAuthStrategyOptions, vscodeAuthStrategyWith } from './sdk';
import { vscodeSessionHost } from './vscodeHost';

export * from './errors';
export { getSpotifySession, PROVIDER_ID } from './session';
export type { SpotifySessionOptions } from './session';
export { SPOTIFY_API_ORIGIN } from './spotifyFetch';
export type { SpotifyFetch, SpotifyFetchOptions, SpotifyRequestInit } from './spotifyFetch';
export type { RetryOptions } from './policy';
export type { CancellationTokenLike } from './abort';
export type { SdkAccessToken, SdkConfigurationLike, VscodeAuthStrategy, VscodeAuthStrategyOptions } from './sdk';

/**
 * A `fetch` for Spotify's Web API: `await spotifyFetch('/v1/me')`. Adds the session's token, rides
 * out Spotify's brief 401s, 429s and 5xx, asks the provider to refresh a token Spotify keeps
 * refusing, and throws typed errors (see SpotifyApiError and its subclasses) for every error answer.
 */
export function createSpotifyFetch(options: SpotifyFetchOptions): SpotifyFetch {
  return createSpotifyFetchWith(vscodeSessionHost(), options);
}

/** For @spotify/web-api-ts-sdk: `new SpotifyApi(vscodeAuthStrategy(['user-read-private']))`. */
export function vscodeAuthStrategy(scopes: readonly string[], options?: VscodeAuthStrategyOptions): VscodeAuthStrategy {
  return vscodeAuthStrategyWith(vscodeSessionHost(), scopes, options);
}
