import * as assert from 'assert';
import { AccountRefusedError, HttpError, OAuthError } from '../../../src/oauth/errors';
import { DEFAULT_CLIENT_ID, DEV_MODE_TEXTS, SpotifyEmulator } from '../../emulator/emulator';
import { client, REDIRECT } from '../session/fixtures';

/** Spotify as it behaves in 2026, on the Web API and the token endpoint, against the emulator. */
describe('oauth: Spotify\'s answers in 2026, each named by its cause', () => {
  let emu: SpotifyEmulator;
  let slept: number[];
  beforeEach(async () => {
    emu = new SpotifyEmulator({ autoApprove: true, apps: [{ clientId: DEFAULT_CLIENT_ID, redirectUris: [REDIRECT] }] });
    await emu.start();
    slept = [];
  });
  afterEach(() => emu.stop());

  const c = () => client(emu, { sleep: async (ms) => void slept.push(ms) });
  async function token(scopes = ['user-read-private']) {
    const cl = c();
    const pending = await cl.createAuthorizationRequest(REDIRECT, scopes);
    const res = await fetch(pending.url, { redirect: 'manual' });
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    return { cl, pending, code, token: await cl.exchangeCode(pending, code) };
  }

  it('a Development Mode 403 (plain text, any of its four wordings) is an AccountRefusedError carrying Spotify\'s text', async () => {
    for (const [i, text] of DEV_MODE_TEXTS.notAllowlisted.entries()) {
      emu.config.apps[0] = { ...emu.config.apps[0], allowlist: ['someone-else'] };
      emu.config.notAllowlistedText = i as 0 | 1 | 2 | 3;
      const { cl, token: t } = await token();
      await assert.rejects(cl.fetchAccount(t.access_token), (e: unknown) => e instanceof AccountRefusedError && e.spotifyText === text);
    }
    emu.config.apps[0] = { ...emu.config.apps[0], allowlist: undefined, ownerPremium: false };
    const { cl, token: t } = await token();
    await assert.rejects(cl.fetchAccount(t.access_token), (e: unknown) => e instanceof AccountRefusedError && e.spotifyText === DEV_MODE_TEXTS.noPremium[0]);
  });

  it('a fresh token\'s passing 401 is tried once more after a short pause; a lasting one is not', async () => {
    const { cl, token: t } = await token();
    emu.inject({ path: '/v1/me', kind: 'status', status: 401 });
    assert.strictEqual((await cl.fetchAccount(t.access_token)).id, 'acc-alice-0001');
    assert.deepStrictEqual(slept, [500]);
    emu.inject({ path: '/v1/me', kind: 'status', status: 401, times: 2 });
    await assert.rejects(cl.fetchAccount(t.access_token), (e: unknown) => e instanceof HttpError && e.status === 401 && e.spotifyText === 'Access token missing');
  });

  it('429: Retry-After 0 or missing (empty body) is retried with backoff; a huge one is not waited out and is named', async () => {
    const { cl, token: t } = await token();
    emu.inject({ path: '/v1/me', kind: 'rateLimit', retryAfter: '0' });
    emu.inject({ path: '/v1/me', kind: 'rateLimit', emptyBody: true });
    assert.ok(await cl.fetchAccount(t.access_token));
    assert.strictEqual(slept.length, 2, 'two backoffs');
    emu.inject({ path: '/v1/me', kind: 'rateLimit', retryAfter: '86400' });
    await assert.rejects(cl.fetchAccount(t.access_token), /asks to wait 86400 s/);
  });

  it('429 QUOTA_EXCEEDED is a quota, not a rate limit: no quick retry', async () => {
    const { cl, token: t } = await token();
    const before = emu.count('GET /v1/me');
    emu.inject({ path: '/v1/me', kind: 'rateLimit', retryAfter: '1', quota: true, times: 4 });
    await assert.rejects(cl.fetchAccount(t.access_token), (e: unknown) => e instanceof HttpError && e.quotaExceeded);
    assert.strictEqual(emu.count('GET /v1/me') - before, 1);
  });

  it('/v1/me without the fields removed for Development Mode; identity from account_id', async () => {
    const { cl, token: t } = await token();
    const account = await cl.fetchAccount(t.access_token);
    assert.deepStrictEqual(account, { id: 'acc-alice-0001', label: 'Alice Emulated', userId: 'emu-alice', imageUrl: 'https://i.scdn.co/image/alice' });
    const raw = await (await fetch(`${emu.url}/v1/me`, { headers: { authorization: `Bearer ${t.access_token}` } })).json();
    for (const gone of ['email', 'country', 'product', 'explicit_content']) {
      assert.ok(!(gone in raw), gone);
    }
  });

  it('token endpoint: an expired code and a reused one are told apart; a body without Content-Type gets 500', async () => {
    const first = await token();
    await assert.rejects(first.cl.exchangeCode(first.pending, first.code), (e: unknown) => e instanceof OAuthError && e.errorDescription === 'Invalid authorization code');
    emu.config.codeTtlMs = -1;
    const cl = c();
    const pending = await cl.createAuthorizationRequest(REDIRECT, ['user-read-private']);
    const code = new URL((await fetch(pending.url, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
    await assert.rejects(cl.exchangeCode(pending, code), (e: unknown) => e instanceof OAuthError && e.errorDescription === 'Authorization code expired');
    const noType = await fetch(`${emu.url}/api/token`, { method: 'POST', body: new Blob(['grant_type=client_credentials']) });
    assert.strictEqual(noType.status, 500);
    assert.deepStrictEqual(await noType.json(), { error: 'server_error' });
    const json = await fetch(`${emu.url}/api/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.strictEqual(json.status, 415);
  });
});
