/**
 * Where Spotify lives. Both bases are configurable so tests and the sandbox can point the client
 * at the project's emulator on 127.0.0.1.
 */
export interface SpotifyEndpoints {
  /** Base of the accounts service: `${accounts}/authorize`, `${accounts}/api/token`. */
  readonly accounts: string;
  /** Base of the Web API: `${api}/v1/me`. */
  readonly api: string;
}

export const SPOTIFY_ENDPOINTS: SpotifyEndpoints = {
  accounts: 'https://accounts.spotify.com',
  api: 'https://api.spotify.com',
};

export function authorizationEndpoint(e: SpotifyEndpoints): string {
  return `${trimSlash(e.accounts)}/authorize`;
}

export function tokenEndpoint(e: SpotifyEndpoints): string {
  return `${trimSlash(e.accounts)}/api/token`;
}

export function userProfileEndpoint(e: SpotifyEndpoints): string {
  return `${trimSlash(e.api)}/v1/me`;
}

/**
 * Validates a configured base URL. Only HTTPS is accepted, except plain HTTP on a loopback
 * address so the emulator works; anything else would send tokens in the clear.
 */
export function parseEndpointBase(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${what} is not a URL: "${value}"`);
  }
  const loopback = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname) || url.hostname === '[::1]' || url.hostname === 'localhost';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new TypeError(`${what} must use https (plain http only on a loopback address): "${value}"`);
  }
  if (url.search || url.hash) {
    throw new TypeError(`${what} must not have a query or fragment: "${value}"`);
  }
  return trimSlash(url.toString());
}

function trimSlash(s: string): string {
  return s.replace(/\/+$/, '');
}
