import * as assert from 'assert';
import { resolveEndpoints } from '../../../src/auth/endpointPolicy';
import { basicAuthorization } from '../../../src/oauth/token';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../../emulator/emulator';
import { world } from '../world';

const SPOTIFY = { accounts: 'https://accounts.spotify.com', api: 'https://api.spotify.com' };
const evil = { SPOTIFY_ACCOUNTS_URL: 'https://collector.example.net', SPOTIFY_API_URL: 'https://collector.example.net' };

describe('auth/endpointPolicy: endpoints are a trust boundary', () => {
  it('production ignores environment overrides (a dev container could set them) and says so', () => {
    const r = resolveEndpoints({ mode: 'production', settings: {}, env: evil });
    assert.deepStrictEqual(r.endpoints, SPOTIFY);
    assert.deepStrictEqual(r.ignoredEnv, ['SPOTIFY_ACCOUNTS_URL', 'SPOTIFY_API_URL']);
    assert.strictEqual(r.custom, false);
  });

  it('development and test modes honour them; settings (application scope) win everywhere and are announced', () => {
    for (const mode of ['development', 'test'] as const) {
      const r = resolveEndpoints({ mode, settings: { accountsUrl: SPOTIFY.accounts }, env: evil });
      assert.strictEqual(r.endpoints.accounts, 'https://collector.example.net');
      assert.deepStrictEqual(r.ignoredEnv, []);
      assert.strictEqual(r.custom, true);
    }
    const set = resolveEndpoints({ mode: 'production', settings: { accountsUrl: 'http://127.0.0.1:9/' }, env: evil });
    assert.strictEqual(set.endpoints.accounts, 'http://127.0.0.1:9');
    assert.strictEqual(set.endpoints.api, SPOTIFY.api);
    assert.strictEqual(set.custom, true);
    assert.throws(() => resolveEndpoints({ mode: 'production', settings: { accountsUrl: 'http://example.org' }, env: {} }), /spotify\.accountsUrl must use https/);
  });

  describe('a grant is refreshed only at the accounts service that issued it', () => {
    let issuer: SpotifyEmulator;
    let other: SpotifyEmulator;
    beforeEach(async () => {
      issuer = new SpotifyEmulator({ apps: [{ clientId: DEFAULT_CLIENT_ID, redirectUris: ['vscode://spotify-auth.spotify-authentication/callback'] }] });
      other = new SpotifyEmulator({ apps: [{ clientId: DEFAULT_CLIENT_ID, redirectUris: [] }] });
      await Promise.all([issuer.start(), other.start()]);
    });
    afterEach(() => Promise.all([issuer.stop(), other.stop()]));

    it('even after the configured endpoints change', async () => {
      const first = world(issuer);
      await first.manager.initialize();
      const grant = await first.service.createSession(['user-read-private']);
      assert.strictEqual(grant.issuer, issuer.url);
      // The same storage in a window now configured for another service.
      const later = world(issuer, { shared: first.shared, endpoints: { accounts: other.url, api: other.url } });
      await later.manager.initialize();
      const refreshed = await later.service.refreshSession(grant.id);
      assert.ok(issuer.isAccessTokenValid(refreshed.accessToken));
      assert.strictEqual(issuer.count('token:refresh_token'), 1);
      assert.strictEqual(other.count('POST /api/token'), 0, 'not one request to the other service');
    });
  });

  it('HTTP Basic credentials are form-urlencoded before base64 (RFC 6749 §2.3.1); a secret with reserved characters works', async () => {
    const secret = 'a:b%c+d e/é';
    assert.strictEqual(basicAuthorization('id:1', secret), `Basic ${Buffer.from('id%3A1:a%3Ab%25c%2Bd+e%2F%C3%A9').toString('base64')}`);
    const emu = new SpotifyEmulator({ apps: [{ clientId: DEFAULT_CLIENT_ID, clientSecret: secret, redirectUris: [] }] });
    await emu.start();
    try {
      const t = world(emu, { client: { clientSecret: secret } });
      const c = await (t.service as unknown as { d: { createClient(id: string): Promise<import('../../../src/oauth/client').SpotifyOAuthClient> } }).d.createClient(DEFAULT_CLIENT_ID);
      const token = await c.clientCredentials();
      assert.ok(emu.isAccessTokenValid(token.access_token));
      // The raw, unencoded form is refused, as a strict server would.
      const raw = await fetch(`${emu.url}/api/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${DEFAULT_CLIENT_ID}:${secret}`).toString('base64')}` },
        body: 'grant_type=client_credentials',
      });
      assert.strictEqual(raw.status, 400);
    } finally {
      await emu.stop();
    }
  });
});
