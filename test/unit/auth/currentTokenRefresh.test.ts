import * as assert from 'assert';
import { CurrentTokenRefresher, RefreshableGrants } from '../../../src/auth/currentTokenRefresh';
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

  it('two windows asked at once about the same refused token refresh it once between them (the check is made under the lock)', async () => {
    const c = client(emu);
    const shared = new SharedSecretStorage();
    const locks = lockDir();
    const a = windowOn(shared, c, { locks }).manager;
    const b = windowOn(shared, c, { locks }).manager;
    await Promise.all([a.initialize(), b.initialize()]);
    const grant = await signedInGrant(emu, c);
    await a.add(grant);
    for (let i = 0; i < 100 && b.all().length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    // The race, made certain: both windows finish their unforced step (the token is not due, so
    // it comes back unchanged) before either forces; then A forces, then B.
    const gate = () => {
      let open!: () => void;
      const p = new Promise<void>((r) => (open = r));
      return { p, open };
    };
    const unforced = [gate(), gate()];
    const aForced = gate();
    const ordered = (m: typeof a, me: 0 | 1): RefreshableGrants => ({
      all: () => m.all(),
      refresh: async (id, force) => {
        if (!force) {
          const g = await m.refresh(id, force);
          unforced[me].open();
          return g;
        }
        await Promise.all(unforced.map((u) => u.p));
        if (me === 1) {
          await aForced.p;
        }
        try {
          return await m.refresh(id, force);
        } finally {
          if (me === 0) {
            aForced.open();
          }
        }
      },
    });
    const before = emu.count('token:refresh_token');
    const answers = await Promise.all([
      new CurrentTokenRefresher(ordered(a, 0), nullLogger).refreshIfCurrent(grant.id, grant.accessToken),
      new CurrentTokenRefresher(ordered(b, 1), nullLogger).refreshIfCurrent(grant.id, grant.accessToken),
    ]);
    const refreshes = emu.count('token:refresh_token') - before;
    a.dispose();
    b.dispose();
    assert.deepStrictEqual(answers, [true, true]);
    assert.strictEqual(refreshes, 1);
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
