/**
 * Finds, and ends, the processes a test run started, by a marker in their environment.
 *
 * Why by environment: code-server runs in a process group of its own (so its extension host, file
 * watcher and language servers end with it), Playwright starts Chromium in another, and a
 * scenario that crashes takes neither down. Every child inherits its parent's environment, so a
 * variable set before anything is started (`SPOTIFY_REAP_MARK=<unique>`) names the processes of
 * the run, whatever group or session they sit in (Chromium's crash handlers leave both), and
 * nothing else on the machine. A child that overwrites its environment (Chromium's zygote
 * children write their title over it) is found through its marked parent's process group.
 * All of it is synchronous, so it also works inside an exit or signal handler.
 *
 * CLI: `node out/test/host/reap.js NAME=VALUE [--kill] [--quiet] [--label TEXT]` lists the
 * processes whose environment holds NAME=VALUE (this process and its ancestors excepted), and with
 * --kill ends them and their process groups. It prints one line, `<label>: none left` (not with
 * --quiet) or `<label>: N processes left behind (killed): pid command; …`, and exits 0 either way.
 */
import * as fs from 'fs';

export interface Leftover {
  readonly pid: number;
  readonly pgid: number;
  readonly command: string;
}

/** The processes (besides this one and its ancestors) whose environment holds `name=value`. */
export function findMarked(name: string, value: string): Leftover[] {
  const needle = Buffer.from(`${name}=${value}\0`);
  const spared = ancestry(process.pid);
  const found: Leftover[] = [];
  for (const entry of safeReaddir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || spared.has(pid)) {
      continue;
    }
    let environ: Buffer;
    try {
      environ = fs.readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue; // gone, or not ours to read
    }
    // A variable is NAME=VALUE followed by NUL; the first one has no NUL before it.
    const at = environ.indexOf(needle);
    if (at === -1 || (at > 0 && environ[at - 1] !== 0)) {
      continue;
    }
    const stat = statOf(pid);
    if (!stat || stat.state === 'Z') {
      continue; // a zombie is already dead; its parent reaps it
    }
    found.push({ pid, pgid: stat.pgid, command: commandOf(pid) });
  }
  // Chromium's zygote-forked children write their process title over the environment, so the
  // marker is gone from theirs; they stay in their parent's process group, so the groups of marked
  // processes (never this process's own) are theirs too.
  const own = statOf(process.pid)?.pgid;
  const groups = new Set(found.map((f) => f.pgid).filter((g) => g > 1 && g !== own));
  const seen = new Set(found.map((f) => f.pid));
  for (const entry of groups.size ? safeReaddir('/proc') : []) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || seen.has(pid) || spared.has(pid)) {
      continue;
    }
    const stat = statOf(pid);
    if (stat && stat.state !== 'Z' && groups.has(stat.pgid)) {
      found.push({ pid, pgid: stat.pgid, command: commandOf(pid) });
    }
  }
  return found;
}

/**
 * Ends every process that {@link findMarked} finds, and each one's process group (unless it is
 * this process's own group), with SIGKILL: a leftover has had its chance to stop politely.
 */
export function killMarked(name: string, value: string): Leftover[] {
  const own = statOf(process.pid)?.pgid;
  const left = findMarked(name, value);
  const groups = new Set(left.map((l) => l.pgid).filter((g) => g > 1 && g !== own));
  for (const g of groups) {
    tryKill(-g);
  }
  for (const l of left) {
    tryKill(l.pid);
  }
  return left;
}

export function describeLeftovers(label: string, left: readonly Leftover[], killed: boolean): string {
  if (left.length === 0) {
    return `${label}: none left`;
  }
  const list = left.map((l) => `${l.pid} ${l.command.slice(0, 120)}`).join('; ');
  return `${label}: ${left.length} processes left behind${killed ? ' (killed)' : ''}: ${list}`;
}

function tryKill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function statOf(pid: number): { state: string; ppid: number; pgid: number } | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so read after the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0], ppid: Number(rest[1]), pgid: Number(rest[2]) };
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '?';
  }
}

/** This process and every ancestor up to init: they carry the marker too, and are not leftovers. */
function ancestry(pid: number): Set<number> {
  const out = new Set<number>();
  for (let p = pid; p > 1 && !out.has(p); ) {
    out.add(p);
    p = statOf(p)?.ppid ?? 0;
  }
  return out;
}

/**
 * For a test runner without the scenario harness (the integration runner, the sandbox): marks
 * every process it will start (set before starting any) and ends them all when it exits, also on
 * SIGINT, SIGTERM and SIGHUP, which would otherwise end Node without its 'exit' event.
 */
export function reapOnExit(markName: string): void {
  if (!process.env[markName]) {
    process.env[markName] = `${process.pid}-${Date.now().toString(36)}`;
  }
  const value = process.env[markName]!;
  process.on('exit', () => void killMarked(markName, value));
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.on(signal, () => {
      console.log(`stopped by ${signal}`);
      process.exit(code);
    });
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const marker = args.find((a) => a.includes('='));
  const kill = args.includes('--kill');
  const labelAt = args.indexOf('--label');
  const label = labelAt >= 0 ? args[labelAt + 1] : 'leftover processes';
  if (!marker) {
    console.error('usage: reap.js NAME=VALUE [--kill] [--label TEXT]');
    process.exit(2);
  }
  const [name, ...value] = marker.split('=');
  const left = kill ? killMarked(name, value.join('=')) : findMarked(name, value.join('='));
  if (left.length > 0 || !args.includes('--quiet')) {
    console.log(describeLeftovers(label, left, kill));
  }
}
