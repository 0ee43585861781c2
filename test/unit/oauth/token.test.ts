import * as assert from 'assert';
import * as sinon from 'sinon';
import { Redactor } from '../../../src/common/redactor';
import { SpotifyOAuthClient } from '../../../src/oauth/client';
import { AccountRefusedError, HttpError, OAuthError, TransportError } from '../../../src/oauth/errors';
import { processTokenResponse } from '../../../src/oauth/token';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../../emulator/emulator';

const REDIRECT = 'vscode://spotify-auth.spotify-authentication/callback';

/** Gets a code the way a browser would, with auto-approval. */
async function authorize(client: SpotifyOAuthClient, scopes = ['user-read-private']) {
  const pending = await client.createAuthorizationRequest(REDIRECT, scopes);
  const res = await fetch(pending.url, { redirect: 'manual' });
  const location = new URL(res.headers.get('location')!);
  assert.strictEqual(location.searchParams.get('state'), pending.state);
  return { pending, code: location.searchParams.get('code')! };
}

describe('oauth/token and profile against the emulator', () => {
  let emu: SpotifyEmulator;
  let client: SpotifyOAuthClient;
  let sleep: sinon.SinonStub;

  beforeEach(async () => {
    emu = new SpotifyEmulator({
      autoApprove: true,
      apps: [
        { clientId: DEFAULT_CLIENT_ID, redirectUris: [REDIRECT] },
        { clientId: 'f'.repeat(32), clientSecret: 's3cr3t-value', redirectUris: [REDIRECT] },
      ],
    });
    const url = await emu.start();
    sleep = sinon.stub().resolves();
    client = new SpotifyOAuthClient({ clientId: DEFAULT_CLIENT_ID, endpoints: { accounts: url, api: url }, sleep, timeoutMs: 2000 });
  });
  afterEach(() => emu.stop());

  it('exchanges a code (PKCE, form body, client_id) and reads the profile', async () => {
    const { pending, code } = await authorize(client, ['user-read-private', 'user-top-read']);
    const token = await client.exchangeCode(pending, code);
    assert.strictEqual(token.token_type, 'Bearer');
    assert.strictEqual(token.expires_in, 3600);
    assert.deepStrictEqual(token.scope, ['user-read-private', 'user-top-read']);
    assert.ok(token.refresh_token);
    const account = await client.fetchAccount(token.access_token);
    assert.deepStrictEqual(account, { id: 'acc-alice-0001', label: 'Alice Emulated', userId: 'emu-alice', imageUrl: 'https://i.scdn.co/image/alice' });
  });

  it('labels an account without display_name or account_id by its user id', async () => {
    emu.config.autoApprove = 'emu-bob';
    const { pending, code } = await authorize(client);
    const token = await client.exchangeCode(pending, code);
    assert.deepStrictEqual(await client.fetchAccount(token.access_token), { id: 'emu-bob', label: 'emu-bob', userId: 'emu-bob' });
  });

  it('a reused code gets invalid_grant / Invalid authorization code', async () => {
    const { pending, code } = await authorize(client);
    await client.exchangeCode(pending, code);
    await assert.rejects(client.exchangeCode(pending, code), (e: unknown) => e instanceof OAuthError && e.error === 'invalid_grant' && e.errorDescription === 'Invalid authorization code');
  });

  it('a wrong verifier gets invalid_grant / code_verifier was incorrect', async () => {
    const { pending, code } = await authorize(client);
    const other = await client.createAuthorizationRequest(REDIRECT, []);
    await assert.rejects(
      client.exchangeCode({ ...pending, codeVerifier: other.codeVerifier }, code),
      (e: unknown) => e instanceof OAuthError && e.errorDescription === 'code_verifier was incorrect',
    );
  });

  it('a different redirect_uri gets invalid_grant / Invalid redirect URI', async () => {
    const { pending, code } = await authorize(client);
    await assert.rejects(client.exchangeCode({ ...pending, redirectUri: 'vscode://other/callback' }, code), /Invalid redirect URI/);
  });

  it('an expired code is refused', async () => {
    const { pending, code } = await authorize(client);
    emu.clockOffsetMs = 10 * 60_000;
    await assert.rejects(client.exchangeCode(pending, code), /Authorization code expired/);
  });

  it('an unknown client gets invalid_client', async () => {
    const { pending, code } = await authorize(client);
    const stranger = new SpotifyOAuthClient({ clientId: 'a'.repeat(32), endpoints: client.endpoints, sleep });
    await assert.rejects(stranger.exchangeCode(pending, code), (e: unknown) => e instanceof OAuthError && e.error === 'invalid_client');
  });

  it('rotating refresh: new refresh token each time, the old one is then revoked', async () => {
    const { pending, code } = await authorize(client);
    const first = await client.exchangeCode(pending, code);
    const second = await client.refresh(first.refresh_token!);
    assert.ok(second.refresh_token && second.refresh_token !== first.refresh_token);
    assert.notStrictEqual(second.access_token, first.access_token);
    await assert.rejects(client.refresh(first.refresh_token!), (e: unknown) => e instanceof OAuthError && e.errorDescription === 'Refresh token revoked');
  });

  it('refresh answers without refresh_token are passed on as such (caller keeps the old one)', async () => {
    emu.config.refreshTokenMode = 'omit';
    const { pending, code } = await authorize(client);
    const first = await client.exchangeCode(pending, code);
    const second = await client.refresh(first.refresh_token!);
    assert.strictEqual(second.refresh_token, undefined);
    assert.ok(await client.refresh(first.refresh_token!), 'old refresh token still works');
  });

  it('an expired grant (6 months) gets invalid_grant and is not retried', async () => {
    const { pending, code } = await authorize(client);
    const first = await client.exchangeCode(pending, code);
    emu.clockOffsetMs = 200 * 24 * 3600 * 1000;
    const before = emu.count('token:refresh_token');
    await assert.rejects(client.refresh(first.refresh_token!), /invalid_grant: Refresh token expired/);
    assert.strictEqual(emu.count('token:refresh_token') - before, 1);
  });

  it('retries 5xx, 429 and connection resets at the token endpoint', async () => {
    const { pending, code } = await authorize(client);
    const first = await client.exchangeCode(pending, code);
    emu.inject({ path: '/api/token', kind: 'status', status: 503 });
    emu.inject({ path: '/api/token', kind: 'rateLimit', retryAfter: '1' });
    emu.inject({ path: '/api/token', kind: 'reset' });
    const before = emu.count('POST /api/token');
    const next = await client.refresh(first.refresh_token!);
    assert.ok(next.access_token);
    assert.strictEqual(emu.count('POST /api/token') - before, 4);
    assert.deepStrictEqual(sleep.args.map((a) => a[0]).slice(-3)[1], 1000, 'Retry-After: 1 honoured');
  });

  it('surfaces a clear error when faults outlast the retries', async () => {
    emu.inject({ path: '/api/token', kind: 'html', times: 10 });
    await assert.rejects(client.refresh('whatever'), (e: unknown) => e instanceof HttpError && /HTTP 502 without a JSON body/.test(e.message));
  });

  it('times out a hanging token endpoint', async () => {
    const quick = new SpotifyOAuthClient({ clientId: DEFAULT_CLIENT_ID, endpoints: client.endpoints, sleep, timeoutMs: 100, retry: { maxAttempts: 2 } });
    emu.inject({ path: '/api/token', kind: 'delay', ms: 400, times: 2 });
    await assert.rejects(quick.refresh('x'), (e: unknown) => e instanceof TransportError && e.kind === 'timeout');
  });

  it('a confidential client authenticates with HTTP Basic and can get an app-only token', async () => {
    const conf = new SpotifyOAuthClient({ clientId: 'f'.repeat(32), clientSecret: 's3cr3t-value', endpoints: client.endpoints, sleep });
    const { pending, code } = await authorize(conf);
    assert.ok((await conf.exchangeCode(pending, code)).refresh_token);
    const app = await conf.clientCredentials();
    assert.strictEqual(app.refresh_token, undefined);
    assert.deepStrictEqual(app.scope, []);
    const wrong = new SpotifyOAuthClient({ clientId: 'f'.repeat(32), clientSecret: 'nope-nope', endpoints: client.endpoints, sleep });
    await assert.rejects(wrong.clientCredentials(), (e: unknown) => e instanceof OAuthError && e.error === 'invalid_client');
    await assert.rejects(client.clientCredentials(), /needs a client secret/);
  });

  it('the Web API: 403 for users off the allowlist, 401 for expired tokens', async () => {
    emu.config.apps[0] = { ...emu.config.apps[0], allowlist: ['someone-else'] };
    const { pending, code } = await authorize(client);
    const token = await client.exchangeCode(pending, code);
    await assert.rejects(client.fetchAccount(token.access_token), (e: unknown) => e instanceof AccountRefusedError && e.spotifyText === 'The user is not registered for this application.');
    emu.expireAccessTokens();
    await assert.rejects(client.fetchAccount(token.access_token), (e: unknown) => e instanceof HttpError && e.status === 401 && /expired/.test(e.message));
  });

  it('registers every secret it sees with the redactor', async () => {
    const redactor = new Redactor();
    const c = new SpotifyOAuthClient({ clientId: DEFAULT_CLIENT_ID, endpoints: client.endpoints, sleep, redactor });
    const { pending, code } = await authorize(c);
    const token = await c.exchangeCode(pending, code);
    const text = redactor.redact(`v=${pending.codeVerifier} c=${code} a=${token.access_token} r=${token.refresh_token}`);
    for (const secret of [pending.codeVerifier, code, token.access_token, token.refresh_token!]) {
      assert.ok(!text.includes(secret));
    }
  });

  it('processTokenResponse rejects malformed successes', () => {
    const headers = new Headers();
    assert.throws(() => processTokenResponse({ status: 200, headers, json: undefined, contentType: '', text: '' }), /not valid JSON/);
    assert.throws(() => processTokenResponse({ status: 200, headers, json: { token_type: 'Bearer' }, contentType: '', text: '' }), /no access_token/);
    assert.throws(() => processTokenResponse({ status: 200, headers, json: { access_token: 'a', token_type: 'mac' }, contentType: '', text: '' }), /expected Bearer/);
    const ok = processTokenResponse({ status: 200, headers, json: { access_token: 'a', token_type: 'bearer' }, contentType: '', text: '' });
    assert.strictEqual(ok.expires_in, 3600);
  });

  it('the emulator refuses JSON bodies with 415 / server_error, as Spotify does', async () => {
    const res = await fetch(`${client.endpoints.accounts}/api/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.strictEqual(res.status, 415);
    assert.strictEqual(((await res.json()) as { error: string }).error, 'server_error');
    const missing = await fetch(`${client.endpoints.accounts}/api/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'client_id=x' });
    assert.deepStrictEqual(await missing.json(), { error: 'unsupported_grant_type', error_description: 'grant_type parameter is missing' });
  });
});
