import { randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { CrossWindowLock, InProcessQueue, Ledger, LockTimeoutError, LockTurn } from '../crossWindowLock';
import { fileLedger } from './fileLedger';
import { LockRecord, parseRecord, processAlive, readText, removeOwn, takeBreaker } from './lockFiles';

export { LockTimeoutError } from '../crossWindowLock';

/**
 * The cross-window lock of Node extension hosts: an exclusive-create lock file (`open(…, 'wx')`,
 * atomic on every local file system) in a folder every window of the secret store reaches (see
 * ./lockFolder.ts and the contract in ../crossWindowLock.ts), and the ledger as a JSON file beside
 * it (./fileLedger.ts).
 *
 * Each turn writes a record with a unique owner token; the file carrying that token is the turn's
 * proof of holding (`stillHeld`). A holder that dies leaves its file behind. Whether a lock is
 * stale is decided without comparing clocks: the holder's process is gone (same host,
 * `kill(pid, 0)`), or the waiter sees the file (its content and its modification time) unchanged
 * for `staleAfterMs` of its own monotonic clock. The holder's heartbeat only touches the time
 * stamp of the file it still owns (`utimes`), so it can never create the file again after release
 * or after a break; release waits for a heartbeat in flight.
 *
 * A file is removed (a stale lock, a stale `.break` file, or the own lock at release) only while
 * the `.break` file is held, and only right after a fresh look shows it still exactly as seen
 * (text and modification time, so a heartbeat since counts): it is unlinked in place, never renamed
 * aside, so there is no moment without a lock file for a waiter's exclusive create to slip into.
 * A stale decision is measured on the waiter's own clock up to the start of that fresh look, and a
 * look that took longer than a heartbeat (the waiter's event loop was blocked) decides nothing.
 * Release takes the `.break` file too, so no breaker can remove its file and let a new holder in
 * between its check and its unlink; a release that finds `.break` taken leaves its file to the
 * breaker (or, for a leftover, to waiters once it stood still for the stale time). What is left:
 * a breaker (or releaser) frozen past the stale time between its fresh look and its unlink, whose
 * `.break` file is then itself broken, could unlink a newer file: two faults at once, each as long
 * as the stale time; or two waiters breaking one stale `.break` file at once. Every wait sleeps,
 * and the acquire timeout applies to every try.
 *
 * No library: the ones for lock files decide staleness from file times against the reader's clock
 * and bring several dependencies into a bundle that also has to stay small.
 */
export interface FileLockOptions {
  /** How long a waiter must see the lock file unchanged before it calls the lock stale. */
  readonly staleAfterMs?: number;
  readonly heartbeatMs?: number;
  /** Give up waiting after this long. */
  readonly acquireTimeoutMs?: number;
  /** Monotonic clock of this process, in ms. */
  readonly monotonic?: () => number;
}

/** What a waiter saw of a file, and since when (its own clock) it has seen it unchanged. */
interface Sighting {
  readonly sig: string;
  readonly text: string;
  readonly since: number;
}

export class FileLock implements CrossWindowLock {
  private readonly queue = new InProcessQueue();
  private readonly staleAfterMs: number;
  private readonly heartbeatMs: number;
  private readonly acquireTimeoutMs: number;
  private readonly monotonic: () => number;

  constructor(
    private readonly dir: string,
    opts: FileLockOptions = {},
  ) {
    this.staleAfterMs = opts.staleAfterMs ?? 30_000;
    this.heartbeatMs = opts.heartbeatMs ?? 5_000;
    this.acquireTimeoutMs = opts.acquireTimeoutMs ?? 180_000;
    this.monotonic = opts.monotonic ?? (() => performance.now());
  }

  run<T>(name: string, fn: (ledger: Ledger, turn: LockTurn) => Promise<T>): Promise<T> {
    // Calls of this window queue in memory first, so they never poll the file against each other.
    return this.queue.run(name, async () => {
      const file = path.join(this.dir, `${safeName(name)}.lock`);
      const mine = await this.acquire(file);
      let ended = false;
      let beat: Promise<void> | undefined;
      const timer = setInterval(() => {
        beat ??= this.heartbeat(file, mine).finally(() => (beat = undefined));
      }, this.heartbeatMs);
      (timer as { unref?: () => void }).unref?.();
      const turn: LockTurn = { stillHeld: async () => !ended && (await readText(file)) === mine };
      try {
        return await fn(fileLedger(path.join(this.dir, `${safeName(name)}.ledger.json`)), turn);
      } finally {
        ended = true;
        clearInterval(timer);
        await beat;
        await this.release(file, mine);
      }
    });
  }

  /** Takes the lock; returns the text of this turn's lock file (unique: it carries a random owner). */
  private async acquire(file: string): Promise<string> {
    await fs.mkdir(this.dir, { recursive: true });
    const mine = JSON.stringify({ owner: randomBytes(12).toString('hex'), pid: process.pid, host: os.hostname() } satisfies LockRecord);
    const started = this.monotonic();
    const seen: { lock?: Sighting; breaker?: Sighting } = {};
    for (let attempt = 0; ; attempt++) {
      try {
        await fs.writeFile(file, mine, { flag: 'wx' });
        return mine;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw e;
        }
      }
      if (this.monotonic() - started > this.acquireTimeoutMs) {
        throw new LockTimeoutError(`Another VS Code window has held the Spotify sign-in lock for over ${Math.round(this.acquireTimeoutMs / 1000)} s.`);
      }
      seen.lock = await this.sight(file, seen.lock);
      if (seen.lock && this.isStale(seen.lock) && (await this.breakStale(file, seen.lock, seen))) {
        continue; // broken: try to take it at once (the timeout above still applies)
      }
      await sleep(Math.min(100, 5 + attempt * 5) + Math.random() * 10);
    }
  }

  /** Looks at a file: undefined when it is gone; `since` carries over while it is unchanged. */
  private async sight(file: string, before: Sighting | undefined): Promise<Sighting | undefined> {
    const [stat, text] = await Promise.all([fs.stat(file).catch(() => undefined), readText(file)]);
    if (!stat || text === undefined) {
      return undefined;
    }
    const sig = `${stat.mtimeMs}:${text}`;
    // `since` is taken after the read: the file may have stood still longer, never shorter.
    return before?.sig === sig ? before : { sig, text, since: this.monotonic() };
  }

  /** Its writer is dead on this host, or it has stood still for the stale time up to `at`. */
  private isStale(s: Sighting, at = this.monotonic()): boolean {
    const held = parseRecord(s.text);
    if (held && held.host === os.hostname() && !processAlive(held.pid)) {
      return true;
    }
    return at - s.since >= this.staleAfterMs;
  }

  /**
   * Unlinks `file` if a fresh look (taken now, the `.break` file held) shows it exactly as
   * `stale` and still stale, measured to the start of that look; a look slower than a heartbeat
   * (this event loop was blocked) decides nothing.
   */
  private async removeIfStale(file: string, stale: Sighting): Promise<boolean> {
    const lookedAt = this.monotonic();
    const now = await this.sight(file, stale);
    if (now !== stale || this.monotonic() - lookedAt > this.heartbeatMs || !this.isStale(stale, lookedAt)) {
      return false;
    }
    return fs.unlink(file).then(() => true, () => false);
  }

  /** Removes the stale lock `stale` through the `.break` file; true when it was removed. */
  private async breakStale(file: string, stale: Sighting, seen: { breaker?: Sighting }): Promise<boolean> {
    const breaker = `${file}.break`;
    const mine = await takeBreaker(breaker);
    if (!mine) {
      // Another waiter is breaking it (a matter of milliseconds), or its breaker is gone.
      seen.breaker = await this.sight(breaker, seen.breaker);
      if (seen.breaker && this.isStale(seen.breaker)) {
        await this.removeIfStale(breaker, seen.breaker);
      }
      return false;
    }
    try {
      return await this.removeIfStale(file, stale);
    } finally {
      await removeOwn(breaker, mine);
    }
  }

  /** Removes this turn's own file, the `.break` file held; a file that is not its own stays. */
  private async release(file: string, mine: string): Promise<void> {
    const breaker = `${file}.break`;
    const own = await takeBreaker(breaker);
    if (!own) {
      return; // someone is breaking this lock (this turn was frozen): the file is not ours to touch
    }
    try {
      if ((await readText(file)) === mine) {
        await fs.unlink(file).catch(() => undefined);
      }
    } finally {
      await removeOwn(breaker, own);
    }
  }

  private async heartbeat(file: string, mine: string): Promise<void> {
    if ((await readText(file)) === mine) {
      // Touch, never write: a file that is gone stays gone (ENOENT). Racing a break, this may
      // touch the next holder's fresh file, which only says what is true: that lock is alive.
      const now = new Date();
      await fs.utimes(file, now, now).catch(() => undefined);
    }
  }
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
