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

  it('2. a waiter paused past the stale time right after a read never claims over a live holder whose heartbeat went on meanwhile', async () => {
    const shared = new SharedSecretStorage();
    const key = 'spotify.lock.store-id-5.grant-e';
    const opts = { settleMs: 100, staleAfterMs: 60_000, heartbeatMs: 600_000 };
    const holder = new SecretLock(shared.window(), 'store-id-5', opts);
    let t = 0; // the waiter's monotonic clock
    const view = shared.window();
    const beats = shared.window();
    let armed = false;
    let reads = 0;
    let polled!: () => void;
    const enoughPolls = new Promise<void>((r) => (polled = r));
    const paused = {
      ...view,
      get: async (k: string) => {
        const text = await view.get(k);
        if (armed && k === key && ++reads === 2) {
          // The event loop is blocked past the stale time after this read, while the holder's heartbeat goes on.
          const r = JSON.parse(text!) as { beat: number };
          await beats.store(key, JSON.stringify({ ...r, beat: r.beat + 1 }));
          t += 61_000;
        }
        if (reads === 6) {
          polled();
        }
        return text;
      },
    };
    const waiter = new SecretLock(paused, 'store-id-5', { ...opts, acquireTimeoutMs: 1e12, monotonic: () => t });
    const order: string[] = [];
    let holderHeld: boolean | undefined;
    let second: Promise<void> | undefined;
    await holder.run('grant-e', async (_l, turn) => {
      order.push('holder in');
      armed = true;
      second = waiter.run('grant-e', async () => {
        order.push('waiter in');
        polled(); // (it claimed over the holder: no more polls will come)
      });
      await enoughPolls;
      holderHeld = await turn.stillHeld();
      order.push('holder out');
    });
    await second;
    assert.strictEqual(holderHeld, true, 'the live holder kept its lock');
    assert.deepStrictEqual(order, ['holder in', 'holder out', 'waiter in']);
  });

  it('6. a holder paused between its last check and its release never writes "free" over a claim made meanwhile', async () => {
    const shared = new SharedSecretStorage();
    const key = 'spotify.lock.store-id-6.grant-f';
    let t = 0; // the holder's monotonic clock
    const view = shared.window();
    const other = shared.window();
    let releasing = false;
    const paused = {
      ...view,
      get: async (k: string) => {
        const text = await view.get(k);
        if (releasing && k === key) {
          releasing = false;
          // Paused 1 s after the check read its own claim; another window claimed meanwhile.
          await other.store(key, JSON.stringify({ owner: 'other-window', beat: 99, ledger: {} }));
          t += 1000;
        }
        return text;
      },
    };
    const lock = new SecretLock(paused, 'store-id-6', { settleMs: 100, staleAfterMs: 60_000, heartbeatMs: 600_000, monotonic: () => t });
    await lock.run('grant-f', async () => {
      releasing = true;
    });
    assert.strictEqual(JSON.parse(shared.data.get(key)!).owner, 'other-window', 'the other window\'s claim stands');
  });
});
