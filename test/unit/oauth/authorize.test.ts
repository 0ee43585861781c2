import * as assert from 'assert';
import { buildAuthorizationUrl } from '../../../src/oauth/authorize';
import { authorizationEndpoint, parseEndpointBase, SPOTIFY_ENDPOINTS, tokenEndpoint, userProfileEndpoint } from '../../../src/oauth/endpoints';

describe('oauth/authorize and endpoints', () => {
  const base = { clientId: 'c'.repeat(32), redirectUri: 'vscode://pub.ext/callback', state: 'st', codeChallenge: 'ch' };

  it('builds Spotify authorize URL with PKCE and space-separated scopes', () => {
    const url = new URL(buildAuthorizationUrl(SPOTIFY_ENDPOINTS, { ...base, scopes: ['user-read-private', 'user-top-read'] }));
    assert.strictEqual(url.origin + url.pathname, 'https://accounts.spotify.com/authorize');
    const p = url.searchParams;
    assert.strictEqual(p.get('client_id'), base.clientId);
    assert.strictEqual(p.get('response_type'), 'code');
    assert.strictEqual(p.get('redirect_uri'), 'vscode://pub.ext/callback');
    assert.strictEqual(p.get('state'), 'st');
    assert.strictEqual(p.get('scope'), 'user-read-private user-top-read');
    assert.strictEqual(p.get('code_challenge_method'), 'S256');
    assert.strictEqual(p.get('code_challenge'), 'ch');
    assert.strictEqual(p.has('show_dialog'), false);
  });

  it('adds show_dialog=true only when asked and omits an empty scope', () => {
    const p = new URL(buildAuthorizationUrl(SPOTIFY_ENDPOINTS, { ...base, scopes: [], showDialog: true })).searchParams;
    assert.strictEqual(p.get('show_dialog'), 'true');
    assert.strictEqual(p.has('scope'), false);
  });

  it('derives endpoint URLs from configurable bases', () => {
    const e = { accounts: 'http://127.0.0.1:9/', api: 'http://127.0.0.1:9' };
    assert.strictEqual(authorizationEndpoint(e), 'http://127.0.0.1:9/authorize');
    assert.strictEqual(tokenEndpoint(e), 'http://127.0.0.1:9/api/token');
    assert.strictEqual(userProfileEndpoint(e), 'http://127.0.0.1:9/v1/me');
  });

  it('accepts https and loopback http bases, refuses the rest with a clear error', () => {
    assert.strictEqual(parseEndpointBase('https://accounts.spotify.com/', 'x'), 'https://accounts.spotify.com');
    assert.strictEqual(parseEndpointBase('http://127.0.0.2:8080', 'x'), 'http://127.0.0.2:8080');
    assert.throws(() => parseEndpointBase('http://accounts.spotify.com', 'spotify.accountsUrl'), /must use https/);
    assert.throws(() => parseEndpointBase('not a url', 'spotify.accountsUrl'), /not a URL/);
    assert.throws(() => parseEndpointBase('https://a.example/?q=1', 'x'), /query/);
  });
});
