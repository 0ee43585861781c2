import { parseEndpointBase, SPOTIFY_ENDPOINTS, SpotifyEndpoints } from '../oauth/endpoints';
import { SpotifyOAuthClient } from '../oauth/client';
import { Grant } from '../session/grant';

/**
 * Where tokens may go. Endpoints are a trust boundary: the next refresh posts every stored refresh
 * token (and the client secret) to the accounts service. So:
 * - in production, endpoints come only from application-scope settings (a workspace or a dev
 *   container cannot set those); the SPOTIFY_ACCOUNTS_URL / SPOTIFY_API_URL environment variables
 *   count only when the extension runs in development or test mode;
 * - endpoints that are not Spotify's are announced, visibly;
 * - a grant is refreshed only at the accounts service that issued it, whatever is configured now.
 */
export type RunMode = 'production' | 'development' | 'test';

export interface EndpointInputs {
  readonly mode: RunMode;
  /** The settings' values (undefined or the default when unset). */
  readonly settings: { readonly accountsUrl?: string; readonly apiUrl?: string };
  readonly env: { readonly SPOTIFY_ACCOUNTS_URL?: string; readonly SPOTIFY_API_URL?: string };
}

export interface ResolvedEndpoints {
  readonly endpoints: SpotifyEndpoints;
  /** Environment variables that are set but ignored (production). */
  readonly ignoredEnv: readonly string[];
  /** Not Spotify's own: the user is told. */
  readonly custom: boolean;
}

/** Throws a TypeError naming the setting or variable when a URL is unusable. */
export function resolveEndpoints(input: EndpointInputs): ResolvedEndpoints {
  const envAllowed = input.mode !== 'production';
  const ignoredEnv = envAllowed ? [] : (['SPOTIFY_ACCOUNTS_URL', 'SPOTIFY_API_URL'] as const).filter((n) => input.env[n]);
  const pick = (setting: string | undefined, envValue: string | undefined, fallback: string, name: string) => {
    const configured = setting && setting !== fallback ? setting : undefined;
    const value = configured ?? (envAllowed ? envValue || undefined : undefined) ?? fallback;
    return parseEndpointBase(value, name);
  };
  const endpoints = {
    accounts: pick(input.settings.accountsUrl, input.env.SPOTIFY_ACCOUNTS_URL, SPOTIFY_ENDPOINTS.accounts, 'spotify.accountsUrl'),
    api: pick(input.settings.apiUrl, input.env.SPOTIFY_API_URL, SPOTIFY_ENDPOINTS.api, 'spotify.apiUrl'),
  };
  return { endpoints, ignoredEnv, custom: endpoints.accounts !== SPOTIFY_ENDPOINTS.accounts || endpoints.api !== SPOTIFY_ENDPOINTS.api };
}

/** A client for `clientId`; `accounts`, when given, is the accounts service to talk to instead of the configured one. */
export type ClientFactory = (clientId: string, accounts?: string) => Promise<SpotifyOAuthClient>;

/**
 * How grants are refreshed: with the client they were issued to, at the accounts service that
 * issued them (grants from before this was recorded were issued by Spotify's).
 */
export function refresherFor(createClient: ClientFactory) {
  return async (g: Grant) => (await createClient(g.clientId, g.issuer ?? SPOTIFY_ENDPOINTS.accounts)).refresh(g.refreshToken ?? '');
}
