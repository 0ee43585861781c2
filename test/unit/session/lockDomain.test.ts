import { InProcessLock } from '../../../src/session/crossWindowLock';
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as sinon from 'sinon';
import { CrossWindowLock } from '../../../src/session/crossWindowLock';
import { GrantManager } from '../../../src/session/grantManager';
import { GrantStore } from '../../../src/session/grantStore';
import { resolveStoreId, STORE_ID_KEY, StoreScopedLock } from '../../../src/session/lockDomain';
import { FileLock } from '../../../src/session/node/fileLock';
import { createNodeLock, sharedLockFolder } from '../../../src/session/node/lockFolder';
import { SecretStorageLike } from '../../../src/session/secretStorage';
import { createWebLock } from '../../../src/session/web/webLock';
import { SpotifyEmulator } from '../../emulator/emulator';
import { captureLogger, SharedSecretStorage, tick, until } from '../helpers';
import { client, emulator, signedInGrant } from './fixtures';

const EXT = 'spotify-auth.spotify-authentication';
/** Another window's write reaches this window's view 0-80 ms later (real random source). */
const lag = () => Math.random() * 80;
const fastIds = { settleMs: 250 };

/** The Web Locks of one origin (a vscode.dev workspace): a queue per name, shared by that origin's tabs only. */
function originLocks() {
  const tails = new Map<string, Promise<unknown>>();
  return {
    request<T>(name: string, cb: () => Promise<T>): Promise<T> {
      const run = (tails.get(name) ?? Promise.resolve()).then(cb, cb);
      tails.set(name, run.catch(() => undefined));
      return run;
    },
  };
}

