import * as assert from 'assert';
import { AppTokens } from '../../../src/auth/appTokens';
import { SpotifyEmulator } from '../../emulator/emulator';
import { client } from '../session/fixtures';

describe('auth/appTokens (client-credentials grant)', () => {
  let emu: SpotifyEmulator;
  const id = 'f'.repeat(32);
  beforeEach(async () => {
    emu = new SpotifyEmulator({ apps: [{ clientId: id, clientSecret: 'c'.repeat(32), redirectUris: [] }] });
    await emu.start();
  });
  afterEach(() => emu.stop());

  it('gets an app-only token with Basic auth, caches it until near expiry, one request for concurrent callers', async () => {
    let now = Date.now();
    const tokens = new AppTokens(async () => client(emu, { clientId: id, clientSecret: 'c'.repeat(32) }), 60_000, () => now);
    const [a, b, c] = await Promise.all([tokens.get(), tokens.get(), tokens.get()]);
    assert.strictEqual(emu.count('token:client_credentials'), 1);
    assert.strictEqual(a.accessToken, b.accessToken);
    assert.strictEqual(a, c);
    assert.ok(emu.isAccessTokenValid(a.accessToken));
    assert.strictEqual((await tokens.get()).accessToken, a.accessToken, 'cached');
    now += 3550_000; // within the skew of expiry
    const renewed = await tokens.get();
    assert.notStrictEqual(renewed.accessToken, a.accessToken);
    assert.strictEqual(emu.count('token:client_credentials'), 2);
  });

  it('the app token\'s lifetime runs from when the request left, not from its slow answer', async () => {
    const tokens = new AppTokens(async () => client(emu, { clientId: id, clientSecret: 'c'.repeat(32) }));
    emu.inject({ path: '/api/token', kind: 'delay', ms: 500 });
    const before = Date.now();
    const t = await tokens.get();
    const after = Date.now();
    const sentAt = t.expiresAt - 3600_000;
    assert.ok(sentAt >= before && sentAt <= after - 500, `counted from ${after - sentAt} ms before the answer was in`);
  });

  it('without a client secret: a clear error, no request', async () => {
    const tokens = new AppTokens(async () => client(emu, { clientId: id }));
    await assert.rejects(tokens.get(), /Set Client Secret/);
    assert.strictEqual(emu.count('POST /api/token'), 0);
  });

  it('a wrong secret: invalid_client', async () => {
    const tokens = new AppTokens(async () => client(emu, { clientId: id, clientSecret: 'd'.repeat(32) }));
    await assert.rejects(tokens.get(), /invalid_client/);
  });
});
