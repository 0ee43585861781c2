import { randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import * as os from 'os';

/** The file operations of the file lock (./fileLock.ts): lock records and the `.break` file. */
export interface LockRecord {
  readonly owner: string;
  readonly pid: number;
  readonly host: string;
}

/** Takes the `.break` file: its text when taken, or undefined when the `.break` file exists already. */
export async function takeBreaker(breaker: string): Promise<string | undefined> {
  const mine = JSON.stringify({ pid: process.pid, host: os.hostname(), token: randomBytes(8).toString('hex') });
  try {
    await fs.writeFile(breaker, mine, { flag: 'wx' });
    return mine;
  } catch {
    return undefined;
  }
}

/** Unlinks the `.break` file if it is still this one's (it is broken only after the stale time). */
export async function removeOwn(breaker: string, mine: string): Promise<void> {
  if ((await readText(breaker)) === mine) {
    await fs.unlink(breaker).catch(() => undefined);
  }
}

export async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function parseRecord(text: string): LockRecord | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockRecord>;
    return typeof v.pid === 'number' && typeof v.host === 'string' ? (v as LockRecord) : undefined;
  } catch {
    return undefined;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
