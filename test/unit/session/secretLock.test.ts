import * as assert from 'assert';
import { SecretLock } from '../../../src/session/secretLock';
import { SharedSecretStorage, tick } from '../helpers';

const fast = { settleMs: 120, heartbeatMs: 40, staleAfterMs: 600 };

describe('session: the lock over SecretStorage (vscode.dev: one store, an origin per workspace)', () => {
  it('three windows with lagging views (real random lags) are never inside at once, and the ledger travels', async () => {
    const shared = new SharedSecretStorage();
    const windows = [0, 1, 2].map(() => new SecretLock(shared.window({ lagMs: () => Math.random() * 40 }), 'store-id-1', fast));
    let inside = 0;
    let most = 0;
    let turns = 0;
    await Promise.all(
      windows.map(async (w) => {
        for (let k = 0; k < 3; k++) {
          await w.run('grant-a', async (ledger) => {
            most = Math.max(most, ++inside);
            const gen = (await ledger.read('k'))?.gen ?? 0;
            await tick(10);
            await ledger.write('k', { gen: gen + 1, pendingRefreshTokenHash: `h${gen + 1}` });
            turns++;
            inside--;
          });
        }
      }),
    );
    assert.strictEqual(most, 1, 'one window at a time');
    assert.strictEqual(turns, 9);
    const last = await windows[0].run('grant-a', async (ledger) => ledger.read('k'));
    assert.deepStrictEqual(last, { gen: 9, pendingRefreshTokenHash: 'h9' }, 'each turn read the ledger the one before released');
  });

  it('a frozen holder: stillHeld turns false once its own clock passed the stale time, and its ledger refuses writes', async () => {
    const shared = new SharedSecretStorage();
    let jump = 0;
    const lock = new SecretLock(shared.window(), 'store-id-2', { ...fast, monotonic: () => performance.now() + jump });
    const result = await lock.run('grant-b', async (ledger, turn) => {
      const before = await turn.stillHeld();
      jump = 10_000; // the extension host was blocked for 10 s
      const after = await turn.stillHeld();
      const write = await ledger.write('k', { gen: 1 }).then(() => 'written', (e: Error) => e.name);
      return { before, after, write };
    });
    assert.deepStrictEqual(result, { before: true, after: false, write: 'LockLostError' });
  });

  it('a record left by a window that died while holding is taken over after the stale time, with its ledger', async () => {
    const shared = new SharedSecretStorage();
    shared.data.set('spotify.lock.store-id-3.grant-c', JSON.stringify({ owner: 'dead-window', beat: 4, ledger: { k: { gen: 7 } } }));
    const lock = new SecretLock(shared.window({ lagMs: () => 10 }), 'store-id-3', fast);
    const entry = await lock.run('grant-c', async (ledger, turn) => ({ entry: await ledger.read('k'), held: await turn.stillHeld() }));
    assert.deepStrictEqual(entry, { entry: { gen: 7 }, held: true }, 'the dead window\'s ledger is kept');
    assert.strictEqual(JSON.parse(shared.data.get('spotify.lock.store-id-3.grant-c')!).owner, undefined, 'released');
  });

  it('a store slower than the wait itself: the wait grows with the observed write time, and the lock is taken', async () => {
    const shared = new SharedSecretStorage();
    const view = shared.window();
    const slow = { ...view, store: async (k: string, v: string) => (await tick(100), view.store(k, v)) };
    const lock = new SecretLock(slow, 'store-id-4', { ...fast, staleAfterMs: 10_000, acquireTimeoutMs: 5000 });
    assert.strictEqual(await lock.run('grant-d', async (_l, turn) => turn.stillHeld()), true);
  });
});