describe('session: one lock domain per secret store (issue 19, items 1 and 2)', () => {
  describe('the store id', () => {
    it('windows starting at once on an empty store, with lagging views, converge on one id (real random lags)', async () => {
      for (let round = 0; round < 4; round++) {
        const shared = new SharedSecretStorage();
        const views = [0, 1, 2, 3].map(() => shared.window({ lagMs: lag }));
        const ids = await Promise.all(views.map((v) => resolveStoreId(v, fastIds)));
        assert.strictEqual(new Set(ids).size, 1, `round ${round}: ${ids.join(', ')}`);
        assert.strictEqual(JSON.parse(shared.data.get(STORE_ID_KEY)!).id, ids[0]);
      }
    });

    it('two claims written at once (pinned 60 ms lag, each view ends on the other\'s claim): both adopt the earliest', async () => {
      const shared = new SharedSecretStorage();
      const a = shared.window({ lagMs: () => 60 });
      const b = shared.window({ lagMs: () => 60 });
      let n = 0;
      const ids = await Promise.all([a, b].map((v) => resolveStoreId(v, { settleMs: 200, randomId: () => `claim-${++n}-abcdefgh` })));
      assert.ok(shared.writes >= 2, 'both claimed: neither could see the other');
      assert.strictEqual(ids[0], ids[1]);
      assert.strictEqual(JSON.parse(shared.data.get(STORE_ID_KEY)!).id, ids[0], 'the store ends on the adopted id');
    });

    it('what the wait prevents: with a settle time below the lag, the same race leaves two domains', async () => {
      const shared = new SharedSecretStorage();
      // A lag far above the settle time, and a monotonic clock that does not move (so the settle
      // time cannot grow with a slow write on a loaded machine): each window adopts its own claim
      // before it can see the other's.
      const views = [shared.window({ lagMs: () => 2000 }), shared.window({ lagMs: () => 2000 })];
      let n = 0;
      const ids = await Promise.all(views.map((v) => resolveStoreId(v, { settleMs: 10, monotonic: () => 0, randomId: () => `claim-${++n}-abcdefgh` })));
      assert.notStrictEqual(ids[0], ids[1]);
    });

    it('an id written long ago is adopted at once, without a write; a garbled one is replaced', async () => {
      const shared = new SharedSecretStorage();
      shared.data.set(STORE_ID_KEY, JSON.stringify({ id: 'old-store-id-1234', at: Date.now() - 86_400_000 }));
      assert.strictEqual(await resolveStoreId(shared.window(), { settleMs: 60_000 }), 'old-store-id-1234');
      assert.strictEqual(shared.writes, 0);
      shared.data.set(STORE_ID_KEY, '{"id":"../../etc"');
      const id = await resolveStoreId(shared.window(), { settleMs: 50 });
      assert.match(id, /^[0-9a-f]{32}$/);
    });

    it('5. a slow first write (a keychain prompt) stretches the wait at most to the cap, and the caller\'s timeout applies (fake clock)', async () => {
      const clock = sinon.useFakeTimers();
      try {
        const slowFirst = (view: SecretStorageLike, ms: number): SecretStorageLike => {
          let first = true;
          return { ...view, store: async (k: string, v: string) => {
            if (first) {
              first = false;
              clock.tick(ms); // the user answers the prompt after `ms`
            }
            return view.store(k, v);
          } };
        };
        const time = { now: () => clock.now, monotonic: () => clock.now };
        // In steps, so the promise chains after each timer settle before the next look.
        const advance = async (ms: number) => {
          for (let left = ms; left > 0; left -= 100) {
            await clock.tickAsync(Math.min(100, left));
          }
        };
        // A 30 s write, a 100 ms settle time: the wait stands at the 10 s cap, never 4 x 30 s.
        let id: string | undefined;
        void resolveStoreId(slowFirst(new SharedSecretStorage().window(), 30_000), { settleMs: 100, ...time }).then((v) => (id = v));
        await advance(10_100);
        assert.match(String(id), /^[0-9a-f]{32}$/, 'resolved within the cap after the write');
        // A settle time longer than the caller's acquire timeout: LockTimeoutError at the timeout.
        let outcome: string | undefined;
        void resolveStoreId(new SharedSecretStorage().window(), { settleMs: 60_000, timeoutMs: 5_000, ...time }).then(
          () => (outcome = 'resolved'),
          (e: Error) => (outcome = e.name),
        );
        await advance(5_100);
        assert.strictEqual(outcome, 'LockTimeoutError');
      } finally {
        clock.restore();
      }
    });

    it('a record deleted under a running window is claimed again with the id in use', async () => {
      const shared = new SharedSecretStorage();
      const secrets = shared.window();
      const lock = new StoreScopedLock(secrets, () => ({ run: (_n, fn) => fn({ read: async () => undefined, write: async () => undefined }, { stillHeld: async () => true }) }), fastIds);
      const id = await lock.storeId();
      await secrets.delete(STORE_ID_KEY);
      await until(() => shared.data.has(STORE_ID_KEY), 3000);
      assert.strictEqual(await lock.storeId(), id);
      assert.strictEqual(JSON.parse(shared.data.get(STORE_ID_KEY)!).id, id);
      lock.dispose();
    });

    it('a failed read of the store id is an error for that turn only, never an id; the next turn resolves it', async () => {
      const shared = new SharedSecretStorage();
      const view = shared.window();
      let fail = true;
      const flaky: SecretStorageLike = { ...view, get: (k) => (fail && k === STORE_ID_KEY ? Promise.reject(new Error('keyring locked')) : view.get(k)) };
      const made: string[] = [];
      const lock = new StoreScopedLock(flaky, (id) => (made.push(id), { run: (_n, fn) => fn({ read: async () => undefined, write: async () => undefined }, { stillHeld: async () => true }) }), fastIds);
      await assert.rejects(lock.run('x', async () => 'ran'), /keyring locked/);
      assert.deepStrictEqual(made, [], 'no lock was made without an id');
      fail = false;
      assert.strictEqual(await lock.run('x', async () => 'ran'), 'ran');
      assert.strictEqual(made.length, 1);
      lock.dispose();
    });
  });

  describe('the lock folder every profile reaches (modelled from VS Code\'s userDataProfile.ts)', () => {
    it('maps a profile\'s global storage to the default profile\'s, on POSIX and Windows paths', () => {
      assert.strictEqual(sharedLockFolder(`/home/u/.config/Code/User/globalStorage/${EXT}`, path.posix), `/home/u/.config/Code/User/globalStorage/${EXT}/locks`);
      assert.strictEqual(sharedLockFolder(`/home/u/.config/Code/User/profiles/-5a1b2c3d/globalStorage/${EXT}`, path.posix), `/home/u/.config/Code/User/globalStorage/${EXT}/locks`);
      assert.strictEqual(
        sharedLockFolder(`C:\\Users\\u\\AppData\\Roaming\\Code\\User\\profiles\\7f3e\\globalStorage\\${EXT}`, path.win32),
        `C:\\Users\\u\\AppData\\Roaming\\Code\\User\\globalStorage\\${EXT}\\locks`,
      );
      assert.strictEqual(sharedLockFolder(`/srv/other/layout/${EXT}`, path.posix), `/srv/other/layout/${EXT}/locks`, 'an unknown layout keeps its own folder');
    });
  });

  describe('each host\'s case, against the emulator with rotation and reuse detection', () => {
    let emu: SpotifyEmulator;
    beforeEach(async () => {
      emu = emulator({ refreshTokenMode: 'rotate', reuseDetection: true });
      await emu.start();
    });
    afterEach(() => emu.stop());

    function windowWith<L extends CrossWindowLock>(secrets: SecretStorageLike, lock: L, c: ReturnType<typeof client>) {
      const log = captureLogger();
      const manager = new GrantManager({
        store: new GrantStore(secrets, log.logger),
        refresher: (g) => c.refresh(g.refreshToken!),
        logger: log.logger,
        refreshSkewMs: () => 60_000,
        lock,
        storageCatchUpMs: 1500,
      });
      return { manager, lock, log };
    }

    async function refreshRace(a: GrantManager, b: GrantManager, id: string, rounds: number) {
      for (let round = 0; round < rounds; round++) {
        await Promise.all([a.refresh(id, true), tick(Math.random() * 5).then(() => b.refresh(id, true))]);
      }
    }

    it('desktop, two profiles (modelled): application-wide secrets, per-profile global storage; one lock, one ledger', async () => {
      const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'spotify-userdata-'));
      const shared = new SharedSecretStorage(); // secrets are application scope: one store for both
      const c = client(emu);
      const storage = [path.join(userData, 'User/globalStorage', EXT), path.join(userData, 'User/profiles/-4f2a9c1/globalStorage', EXT)];
      const [a, b] = storage.map((gs) => {
        const secrets = shared.window({ lagMs: () => Math.random() * 40 });
        return windowWith(secrets, createNodeLock(secrets, gs, { storeId: fastIds }), c);
      });
      await Promise.all([a.manager.initialize(), b.manager.initialize()]);
      const grant = await signedInGrant(emu, c);
      await a.manager.add(grant);
      await until(() => b.manager.all().length === 1);
      await refreshRace(a.manager, b.manager, grant.id, 8);
      assert.strictEqual(emu.count('refresh:reused'), 0, 'no refresh token was sent twice');
      assert.strictEqual(emu.count('token:refresh_token'), 16);
      assert.strictEqual(emu.liveRefreshTokens(), 1, 'the grant is alive');
      const storeId = await a.lock.storeId();
      assert.strictEqual(await b.lock.storeId(), storeId);
      const ledger = path.join(userData, 'User/globalStorage', EXT, 'locks', storeId, `grant-${grant.id}.ledger.json`);
      assert.ok(fs.existsSync(ledger), 'the ledger sits above the profiles');
      const own = path.join(storage[1], 'locks');
      assert.ok(!fs.existsSync(own), 'nothing in the profile\'s own folder');
      a.lock.dispose();
      b.lock.dispose();
    });

    it('3. code-server: an old-style untagged ledger in the profile\'s lock folder (written by one browser) never blocks another browser\'s sign-ins', async () => {
      // The extension was never released, so no previous version's lock is bridged: a ledger in
      // `<globalStorage>/locks` (the layout before lock domains) belongs to no store of this version.
      const gs = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spotify-server-')), 'User/globalStorage', EXT);
      const c = client(emu);
      const other = windowWith(new SharedSecretStorage().window(), new FileLock(path.join(gs, 'locks')), c);
      await other.manager.initialize();
      await other.manager.add(await signedInGrant(emu, c, 'b1'));
      assert.ok(fs.existsSync(path.join(gs, 'locks', 'index.ledger.json')), 'the untagged ledger is there');
      const secrets = new SharedSecretStorage().window();
      const lock = createNodeLock(secrets, gs, { storeId: fastIds, fileLock: { acquireTimeoutMs: 5000 } });
      const a = windowWith(secrets, lock, c);
      await a.manager.initialize();
      await a.manager.add(await signedInGrant(emu, c, 'a1'));
      await a.manager.add(await signedInGrant(emu, c, 'a2'));
      assert.deepStrictEqual(a.manager.all().map((g) => g.id).sort(), ['a1', 'a2']);
      // Nor does it wait on a holder of that folder's lock: a browser never waits on another.
      await new FileLock(path.join(gs, 'locks')).run('index', () => lock.run('index', async () => 'ran'));
      lock.dispose();
    });

    it('code-server, two browsers: one server folder, two secret stores; two ledgers, and both sign in', async () => {
      const globalStorage = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spotify-server-')), 'User/globalStorage', EXT);
      const c = client(emu);
      const browsers = [new SharedSecretStorage(), new SharedSecretStorage()].map((store) => {
        const secrets = store.window({ lagMs: () => Math.random() * 40 });
        return { store, ...windowWith(secrets, createNodeLock(secrets, globalStorage, { storeId: fastIds }), c) };
      });
      for (const [i, w] of browsers.entries()) {
        await w.manager.initialize();
        // Each browser signs in (and out) more than once: with one ledger, the second browser's
        // view of the index could never reach the first one's generation.
        const grant = await signedInGrant(emu, c, `g${i}`);
        await w.manager.add(grant);
        await w.manager.add(await signedInGrant(emu, c, `h${i}`));
        await w.manager.refresh(grant.id, true);
        assert.deepStrictEqual(w.manager.all().map((g) => g.id).sort(), [`g${i}`, `h${i}`]);
      }
      const ids = await Promise.all(browsers.map((w) => w.lock.storeId()));
      assert.notStrictEqual(ids[0], ids[1], 'each secret store names its own domain');
      for (const id of ids) {
        assert.ok(fs.existsSync(path.join(globalStorage, 'locks', id, 'index.ledger.json')));
      }
      assert.strictEqual(emu.count('refresh:reused'), 0);
      browsers.forEach((w) => w.lock.dispose());
    });

    it('vscode.dev, two workspaces: one secret store, an origin (Web Locks) each; one lock through the secrets', async () => {
      const shared = new SharedSecretStorage();
      const c = client(emu);
      const [a, b] = [originLocks(), originLocks()].map((locks) => {
        const secrets = shared.window({ lagMs: () => Math.random() * 40 });
        return windowWith(secrets, createWebLock(secrets, { locks, storeId: fastIds, secretLock: { settleMs: 120 } }), c);
      });
      await Promise.all([a.manager.initialize(), b.manager.initialize()]);
      const grant = await signedInGrant(emu, c);
      await a.manager.add(grant);
      await until(() => b.manager.all().length === 1);
      await refreshRace(a.manager, b.manager, grant.id, 6);
      assert.strictEqual(emu.count('refresh:reused'), 0, 'no refresh token was sent twice');
      assert.strictEqual(emu.count('token:refresh_token'), 12);
      assert.strictEqual(emu.liveRefreshTokens(), 1, 'the grant is alive');
      a.lock.dispose();
      b.lock.dispose();
    });

    it('what the domain prevents on vscode.dev: per-origin locks alone let the second workspace replay the token', async () => {
      const shared = new SharedSecretStorage();
      const c = client(emu);
      // The old design: each origin its own lock and ledger (here: each its own in-process lock).
      const [a, b] = [0, 1].map(() => {
        const secrets = shared.window({ lagMs: () => 200 });
        // Each origin's lock with a ledger of its own (as Web Locks beside a per-origin IndexedDB).
        const own: CrossWindowLock = new InProcessLock();
        return windowWith(secrets, own, c);
      });
      await Promise.all([a.manager.initialize(), b.manager.initialize()]);
      const grant = await signedInGrant(emu, c);
      await a.manager.add(grant);
      await until(() => b.manager.all().length === 1, 1000);
      await a.manager.refresh(grant.id, true);
      await b.manager.refresh(grant.id, true).catch(() => undefined);
      assert.strictEqual(emu.count('refresh:reused'), 1);
      assert.strictEqual(emu.liveRefreshTokens(), 0, 'reuse detection revoked the grant');
    });
  });
});
