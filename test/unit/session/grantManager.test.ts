import * as assert from 'assert';
import { Grant } from '../../../src/session/grant';
import { GrantLostError, GrantsChangeEvent } from '../../../src/session/grantManager';
import { grantKey, INDEX_KEY } from '../../../src/session/grantStore';
import { SpotifyEmulator } from '../../emulator/emulator';
import { SharedSecretStorage, tick, until } from '../helpers';
import { client, emulator, lockDir, signedInGrant, windowOn } from './fixtures';

/** Expired: callers must wait for the refresh (a token inside the skew but valid is served at once). */
const due = (g: Grant): Grant => ({ ...g, expiresAt: Date.now() - 1 });

describe('session/grantManager', () => {
  let emu: SpotifyEmulator;
  beforeEach(async () => {
    emu = emulator();
    await emu.start();
  });
  afterEach(() => emu.stop());

  async function setup(over = {}) {
    const shared = new SharedSecretStorage();
    const c = client(emu);
    // The lock folder every window of this profile shares, as globalStorageUri is.
    const locks = lockDir();
    const w = windowOn(shared, c, { locks, ...over });
    await w.manager.initialize();
    const grant = await signedInGrant(emu, c);
    await w.manager.add(grant);
    return { shared, c, locks, ...w, grant };
  }

  it('serves fresh grants from memory with no storage reads', async () => {
    const { shared, manager, grant } = await setup();
    const reads = shared.reads;
    for (let i = 0; i < 100; i++) {
      assert.deepStrictEqual((await manager.getFresh(['user-read-private'])).map((g) => g.id), [grant.id]);
    }
    assert.strictEqual(shared.reads, reads);
    assert.deepStrictEqual(await manager.getFresh(['user-top-read']), [], 'narrower grant does not serve wider scopes');
    assert.deepStrictEqual((await manager.getFresh(undefined, 'acc-alice-0001')).length, 1);
    assert.deepStrictEqual(await manager.getFresh(undefined, 'someone-else'), []);
  });

  it('refreshes a due grant on demand: same id, new token, new refresh token stored, changed fired', async () => {
    const { manager, grant, shared } = await setup();
    await manager.add(due(grant));
    const events: GrantsChangeEvent[] = [];
    manager.onDidChange((e) => events.push(e));
    const [fresh] = await manager.getFresh(['user-read-private']);
    assert.strictEqual(fresh.id, grant.id);
    assert.notStrictEqual(fresh.accessToken, grant.accessToken);
    assert.ok(emu.isAccessTokenValid(fresh.accessToken));
    assert.notStrictEqual(fresh.refreshToken, grant.refreshToken, 'rotated refresh token stored');
    assert.ok(fresh.expiresAt > Date.now() + 3500_000);
    assert.deepStrictEqual(events.map((e) => [e.added.length, e.removed.length, e.changed.length]), [[0, 0, 1]]);
    assert.strictEqual(JSON.parse(shared.data.get(grantKey(grant.id))!).grant.refreshToken, fresh.refreshToken);
  });

  it('keeps the stored refresh token when the answer has none', async () => {
    emu.config.refreshTokenMode = 'omit';
    const { manager, grant } = await setup();
    await manager.add(due(grant));
    const [fresh] = await manager.getFresh();
    assert.notStrictEqual(fresh.accessToken, grant.accessToken);
    assert.strictEqual(fresh.refreshToken, grant.refreshToken);
    // And it keeps working for the next refresh.
    const again = await manager.refresh(grant.id, true);
    assert.ok(again && emu.isAccessTokenValid(again.accessToken));
  });

  it('single flight: 25 concurrent callers at expiry cause one token request', async () => {
    const { manager, grant } = await setup();
    await manager.add(due(grant));
    const before = emu.count('token:refresh_token');
    const results = await Promise.all(Array.from({ length: 25 }, () => manager.getFresh(['user-read-private'])));
    assert.strictEqual(emu.count('token:refresh_token') - before, 1);
    assert.strictEqual(new Set(results.map((r) => r[0].accessToken)).size, 1);
  });

  it('invalid_grant: removes the grant, fires removed and onDidLoseGrant once, callers get no session', async () => {
    const { manager, grant, shared } = await setup();
    await manager.add(due(grant));
    emu.revokeAllGrants();
    const events: GrantsChangeEvent[] = [];
    const lost: GrantLostError[] = [];
    manager.onDidChange((e) => events.push(e));
    manager.onDidLoseGrant((e) => lost.push(e));
    const results = await Promise.all([manager.getFresh(), manager.getFresh(), manager.getFresh()]);
    assert.deepStrictEqual(results, [[], [], []]);
    assert.strictEqual(lost.length, 1);
    assert.match(lost[0].message, /expired or was revoked \(Refresh token revoked\)\. Sign in again\./);
    assert.deepStrictEqual(events.map((e) => e.removed.map((g) => g.id)), [[grant.id]]);
    assert.strictEqual(shared.data.has(grantKey(grant.id)), false);
    await until(() => JSON.parse(shared.data.get(INDEX_KEY)!).ids.length === 0);
  });

  it('network errors keep the grant: an unexpired token is still served, an expired one fails clearly', async () => {
    const { manager, grant, log } = await setup();
    await manager.add({ ...grant, expiresAt: Date.now() + 30_000 }); // inside the skew, not expired
    emu.inject({ path: '/api/token', kind: 'reset', times: 4 });
    const [served] = await manager.getFresh();
    assert.strictEqual(served.accessToken, grant.accessToken);
    await until(() => log.lines.some((l) => /Background refresh .* failed; its current token is used until it expires/.test(l)));
    await manager.add({ ...grant, expiresAt: Date.now() - 1 });
    emu.inject({ path: '/api/token', kind: 'status', status: 503, times: 4 });
    await assert.rejects(manager.getFresh(), /Spotify is unavailable \(HTTP 503/);
    assert.strictEqual(manager.all().length, 1, 'grant kept');
    const [later] = await manager.getFresh();
    assert.ok(emu.isAccessTokenValid(later.accessToken), 'recovers once Spotify answers');
  });

  it('a session signed out while its refresh is in flight stays signed out', async () => {
    const { manager, grant, shared } = await setup();
    emu.inject({ path: '/api/token', kind: 'delay', ms: 150 });
    const refreshing = manager.refresh(grant.id, true);
    await tick(30);
    await manager.remove(grant.id);
    assert.ok(await refreshing, 'the refresh finished first: the lock kept the sign-out waiting');
    assert.deepStrictEqual(manager.all(), []);
    assert.strictEqual(shared.data.has(grantKey(grant.id)), false, 'the sign-out is not undone by the refresh');
  });

  it('another window picks up a refresh from storage without a token request', async () => {
    const { shared, c, manager, grant, locks } = await setup();
    const other = windowOn(shared, c, { locks }).manager;
    await other.initialize();
    const changed: GrantsChangeEvent[] = [];
    other.onDidChange((e) => changed.push(e));
    const fresh = await manager.refresh(grant.id, true);
    await until(() => other.all()[0]?.accessToken === fresh!.accessToken);
    assert.strictEqual(changed.at(-1)!.changed[0].id, grant.id);
    const before = emu.count('token:refresh_token');
    assert.strictEqual((await other.getFresh())[0].accessToken, fresh!.accessToken);
    assert.strictEqual(emu.count('token:refresh_token'), before);
  });

  it('4 windows x 25 callers at expiry: one token request, all get the same token', async () => {
    const { shared, c, manager, grant, locks } = await setup();
    await manager.add(due(grant));
    const windows = [manager];
    for (let i = 0; i < 3; i++) {
      const w = windowOn(shared, c, { locks }).manager;
      await w.initialize();
      windows.push(w);
    }
    const before = emu.count('token:refresh_token');
    const all = await Promise.all(windows.flatMap((w) => Array.from({ length: 25 }, () => w.getFresh())));
    assert.strictEqual(emu.count('token:refresh_token') - before, 1);
    assert.strictEqual(new Set(all.map((r) => r[0].accessToken)).size, 1);
  });

  it('loads grants another window stored, and reports storage corruption without crashing', async () => {
    const { shared, c, grant } = await setup();
    const other = windowOn(shared, c);
    await other.manager.initialize();
    assert.deepStrictEqual(other.manager.all().map((g) => g.id), [grant.id]);
    shared.data.set(grantKey(grant.id), '{"version":2,"gen":');
    await other.manager.reload();
    assert.deepStrictEqual(other.manager.all(), []);
    assert.ok(other.log.lines.some((l) => /a session key is unreadable/.test(l)));
  });
});
