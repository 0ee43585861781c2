import * as assert from 'assert';
import { CurrentTokenRefresher } from '../../../src/auth/currentTokenRefresh';
import { nullLogger } from '../../../src/common/logger';
import { SpotifyEmulator } from '../../emulator/emulator';
import { SharedSecretStorage } from '../helpers';
import { client, emulator, lockDir, signedInGrant, windowOn } from '../session/fixtures';

describe('auth/currentTokenRefresh (refreshIfCurrent of the exported API)', () => {
  let emu: SpotifyEmulator;
  beforeEach(async () => {
    emu = emulator();
    await emu.start();
  });
  afterEach(() => emu.stop());

  async function signedIn() {
    const c = client(emu);
    const { manager } = windowOn(new SharedSecretStorage(), c);
    await manager.initialize();
    const grant = await signedInGrant(emu, c);
    await manager.add(grant);
    return { manager, grant, refresher: new CurrentTokenRefresher(manager, nullLogger) };
  }

  it('1,000 concurrent calls with the current token cause exactly one refresh, and all learn of the new token', async () => {
    const { manager, grant, refresher } = await signedIn();
    const before = emu.count('token:refresh_token');
    const answers = await Promise.all(Array.from({ length: 1000 }, () => refresher.refreshIfCurrent(grant.id, grant.accessToken)));
    assert.strictEqual(emu.count('token:refresh_token') - before, 1);
    assert.ok(answers.every((a) => a === true));
    const now = manager.all()[0];
    assert.notStrictEqual(now.accessToken, grant.accessToken);
    assert.ok(emu.isAccessTokenValid(now.accessToken));
    // Late callers with the old token: no refresh at all.
    assert.strictEqual(await refresher.refreshIfCurrent(grant.id, grant.accessToken), true);
    assert.strictEqual(emu.count('token:refresh_token') - before, 1);
    manager.dispose();
  });

  it('a token that is not (or no longer) the session\'s causes no refresh', async () => {
    const { manager, grant, refresher } = await signedIn();
    const before = emu.count('token:refresh_token');
    assert.strictEqual(await refresher.refreshIfCurrent(grant.id, 'BQ-some-other-token'), true);
    assert.strictEqual(emu.count('token:refresh_token'), before);
    manager.dispose();
  });

  it('an unknown or signed-out session: false, no refresh', async () => {
    const { manager, grant, refresher } = await signedIn();
    assert.strictEqual(await refresher.refreshIfCurrent('no-such-session', grant.accessToken), false);
    await manager.remove(grant.id);
    assert.strictEqual(await refresher.refreshIfCurrent(grant.id, grant.accessToken), false);
    assert.strictEqual(emu.count('token:refresh_token'), 0);
    manager.dispose();
  });

  it('bad input: a clear TypeError, nothing refreshed', async () => {
    const { manager, grant, refresher } = await signedIn();
    for (const [id, token] of [[undefined, grant.accessToken], [grant.id, ''], [42, 'x'], [grant.id, { toString: () => grant.accessToken }]]) {
      await assert.rejects(refresher.refreshIfCurrent(id, token), (e: unknown) => e instanceof TypeError && /sessionId, accessToken/.test((e as Error).message));
    }
    assert.strictEqual(emu.count('token:refresh_token'), 0);
    manager.dispose();
  });

  it('another window refreshed first: this window catches up under the lock and does not refresh again', async () => {
    const c = client(emu);
    const shared = new SharedSecretStorage();
    const locks = lockDir();
    // This window sees the other's writes only after 200 ms.
    const a = windowOn(shared, c, { locks }).manager;
    const b = windowOn(shared, c, { locks, lagMs: () => 200 }).manager;
    await Promise.all([a.initialize(), b.initialize()]);
    const grant = await signedInGrant(emu, c);
    await a.add(grant);
    await new Promise((r) => setTimeout(r, 300));
    assert.strictEqual(b.all()[0]?.accessToken, grant.accessToken);
    await a.refresh(grant.id, true);
    const before = emu.count('token:refresh_token');
    // b's memory still holds the old token; its consumer was refused with it.
    assert.strictEqual(b.all()[0].accessToken, grant.accessToken);
    assert.strictEqual(await new CurrentTokenRefresher(b, nullLogger).refreshIfCurrent(grant.id, grant.accessToken), true);
    assert.strictEqual(emu.count('token:refresh_token'), before, 'no second refresh');
    assert.strictEqual(b.all()[0].accessToken, a.all()[0].accessToken);
    a.dispose();
    b.dispose();
  });

  it('a failed refresh rejects every caller, and the next call may try again', async () => {
    const { manager, grant, refresher } = await signedIn();
    emu.inject({ path: '/api/token', kind: 'status', status: 500, times: 10 });
    const calls = Array.from({ length: 10 }, () => refresher.refreshIfCurrent(grant.id, grant.accessToken));
    for (const call of calls) {
      await assert.rejects(call);
    }
    emu.clearFaults();
    assert.strictEqual(await refresher.refreshIfCurrent(grant.id, grant.accessToken), true);
    manager.dispose();
  });
});
