import { randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { CrossWindowLock, InProcessQueue, Ledger, LockTimeoutError, LockTurn } from '../crossWindowLock';
import { fileLedger } from './fileLedger';

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
 * A file is removed (a stale lock, a stale `.break` file, or the own lock at release) only if it
 * is still the very one seen: it is renamed away, checked, and put back (by `link`, which never
 * replaces) if it turned out to be a newer one. Breaking goes through the `.break` file so that two
 * waiters do not break at once; a `.break` file that stands still for the stale time (its breaker
 * died, or its pid was reused after a reboot) is broken the same way. Every wait sleeps, and the
 * acquire timeout applies to every try.
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

interface LockRecord {
  readonly owner: string;
  readonly pid: number;
  readonly host: string;
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
        await removeIfStill(file, mine);
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
      if (seen.lock && this.isStale(seen.lock) && (await this.breakStale(file, seen.lock.text, seen))) {
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
    return before?.sig === sig ? before : { sig, text, since: this.monotonic() };
  }

  /** Its writer is dead on this host, or this process has seen it standing still for too long. */
  private isStale(s: Sighting): boolean {
    const held = parseRecord(s.text);
    if (held && held.host === os.hostname() && !processAlive(held.pid)) {
      return true;
    }
    return this.monotonic() - s.since >= this.staleAfterMs;
  }

  /** Removes the stale lock `staleText` through the `.break` file; true when it was removed. */
  private async breakStale(file: string, staleText: string, seen: { breaker?: Sighting }): Promise<boolean> {
    const breaker = `${file}.break`;
    const mine = JSON.stringify({ pid: process.pid, host: os.hostname(), token: randomBytes(8).toString('hex') });
    try {
      await fs.writeFile(breaker, mine, { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        return false;
      }
      // Another waiter is breaking it (a matter of milliseconds), or its breaker is gone.
      seen.breaker = await this.sight(breaker, seen.breaker);
      if (seen.breaker && this.isStale(seen.breaker)) {
        await removeIfStill(breaker, seen.breaker.text);
      }
      return false;
    }
    try {
      return await removeIfStill(file, staleText);
    } finally {
      await removeIfStill(breaker, mine);
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

/**
 * Removes `file` only if it still holds `expected`: renamed aside first (atomic), so a file that
 * replaced it meanwhile is never deleted; such a newer file is put back with `link`, which fails
 * rather than replace an even newer one.
 */
async function removeIfStill(file: string, expected: string): Promise<boolean> {
  const aside = `${file}.${randomBytes(6).toString('hex')}.gone`;
  try {
    await fs.rename(file, aside);
  } catch {
    return false; // already gone
  }
  const text = await readText(aside);
  if (text !== expected && text !== undefined) {
    await fs.link(aside, file).catch(() => fs.writeFile(file, text, { flag: 'wx' })).catch(() => undefined);
  }
  await fs.unlink(aside).catch(() => undefined);
  return text === expected;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

function parseRecord(text: string): LockRecord | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockRecord>;
    return typeof v.pid === 'number' && typeof v.host === 'string' ? (v as LockRecord) : undefined;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
