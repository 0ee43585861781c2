import * as assert from 'assert';
import { HttpError, OAuthError } from '../../../src/oauth/errors';
import { TokenEndpointResponse } from '../../../src/oauth/token';
import { Grant } from '../../../src/session/grant';
import { GrantLostError, GrantManager, GrantManagerOptions, StorageLagError } from '../../../src/session/grantManager';
import { grantKey, GrantStore, INDEX_KEY } from '../../../src/session/grantStore';
import { captureLogger, SharedSecretStorage, tick, until } from '../helpers';
import { ControlledLock } from './locks';
import { client, emulator, sampleGrant, signedInGrant } from './fixtures';

/** A window over `shared` with the given lock; `lagMs` as in the other suites. */
function win(shared: SharedSecretStorage, over: Partial<GrantManagerOptions> & { lagMs?: () => number } = {}) {
  const log = captureLogger();
  const { lagMs, ...options } = over;
  const secrets = shared.window({ lagMs });
  const manager = new GrantManager({
    store: new GrantStore(secrets, log.logger),
    refresher: async () => {
      throw new Error('no refresher in this test');
    },
    logger: log.logger,
    refreshSkewMs: () => 60_000,
    ...options,
  });
  return { manager, log, secrets };
}

/**
 * A window on a fake clock (`clock.t`) whose token endpoint is down: every refresh fails with
 * `error`. `calls()` counts the refresh turns that reached it.
 */
function outage(error: Error) {
  const clock = { t: 1_800_000_000_000 };
  let calls = 0;
  const w = win(new SharedSecretStorage(), {
    now: () => clock.t,
    refresher: async () => {
      calls++;
      throw error;
    },
  });
  return { ...w, clock, calls: () => calls };
}

const answer = (n: number, over: Partial<TokenEndpointResponse> = {}): TokenEndpointResponse => ({
  access_token: `access-${n}`,
  token_type: 'Bearer',
  scope: [],
  expires_in: 3600,
  refresh_token: `refresh-${n}`,
  ...over,
});

