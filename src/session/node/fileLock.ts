import { randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { CrossWindowLock, InProcessQueue, Ledger, LedgerEntry, LockTurn } from '../crossWindowLock';

/**
 * The cross-window lock of Node extension hosts: an exclusive-create lock file (`open(…, 'wx')`,
 * atomic on every local file system) in a folder all windows of a profile share (the extension's
 * global storage), and the ledger as a JSON file beside it, replaced atomically by rename.
 *
 * A holder that dies leaves its file behind. Whether a lock is stale is decided without comparing
 * clocks: the holder's process is gone (same host, `kill(pid, 0)`), or the waiter sees the file's
 * heartbeat counter unchanged for `staleAfterMs` of its own monotonic clock (the holder rewrites it
 * every `heartbeatMs`, so a long refresh with retries keeps its lock). Breaking a stale lock goes
 * through a second lock (`.break`), and the lock is removed only if it is still the very one seen
 * stale, so two waiters never both take it.
 *
 * No library: the ones for lock files decide staleness from file times against the reader's clock
 * and bring several dependencies into a bundle that also has to stay small.
 */
export interface FileLockOptions {
  /** How long a waiter must see the heartbeat unchanged before it calls the lock stale. */
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
  readonly beat: number;
}

export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
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
      const owner = await this.acquire(file);
      let beat = 0;
      const timer = setInterval(() => void this.heartbeat(file, owner, ++beat), this.heartbeatMs);
      (timer as { unref?: () => void }).unref?.();
      try {
        return await fn(this.ledgerFor(name), { stillHeld: async () => { for (let i = 0; i < 3; i++) { const r = parseRecord((await readText(file)) ?? ''); if (r) { return r.owner === owner; } await sleep(2); } return false; } });
      } finally {
        clearInterval(timer);
        await this.release(file, owner);
      }
    });
  }

  private async acquire(file: string): Promise<string> {
    await fs.mkdir(this.dir, { recursive: true });
    const owner = randomBytes(12).toString('hex');
    const record = (beat: number): string => JSON.stringify({ owner, pid: process.pid, host: os.hostname(), beat } satisfies LockRecord);
    const started = this.monotonic();
    let seen: { text: string; since: number } | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        await fs.writeFile(file, record(0), { flag: 'wx' });
        return owner;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw e;
        }
      }
      const text = await readText(file);
      if (text !== undefined) {
        if (seen?.text !== text) {
          seen = { text, since: this.monotonic() };
        }
        if (this.isStale(text, seen.since)) {
          await this.breakStale(file, text);
          continue;
        }
      }
      if (this.monotonic() - started > this.acquireTimeoutMs) {
        throw new LockTimeoutError(`Another VS Code window has held the Spotify sign-in lock for over ${Math.round(this.acquireTimeoutMs / 1000)} s.`);
      }
      await sleep(Math.min(100, 5 + attempt * 5) + Math.random() * 10);
    }
  }

  /** Dead holder on this host, or a heartbeat this process has seen standing still for too long. */
  private isStale(text: string, unchangedSince: number): boolean {
    const held = parseRecord(text);
    if (held && held.host === os.hostname() && !processAlive(held.pid)) {
      return true;
    }
    return this.monotonic() - unchangedSince >= this.staleAfterMs;
  }

  private async breakStale(file: string, staleText: string): Promise<void> {
    const breaker = `${file}.break`;
    try {
      await fs.writeFile(breaker, JSON.stringify({ pid: process.pid, host: os.hostname() }), { flag: 'wx' });
    } catch {
      // Someone else is breaking it; a breaker left by a dead process is cleared for the next try.
      const held = parseRecord((await readText(breaker)) ?? '');
      if (held && held.host === os.hostname() && !processAlive(held.pid)) {
        await fs.unlink(breaker).catch(() => undefined);
      }
      return;
    }
    try {
      if ((await readText(file)) === staleText) {
        await fs.unlink(file).catch(() => undefined);
      }
    } finally {
      await fs.unlink(breaker).catch(() => undefined);
    }
  }

  private async heartbeat(file: string, owner: string, beat: number): Promise<void> {
    const held = parseRecord((await readText(file)) ?? '');
    if (held?.owner === owner) {
      await fs.writeFile(file, JSON.stringify({ ...held, beat } satisfies LockRecord)).catch(() => undefined);
    }
  }

  private async release(file: string, owner: string): Promise<void> {
    const held = parseRecord((await readText(file)) ?? '');
    if (held?.owner === owner) {
      await fs.unlink(file).catch(() => undefined);
    }
  }

  private ledgerFor(name: string): Ledger {
    const file = path.join(this.dir, `${safeName(name)}.ledger.json`);
    return {
      read: async (key) => {
        const text = await readText(file);
        try {
          const all = text ? (JSON.parse(text) as Record<string, LedgerEntry>) : {};
          const entry = all[key];
          return entry && Number.isInteger(entry.gen) ? entry : undefined;
        } catch {
          return undefined; // A garbled ledger only costs a wait for nothing.
        }
      },
      write: async (key, entry) => {
        const text = await readText(file);
        let all: Record<string, LedgerEntry> = {};
        try {
          all = text ? JSON.parse(text) : {};
        } catch {
          all = {};
        }
        all[key] = entry;
        const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
        await fs.writeFile(tmp, JSON.stringify(all));
        await fs.rename(tmp, file);
      },
    };
  }
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
