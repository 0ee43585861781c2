import { authorizationEndpoint, SpotifyEndpoints } from './endpoints';

export interface AuthorizationRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly state: string;
  readonly codeChallenge: string;
  /** Spotify's `show_dialog=true`: show the consent and account screen even if already approved. */
  readonly showDialog?: boolean;
}

/** The authorization request URL (RFC 6749 §4.1.1 with RFC 7636 §4.3). */
export function buildAuthorizationUrl(endpoints: SpotifyEndpoints, req: AuthorizationRequest): string {
  const url = new URL(authorizationEndpoint(endpoints));
  const p = url.searchParams;
  p.set('client_id', req.clientId);
  p.set('response_type', 'code');
  p.set('redirect_uri', req.redirectUri);
  p.set('state', req.state);
  if (req.scopes.length > 0) {
    p.set('scope', req.scopes.join(' '));
  }
  p.set('code_challenge_method', 'S256');
  p.set('code_challenge', req.codeChallenge);
  if (req.showDialog) {
    p.set('show_dialog', 'true');
  }
  return url.toString();
}
