import * as assert from 'assert';
import { POINTS } from '../../procs/protocol';
import { ProcessWorld } from '../../procs/world';
import { tick } from '../helpers';

/**
 * Four windows as four real Node processes (each its own GrantManager and FileLock over one secret
 * store whose views lag 0-80 ms), refreshing against the emulator with rotation and reuse
 * detection; one window is SIGKILLed, or SIGSTOPped past the stale time, at each point of a
 * refresh turn. Driven by commands, not timers, so every assertion is exact.
 */
describe('session: 4 window processes, killed and frozen at each point of a refresh turn', function () {
  this.timeout(30_000);
  const STALE_MS = 300;
  let world: ProcessWorld;
  before(async () => {
    // Tokens that never fall due here: every refresh is one the test asked for.
    world = new ProcessWorld({ staleAfterMs: STALE_MS, pendingGraceMs: 1500, accessTokenTtlS: 600 });
    await world.start();
  });
  after(() => world?.stop());

  /** Every window serves the grant; returns the counts' change since `before`. */
  async function settle(before: ProcessWorld['stats']) {
    for (let i = 0; i < 4; i++) {
      await world.request(i, { t: 'getFresh' });
    }
    const lost = await world.checkLost();
    const d = Object.fromEntries(Object.entries(world.stats).map(([k, v]) => [k, v - before[k as keyof typeof before]])) as ProcessWorld['stats'];
    return { ...d, lostNow: lost };
  }

  for (const point of POINTS) {
    it(`SIGKILL at "${point}", then the window restarts: ${point === 'answered' ? 'the one unavoidable replay (the rotated answer died with it)' : 'no replay, no loss'}`, async () => {
      const before = { ...world.stats };
      const victim = world.liveIndex();
      world.arm(victim, point);
      const turn = world.request(victim, { t: 'refresh', grantId: world.grantId, force: true });
      assert.strictEqual(await world.reached(point), victim);
      await world.kill(victim);
      assert.strictEqual(await turn, undefined, 'the window died in its turn');
      await world.spawn(victim);
      const next = await world.request(world.liveIndex(victim), { t: 'refresh', grantId: world.grantId, force: true });
      const d = await settle(before);
      if (point === 'answered') {
        assert.strictEqual(next?.name, 'GrantLostError', 'the grant is reported lost, cleanly');
        assert.deepStrictEqual([d.resent, d.unavoidable, d.lost, d.lostUnavoidable], [1, 1, 1, 1]);
      } else {
        assert.ok(next?.ok, `the next window refreshed (${next?.error ?? ''})`);
        assert.deepStrictEqual([d.resent, d.lost], [0, 0], 'no refresh token sent twice, no grant lost');
        assert.ok(d.served >= 4, 'every window served the grant');
      }
      assert.strictEqual(d.dead, 0, 'no dead token served');
    });
  }

  for (const point of ['locked', 'sending', 'answered', 'stored'] as const) {
    it(`SIGSTOP at "${point}" past the stale time: the lock is broken, the frozen window resumes fenced off; no replay, no loss`, async () => {
      const before = { ...world.stats };
      const victim = world.liveIndex();
      world.arm(victim, point, true);
      const turn = world.request(victim, { t: 'refresh', grantId: world.grantId, force: true });
      assert.strictEqual(await world.reached(point), victim);
      // Another window asks at once, so it sees the lock unchanged for the stale time well before the freeze ends.
      const frozen = world.freeze(victim, STALE_MS * 3);
      await tick(20);
      const other = world.liveIndex(victim);
      const [mine, theirs] = await Promise.all([turn, world.request(other, { t: 'refresh', grantId: world.grantId, force: true }), frozen]);
      assert.ok(mine && theirs?.ok, `both turns end (${mine?.name ?? 'ok'}, ${theirs?.error ?? 'ok'})`);
      const d = await settle(before);
      assert.deepStrictEqual([d.resent, d.lost, d.dead], [0, 0, 0], 'no refresh token sent twice, no grant lost, no dead token served');
    });
  }
});
