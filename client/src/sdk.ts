import { SpotifyNotSignedInError } from './errors';
import { SessionHost, SessionLike } from './host';
import { Clockwork, createSpotifyFetchWith, SpotifyFetchOptions } from './spotifyFetch';

/**
 * The shapes of @spotify/web-api-ts-sdk this package meets, written out so that it needs neither
 * the SDK's code nor its types (an optional peer): structurally an `IAuthStrategy`.
 */
export interface SdkConfigurationLike {
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
}

export interface SdkAccessToken {
  access_token: string;
  token_type: string;
  expires_in: number;
  /** Always empty: the SDK never gets a refresh token, so it can never refresh on its own. */
  refresh_token: string;
  expires?: number;
}

export interface VscodeAuthStrategy {
  setConfiguration(configuration: SdkConfigurationLike): void;
  getOrCreateAccessToken(): Promise<SdkAccessToken>;
  getAccessToken(): Promise<SdkAccessToken | null>;
  removeAccessToken(): void;
}

export type VscodeAuthStrategyOptions = Omit<SpotifyFetchOptions, 'scopes' | 'fetch'>;

/** Each fetch this file put into an SDK configuration, with the transport under it. */
const installed = new WeakMap<object, SdkConfigurationLike['fetch']>();

/** How long the SDK may think a token lives: the SDK asks again for every request anyway. */
const ADVERTISED_LIFETIME_S = 60;

/**
 * The SDK's `IAuthStrategy` over VS Code's sessions. `setConfiguration` puts this package's fetch
 * in the SDK's `fetch` (with the SDK's own fetch, or yours, underneath), so every SDK request gets
 * the retries and typed errors, and the session's current token in place of whatever the SDK holds.
 */
export function vscodeAuthStrategyWith(host: SessionHost, scopes: readonly string[], options: VscodeAuthStrategyOptions = {}, clock: Clockwork = {}): VscodeAuthStrategy {
  const interactive = options.interactive === true;
  const now = clock.now ?? Date.now;
  // Checks the scopes now, so a mistake shows at construction, not at the first request.
  createSpotifyFetchWith(host, { ...options, scopes }, clock);
  const toToken = (s: SessionLike): SdkAccessToken => ({
    access_token: s.accessToken,
    token_type: 'Bearer',
    expires_in: ADVERTISED_LIFETIME_S,
    refresh_token: '',
    expires: now() + ADVERTISED_LIFETIME_S * 1000,
  });
  return {
    setConfiguration(configuration) {
      // The SDK calls this again on switchAuthenticationStrategy: never stack one fetch on another.
      const underneath = installed.get(configuration.fetch) ?? configuration.fetch;
      const spotifyFetch = createSpotifyFetchWith(host, { ...options, scopes, fetch: (url, init) => underneath(url, init) }, clock);
      installed.set(spotifyFetch, underneath);
      configuration.fetch = spotifyFetch;
    },
    async getOrCreateAccessToken() {
      const s = await host.getSession(scopes, interactive);
      if (!s) {
        throw new SpotifyNotSignedInError(scopes);
      }
      return toToken(s);
    },
    async getAccessToken() {
      const s = await host.getSession(scopes, false);
      return s ? toToken(s) : null;
    },
    removeAccessToken() {
      // Signing out is the user's choice, in VS Code's Accounts menu; the SDK holds nothing to forget.
    },
  };
}