/** Never lose a grant, part two (issue 19): each case reproduced first, then fixed. */
describe('session: never lose a grant, part two', () => {
  it('3. invalid_grant deletes the grant only when the stored refresh token is still the one sent', async () => {
    const shared = new SharedSecretStorage();
    // The winner refreshed the grant past this window's lock (another lock domain) and stored it.
    const winner = win(shared);
    const loser = win(shared, {
      refresher: async (g) => {
        await winner.manager.add({ ...g, accessToken: 'access-winner', refreshToken: 'refresh-winner' });
        throw new OAuthError('invalid_grant', 'Refresh token revoked', 400);
      },
    });
    await loser.manager.initialize();
    await loser.manager.add(sampleGrant());
    await winner.manager.initialize();
    const result = await loser.manager.refresh('g1', true).catch((e) => e);
    assert.ok(!(result instanceof GrantLostError), 'not reported lost: the stored token is another one');
    const stored = shared.data.get(grantKey('g1'));
    assert.ok(stored, 'the winner\'s grant is still stored');
    assert.strictEqual(JSON.parse(stored).grant.refreshToken, 'refresh-winner');
    assert.deepStrictEqual(JSON.parse(shared.data.get(INDEX_KEY)!).ids, ['g1']);
  });

  it('6. a corrupt index is not "no grants": nothing is reported removed and the next write does not shrink it', async () => {
    const shared = new SharedSecretStorage();
    const w = win(shared);
    await w.manager.initialize();
    await w.manager.add(sampleGrant({ id: 'g1' }));
    await w.manager.add(sampleGrant({ id: 'g2' }));
    const removed: string[] = [];
    w.manager.onDidChange((e) => removed.push(...e.removed.map((g) => g.id)));
    shared.data.set(INDEX_KEY, '{"version":2,"gen":');
    await w.manager.reload();
    assert.deepStrictEqual(removed, [], 'nothing reported removed');
    assert.deepStrictEqual(w.manager.all().map((g) => g.id), ['g1', 'g2']);
    await w.manager.add(sampleGrant({ id: 'g3' }));
    assert.deepStrictEqual(JSON.parse(shared.data.get(INDEX_KEY)!).ids.sort(), ['g1', 'g2', 'g3'], 'the index lists every grant');
    // A window that starts on the corrupt index rebuilds it from the grant keys that exist.
    shared.data.set(INDEX_KEY, 'garbage');
    const fresh = win(shared);
    await fresh.manager.initialize();
    assert.deepStrictEqual(fresh.manager.all().map((g) => g.id).sort(), ['g1', 'g2', 'g3']);
  });

  it('6b. a fresh window on a corrupt index, where SecretStorage cannot list its keys (VS Code 1.100): a sign-in fails clearly and orphans nobody', async () => {
    const shared = new SharedSecretStorage();
    const w = win(shared);
    await w.manager.initialize();
    await w.manager.add(sampleGrant({ id: 'g1' }));
    await w.manager.add(sampleGrant({ id: 'g2' }));
    w.manager.dispose();
    shared.data.set(INDEX_KEY, 'garbage');
    const fresh = win(shared);
    (fresh.secrets as { keys?: unknown }).keys = undefined; // as @types/vscode 1.100 has it
    await fresh.manager.initialize();
    await assert.rejects(fresh.manager.add(sampleGrant({ id: 'g3' })), /cannot rebuild it, so nothing was changed/);
    assert.strictEqual(shared.data.get(INDEX_KEY), 'garbage', 'the index is not rewritten with g3 alone');
    assert.ok(shared.data.has(grantKey('g1')) && shared.data.has(grantKey('g2')), 'the stored sessions are kept');
    assert.ok(!shared.data.has(grantKey('g3')), 'the new key is taken back, not left orphaned');
    fresh.manager.dispose();
  });

  it('7. one backoff per grant, shared by callers: a polling consumer does not hammer the endpoint, Retry-After is honoured', async () => {
    const w = outage(new HttpError(503, 'Spotify is unavailable (HTTP 503).', 120_000));
    await w.manager.initialize();
    await w.manager.add(sampleGrant({ expiresAt: w.clock.t + 30_000 })); // due (inside the skew), not expired
    assert.strictEqual((await w.manager.getFresh()).length, 1, 'the valid token is served');
    await until(() => w.calls() === 1);
    await tick(10); // the failure is recorded
    for (let i = 0; i < 10; i++) {
      w.clock.t += 1000;
      assert.strictEqual((await w.manager.getFresh()).length, 1, 'the valid token is served');
      await tick(5);
    }
    assert.strictEqual(w.calls(), 1, 'one request in 10 s of polling: Spotify asked for 120 s');
    w.clock.t += 120_000; // now expired, and the pause is over: callers wait for a refresh
    await assert.rejects(w.manager.getFresh(), HttpError);
    assert.strictEqual(w.calls(), 2, 'tried again once Retry-After has passed');
    await assert.rejects(w.manager.getFresh(), HttpError);
    assert.strictEqual(w.calls(), 2, 'an expired token inside Spotify\'s pause fails at once, without a request');
    w.manager.dispose();
  });

  it('7b. an expired token through an outage without Retry-After: a caller polling every second starts one refresh per 10 s, not one per call', async () => {
    const w = outage(new HttpError(503, 'Spotify is unavailable (HTTP 503).')); // no Retry-After
    await w.manager.initialize();
    await w.manager.add(sampleGrant({ expiresAt: w.clock.t - 1000 })); // already expired
    for (let i = 0; i < 60; i++) {
      await assert.rejects(w.manager.getFresh(), HttpError);
      w.clock.t += 1000;
    }
    assert.ok(w.calls() >= 6 && w.calls() <= 8, `${w.calls()} refresh turns in 60 s of polling (before: one per call, 60)`);
    w.manager.dispose();
  });

  it('8. "consent ended" is decided by the known end date, never by Spotify\'s wording', () => {
    const g = sampleGrant({ createdAt: Date.UTC(2026, 4, 24), account: { id: 'a', label: 'Alice' } });
    const early = new GrantLostError(g, new OAuthError('invalid_grant', 'Refresh token expired', 400), Date.UTC(2026, 5, 1));
    assert.strictEqual(early.consentEndedAt, undefined, 'the end (2026-11-24) has not come');
    assert.doesNotMatch(early.message, /ended on/);
    assert.match(early.message, /expired or was revoked \(Refresh token expired\)/);
    const late = new GrantLostError(g, new OAuthError('invalid_grant', 'The grant has ended', 400), Date.UTC(2026, 10, 25));
    assert.strictEqual(late.consentEndedAt, Date.UTC(2026, 10, 24), 'after the known end, whatever the text');
  });

  it('9. the ledger is never behind storage: a holder that died between the storage write and the ledger write costs no replay', async () => {
    const emu = emulator({ refreshTokenMode: 'rotate', reuseDetection: true });
    await emu.start();
    try {
      const shared = new SharedSecretStorage();
      const c = client(emu);
      const lock = new ControlledLock();
      const refresher = (g: Grant) => c.refresh(g.refreshToken!);
      const a = win(shared, { lock: lock.window(), refresher, lagMs: () => 150 });
      const b = win(shared, { lock: lock.window(), refresher, lagMs: () => 150 });
      await Promise.all([a.manager.initialize(), b.manager.initialize()]);
      await a.manager.add(await signedInGrant(emu, c));
      await until(() => b.manager.all().length === 1);
      lock.failNextCommit = true;
      await a.manager.refresh('g1', true).catch(() => undefined); // stored the answer, "died" before the ledger
      await b.manager.refresh('g1', true).catch(() => undefined); // its view is still on the old grant
      assert.strictEqual(emu.count('refresh:reused'), 0, 'no refresh token sent twice');
      assert.strictEqual(emu.liveRefreshTokens(), 1, 'the grant is alive');
    } finally {
      await emu.stop();
    }
  });

  it('10. fencing: a holder frozen past the stale time neither sends its token nor writes over the next holder', async () => {
    const emu = emulator({ refreshTokenMode: 'rotate', reuseDetection: true });
    await emu.start();
    try {
      const shared = new SharedSecretStorage();
      const c = client(emu);
      const lock = new ControlledLock();
      const refresher = (g: Grant) => c.refresh(g.refreshToken!);
      const a = win(shared, { lock: lock.window(), refresher, pendingGraceMs: 400 } as Partial<GrantManagerOptions>);
      const b = win(shared, { lock: lock.window(), refresher, pendingGraceMs: 400 } as Partial<GrantManagerOptions>);
      await Promise.all([a.manager.initialize(), b.manager.initialize()]);
      await a.manager.add(await signedInGrant(emu, c));
      await until(() => b.manager.all().length === 1);
      // a freezes before it sends (its storage read hangs), its lock is broken, b refreshes.
      const realGet = a.secrets.get;
      let frozen = true;
      (a.secrets as { get: typeof realGet }).get = async (key) => {
        const v = await realGet(key);
        while (frozen) {
          await tick(5);
        }
        return v;
      };
      const first = a.manager.refresh('g1', true).catch((e) => e);
      await until(() => lock.held);
      lock.breakHolder();
      await b.manager.refresh('g1', true);
      frozen = false;
      await first;
      (a.secrets as { get: typeof realGet }).get = realGet;
      assert.strictEqual(emu.count('refresh:reused'), 0, 'the frozen holder did not send its (used) token');
      // a freezes with the answer in hand (before it writes), its lock is broken, b comes in.
      emu.inject({ path: '/api/token', kind: 'delay', ms: 200 });
      const second = a.manager.refresh('g1', true).catch((e) => e);
      await tick(100); // a's request is out
      lock.breakHolder();
      const bTurn = b.manager.refresh('g1', true).catch((e) => e);
      await Promise.all([second, bTurn]);
      assert.strictEqual(emu.count('refresh:reused'), 0, 'b did not replay the token a sent');
      assert.strictEqual(emu.liveRefreshTokens(), 1, 'the grant is alive');
      const stored = JSON.parse(shared.data.get(grantKey('g1'))!).grant as Grant;
      assert.ok(emu.isAccessTokenValid(stored.accessToken));
      await until(() => b.manager.all()[0]?.accessToken === stored.accessToken, 3000);
    } finally {
      await emu.stop();
    }
  });

  it('11. expiresAt is counted from when the request was sent, not from the answer', async () => {
    const shared = new SharedSecretStorage();
    let t = 1_800_000_000_000;
    const sentAt = t;
    const w = win(shared, {
      now: () => t,
      refresher: async () => {
        t += 5000; // a slow answer
        return answer(1);
      },
    });
    await w.manager.initialize();
    await w.manager.add(sampleGrant({ expiresAt: t - 1 }));
    const g = await w.manager.refresh('g1');
    assert.strictEqual(g!.expiresAt, sentAt + 3600_000);
  });

  it('2. a sign-in that meets a lagging view leaves no orphaned grant key and fails with a clear error; a sign-out too', async () => {
    const shared = new SharedSecretStorage();
    const lock = new ControlledLock();
    const w = win(shared, { lock: lock.window(), storageCatchUpMs: 50 });
    await w.manager.initialize();
    await w.manager.add(sampleGrant({ id: 'g1' }));
    // Another browser (its own secrets, the same ledger) wrote the index at a generation this view never reaches.
    lock.entries.set(INDEX_KEY, { gen: 99 });
    await assert.rejects(w.manager.add(sampleGrant({ id: 'g2' })), (e: Error) => e instanceof StorageLagError && /not saved/.test(e.message));
    assert.strictEqual(shared.data.has(grantKey('g2')), false, 'no orphaned key');
    await assert.rejects(w.manager.remove('g1'), StorageLagError);
    assert.ok(shared.data.has(grantKey('g1')) && JSON.parse(shared.data.get(INDEX_KEY)!).ids.includes('g1'), 'a failed sign-out changes nothing');
  });
});
