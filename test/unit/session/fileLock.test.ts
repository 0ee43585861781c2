import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as sinon from 'sinon';
import { CrossWindowLock, InProcessLock, LedgerEntry } from '../../../src/session/crossWindowLock';
import { FileLock } from '../../../src/session/node/fileLock';
import { tick } from '../helpers';
import { lockDir } from './fixtures';

/** A pid no process has: above the kernel's default pid_max. */
const DEAD_PID = 2 ** 22 + 12345;

/** Settles with 'pending' when `p` has not settled within `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<{ value?: T; error?: unknown } | 'pending'> {
  return Promise.race([p.then((value) => ({ value }), (error: unknown) => ({ error })), tick(ms).then(() => 'pending' as const)]);
}

describe('session: the file lock cannot wedge (issue 19, items 4 and 5)', () => {
  afterEach(() => sinon.restore());

  it('4. a breaker file left by a live (reused) pid: the acquire timeout still applies, without a busy loop', async () => {
    const dir = lockDir();
    // A stale lock (its holder is gone) and a `.break` file whose pid is alive: a pid reused after
    // a reboot, or a breaker whose unlink failed. This process's own pid is the live one.
    fs.writeFileSync(path.join(dir, 'grant-a.lock'), JSON.stringify({ owner: 'gone', pid: DEAD_PID, host: os.hostname(), beat: 0 }));
    fs.writeFileSync(path.join(dir, 'grant-a.lock.break'), JSON.stringify({ pid: process.pid, host: os.hostname() }));
    const reads = sinon.spy(fs.promises, 'readFile');
    const lock = new FileLock(dir, { staleAfterMs: 60_000, acquireTimeoutMs: 1000 });
    const outcome = await within(
      lock.run('grant-a', async () => 'ran'),
      3000,
    );
    assert.notStrictEqual(outcome, 'pending', 'the acquire settled (it was still pending after 3 s)');
    assert.ok(reads.callCount < 200, `a waiter sleeps between tries (${reads.callCount} file reads in 1 s)`);
    assert.match(String((outcome as { error?: Error }).error), /LockTimeoutError|held the Spotify sign-in lock/);
  });

  it('4b. a breaker file that stands still for the stale time is itself broken, and the lock is then taken', async () => {
    const dir = lockDir();
    fs.writeFileSync(path.join(dir, 'grant-b.lock'), JSON.stringify({ owner: 'gone', pid: DEAD_PID, host: os.hostname(), beat: 0 }));
    fs.writeFileSync(path.join(dir, 'grant-b.lock.break'), JSON.stringify({ pid: process.pid, host: os.hostname() }));
    const lock = new FileLock(dir, { staleAfterMs: 300, acquireTimeoutMs: 5000 });
    const outcome = await within(
      lock.run('grant-b', async () => 'ran'),
      4000,
    );
    assert.deepStrictEqual(outcome, { value: 'ran' });
    assert.ok(!fs.existsSync(path.join(dir, 'grant-b.lock.break')), 'no breaker file is left');
    assert.ok(!fs.existsSync(path.join(dir, 'grant-b.lock')), 'released');
  });

  it('5. a heartbeat in flight at release never recreates the lock file, and release waits for it', async () => {
    const dir = lockDir();
    const file = path.join(dir, 'grant-c.lock');
    // Every heartbeat's touch of the lock file (a rewrite or a time stamp) takes 80 ms, so the
    // one that fires during the turn is still in flight when the turn ends.
    const slow = <A extends unknown[], R>(real: (...a: A) => Promise<R>, isBeat: (...a: A) => boolean) =>
      async (...a: A): Promise<R> => {
        if (isBeat(...a)) {
          await tick(80);
        }
        return real(...a);
      };
    const realWrite = fs.promises.writeFile.bind(fs.promises);
    const realUtimes = fs.promises.utimes.bind(fs.promises);
    sinon.stub(fs.promises, 'writeFile').callsFake(
      slow(realWrite, (p: unknown, _d: unknown, o?: unknown) => p === file && (o as { flag?: string } | undefined)?.flag !== 'wx') as typeof realWrite,
    );
    sinon.stub(fs.promises, 'utimes').callsFake(slow(realUtimes, (p: unknown) => p === file) as typeof realUtimes);
    const lock = new FileLock(dir, { heartbeatMs: 20, staleAfterMs: 10_000 });
    await lock.run('grant-c', () => tick(30));
    assert.ok(!fs.existsSync(file), 'released at once');
    await tick(150);
    assert.ok(!fs.existsSync(file), 'the heartbeat in flight did not bring the lock file back');
    // And the next turn (here: another window's) takes the lock at once.
    const t0 = Date.now();
    const outcome = await within(new FileLock(dir, { acquireTimeoutMs: 2000 }).run('grant-c', async () => 'next'), 1000);
    assert.deepStrictEqual(outcome, { value: 'next' }, `next turn waited ${Date.now() - t0} ms`);
  });

  it('stillHeld: true through the turn, false once another window broke the lock as stale, false after the turn', async () => {
    const dir = lockDir();
    const file = path.join(dir, 'grant-d.lock');
    const lock = new FileLock(dir, { heartbeatMs: 20 });
    let kept: { stillHeld(): Promise<boolean> } | undefined;
    const seen = await lock.run('grant-d', async (_ledger, turn) => {
      kept = turn;
      const before = await turn.stillHeld();
      await tick(60); // heartbeats do not change what the turn holds
      const afterBeats = await turn.stillHeld();
      // What a waiter does to a lock it calls stale: removes it, and takes it with its own token.
      fs.unlinkSync(file);
      fs.writeFileSync(file, JSON.stringify({ owner: 'other', pid: process.pid, host: os.hostname() }));
      return [before, afterBeats, await turn.stillHeld()];
    });
    assert.deepStrictEqual(seen, [true, true, false]);
    assert.strictEqual(await kept!.stillHeld(), false, 'a finished turn holds nothing');
    assert.ok(fs.existsSync(file), 'release left the other window\'s lock alone');
    assert.strictEqual(JSON.parse(fs.readFileSync(file, 'utf8')).owner, 'other');
  });

  for (const [label, make] of [
    ['FileLock', () => new FileLock(lockDir())],
    ['InProcessLock', () => new InProcessLock()],
  ] as Array<[string, () => CrossWindowLock]>) {
    it(`${label}: the ledger keeps each entry whole, as written, and only the entry it was given`, async () => {
      const lock = make();
      const entry: LedgerEntry = { gen: 4, pendingGen: 5, pendingRefreshTokenHash: 'h-5', note: { any: ['field'] } };
      await lock.run('grant-e', (ledger) => ledger.write('k', entry));
      await lock.run('grant-e', (ledger) => ledger.write('other', { gen: 1, removed: true }));
      const back = await lock.run('grant-e', (ledger) => Promise.all([ledger.read('k'), ledger.read('other'), ledger.read('none')]));
      assert.deepStrictEqual(back, [entry, { gen: 1, removed: true }, undefined]);
      assert.notStrictEqual(back[0], entry, 'a copy, as from storage');
      const ownTurn = await lock.run('grant-e', async (_l, turn) => turn.stillHeld());
      assert.strictEqual(ownTurn, true);
    });
  }

  it('a ledger file that is garbled, or an entry without an integer generation, reads as absent', async () => {
    const dir = lockDir();
    const lock = new FileLock(dir);
    fs.writeFileSync(path.join(dir, 'grant-f.ledger.json'), JSON.stringify({ a: { gen: 'x' }, b: null, c: { gen: 2 } }));
    assert.deepStrictEqual(await lock.run('grant-f', (l) => Promise.all([l.read('a'), l.read('b'), l.read('c')])), [undefined, undefined, { gen: 2 }]);
    fs.writeFileSync(path.join(dir, 'grant-f.ledger.json'), '{not json');
    assert.strictEqual(await lock.run('grant-f', (l) => l.read('c')), undefined);
    await lock.run('grant-f', (l) => l.write('c', { gen: 3 }));
    assert.deepStrictEqual(await lock.run('grant-f', (l) => l.read('c')), { gen: 3 });
  });

  it('a frozen holder (no heartbeat past the stale time) is broken by a waiter; its stillHeld then says false, and its release spares the new lock', async () => {
    const dir = lockDir();
    const frozen = new FileLock(dir, { heartbeatMs: 60_000 }); // its heartbeat never comes: frozen, as far as others see
    const waiter = new FileLock(dir, { staleAfterMs: 200, heartbeatMs: 50 });
    let waiterIn!: () => void;
    const waiterHolds = new Promise<void>((r) => (waiterIn = r));
    let releaseWaiter!: () => void;
    const waiterDone = new Promise<void>((r) => (releaseWaiter = r));
    const seen: boolean[] = [];
    let second: Promise<void> | undefined;
    await frozen.run('grant-g', async (_l, turn) => {
      seen.push(await turn.stillHeld());
      second = waiter.run('grant-g', async (_l2, turn2) => {
        seen.push(await turn2.stillHeld());
        waiterIn();
        await waiterDone;
      });
      await waiterHolds; // the "frozen" holder resumes after the waiter broke in
      seen.push(await turn.stillHeld());
    });
    const file = path.join(dir, 'grant-g.lock');
    assert.ok(fs.existsSync(file), 'the old holder\'s release left the new holder\'s lock file');
    releaseWaiter();
    await second;
    assert.deepStrictEqual(seen, [true, true, false]);
    assert.ok(!fs.existsSync(file));
  });

  describe('no two holders (review of issue 19 part A)', () => {
    /**
     * Before every file operation while `probing`, a third waiter tries its exclusive create of the
     * lock file: it must never get in, i.e. there must never be a moment without a lock file.
     * `beforeWrite` runs first on every writeFile (to hold a window up at a chosen point).
     */
    function probeEveryOperation(file: string, beforeWrite: (target: string) => Promise<void> = async () => undefined) {
      const state = { probing: false, intrusions: [] as string[] };
      for (const op of ['readFile', 'stat', 'rename', 'unlink', 'link', 'utimes', 'writeFile'] as const) {
        const real = (fs.promises[op] as (...a: unknown[]) => Promise<unknown>).bind(fs.promises);
        (sinon.stub(fs.promises, op) as unknown as sinon.SinonStub).callsFake(async (...args: unknown[]) => {
          if (op === 'writeFile') {
            await beforeWrite(String(args[0]));
          }
          if (state.probing) {
            try {
              fs.writeFileSync(file, 'intruder', { flag: 'wx' });
              state.intrusions.push(`${op} ${path.basename(String(args[0]))}`);
            } catch {
              // the lock file is there: the third waiter waits, as it should
            }
          }
          return real(...args);
        });
      }
      return state;
    }

    function gate() {
      let open!: () => void;
      const opened = new Promise<void>((r) => (open = r));
      return { open, opened };
    }

    it('1a. a waiter that saw the previous (stale) lock, breaking late, never removes the lock another waiter broke and took', async () => {
      const dir = lockDir();
      const file = path.join(dir, 'grant-h.lock');
      fs.writeFileSync(file, JSON.stringify({ owner: 'gone', pid: DEAD_PID, host: os.hostname() }));
      // The late waiter decided "stale" on the dead holder's file, then is held up right before it
      // takes the `.break` file; meanwhile the early waiter breaks and takes the lock.
      const lateAtBreak = gate();
      const resume = gate();
      const lateBreakOver = gate();
      let breakWrites = 0;
      const probe = probeEveryOperation(file, async (target) => {
        if (target === `${file}.break` && breakWrites++ === 0) {
          lateAtBreak.open();
          await resume.opened;
          probe.probing = true;
        } else if (target === file && probe.probing) {
          probe.probing = false; // the late waiter tries the lock again: its break is over
          lateBreakOver.open();
        }
      });
      const opts = { staleAfterMs: 60_000, heartbeatMs: 600_000, acquireTimeoutMs: 600_000 };
      const order: string[] = [];
      const late = new FileLock(dir, opts).run('grant-h', async () => void order.push('late in'));
      await lateAtBreak.opened;
      let earlyHeld: boolean | undefined;
      await new FileLock(dir, opts).run('grant-h', async (_l, turn) => {
        order.push('early in');
        resume.open();
        await lateBreakOver.opened;
        earlyHeld = await turn.stillHeld();
        order.push('early out');
      });
      const intrusions = [...probe.intrusions];
      if (intrusions.length > 0) {
        fs.rmSync(file, { force: true }); // the intruder's file, so that the late waiter ends
      }
      await late;
      assert.deepStrictEqual(intrusions, [], 'a third waiter never found the lock file missing');
      assert.strictEqual(earlyHeld, true, 'the early waiter\'s lock file survived the late break');
      assert.deepStrictEqual(order, ['early in', 'early out', 'late in']);
    });

    it('1b. a frozen holder, broken and resuming, releases without ever removing (or moving aside) the new holder\'s file', async () => {
      const dir = lockDir();
      const file = path.join(dir, 'grant-i.lock');
      const probe = probeEveryOperation(file);
      const frozen = new FileLock(dir, { heartbeatMs: 600_000 }); // its heartbeat never comes: frozen, as far as others see
      const waiter = new FileLock(dir, { staleAfterMs: 200, heartbeatMs: 600_000 });
      const waiterIn = gate();
      const frozenOut = gate();
      let waiterHeld: boolean | undefined;
      let second: Promise<void> | undefined;
      await frozen.run('grant-i', async () => {
        second = waiter.run('grant-i', async (_l, turn) => {
          waiterIn.open();
          await frozenOut.opened;
          waiterHeld = await turn.stillHeld();
        });
        await waiterIn.opened; // the "frozen" holder resumes after the waiter broke in
        probe.probing = true; // from here on, its release
      });
      probe.probing = false;
      frozenOut.open();
      await second;
      assert.deepStrictEqual(probe.intrusions, [], 'a third waiter never found the lock file missing');
      assert.strictEqual(waiterHeld, true, 'the new holder still holds after the old one\'s release');
    });

    it('2. a waiter blocked past the stale time right after a read never breaks a live holder whose heartbeat touched the file meanwhile', async () => {
      const dir = lockDir();
      const file = path.join(dir, 'grant-j.lock');
      let t = 0; // the waiter's monotonic clock
      const waiter = new FileLock(dir, { staleAfterMs: 1000, heartbeatMs: 100, acquireTimeoutMs: 1e12, monotonic: () => t });
      const realStat = fs.promises.stat.bind(fs.promises);
      const realRead = fs.promises.readFile.bind(fs.promises);
      let lastStat: Promise<unknown> = Promise.resolve();
      let counting = false;
      let reads = 0;
      const polled = gate();
      sinon.stub(fs.promises, 'stat').callsFake(((p: fs.PathLike) => (lastStat = realStat(p))) as typeof fs.promises.stat);
      sinon.stub(fs.promises, 'readFile').callsFake((async (p: fs.PathLike, o: BufferEncoding) => {
        const text = await realRead(p, o);
        if (counting && String(p) === file) {
          reads++;
          if (reads === 2) {
            // The waiter's event loop is blocked for 5 s right after this read (its stat too): the
            // live holder's heartbeats touch the file meanwhile.
            const stat = (await lastStat.catch(() => undefined)) as fs.Stats | undefined;
            const touched = new Date((stat?.mtimeMs ?? Date.now()) + 5000);
            fs.utimesSync(file, touched, touched);
            t += 5000;
          }
          if (reads === 6) {
            polled.open();
          }
        }
        return text;
      }) as typeof fs.promises.readFile);
      const order: string[] = [];
      let holderHeld: boolean | undefined;
      let second: Promise<void> | undefined;
      await new FileLock(dir, { heartbeatMs: 600_000 }).run('grant-j', async (_l, turn) => {
        order.push('holder in');
        counting = true;
        second = waiter.run('grant-j', async () => {
          order.push('waiter in');
          polled.open(); // (it broke in: the holder need not wait for more polls)
        });
        await polled.opened;
        counting = false;
        holderHeld = await turn.stillHeld();
        order.push('holder out');
      });
      await second;
      assert.strictEqual(holderHeld, true, 'the live holder was not broken');
      assert.deepStrictEqual(order, ['holder in', 'holder out', 'waiter in']);
    });
  });
});
