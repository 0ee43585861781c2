/**
 * The driver of the real-process suite: the emulator (rotation, reuse detection, short tokens),
 * one secret store whose windows' views lag by 0-80 ms, and four window processes forked from
 * out/test/procs/window.js, which it kills (SIGKILL) and freezes (SIGSTOP) at chosen points.
 *
 * What it counts, from the emulator's side (the truth):
 * - refresh tokens sent twice (a rotated-out token arriving again), and of those the unavoidable
 *   ones: a token whose first sender was killed after sending and before storing the answer;
 * - grants lost (no live refresh token left), unavoidable when an unavoidable resend revoked it;
 * - dead tokens served: an access token a window handed to a caller that the emulator did not
 *   accept at that moment (unknown, or past its expiry).
 */
import { ChildProcess, fork } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { SpotifyEmulator } from '../emulator/emulator';
import { client, emulator, lockDir, signedInGrant } from '../unit/session/fixtures';
import { FromWindow, Point, ToWindow, WindowConfig } from './protocol';
import { GRANT_KEY_PREFIX } from '../../src/session/grantStore';

export interface WorldOptions {
  readonly windows?: number;
  readonly maxLagMs?: number;
  readonly accessTokenTtlS?: number;
  readonly staleAfterMs?: number;
  readonly pendingGraceMs?: number;
  readonly refreshSkewMs?: number;
  readonly pollMs?: number;
  readonly proactive?: boolean;
}

interface Win {
  index: number;
  proc: ChildProcess;
  alive: boolean;
  sentThisTurn: string[];
  onMessage: Array<(m: FromWindow) => void>;
  /** When the driver froze it: [SIGSTOP, SIGCONT]. */
  frozen: Array<[number, number]>;
  lastArrival: number;
}

export class ProcessWorld {
  readonly emu: SpotifyEmulator;
  readonly data = new Map<string, string>();
  readonly stats = { resent: 0, unavoidable: 0, lost: 0, lostUnavoidable: 0, dead: 0, served: 0, kills: 0, stops: 0, longestWaitMs: 0 };
  readonly acquireTimeoutMs = 15_000;
  private readonly wins: Win[] = [];
  private readonly dir = lockDir();
  private readonly unavoidableHashes = new Set<string>();
  private waitingAt?: { point: Point; resolve: (i: number) => void };
  private revokedByUnavoidable = false;
  private requestId = 1;
  private readonly o: Required<WorldOptions>;

  constructor(opts: WorldOptions = {}) {
    this.o = {
      windows: 4, maxLagMs: 80, accessTokenTtlS: 3, staleAfterMs: 250, pendingGraceMs: 1000, refreshSkewMs: 1500, pollMs: 0, proactive: false,
      ...opts,
    };
    this.emu = emulator({ refreshTokenMode: 'rotate', reuseDetection: true, accessTokenTtlS: this.o.accessTokenTtlS });
    this.watchRefreshes();
  }

  get grantId(): string {
    return this.currentGrant;
  }
  private currentGrant = 'g0';
  private grants = 0;

  async start(): Promise<void> {
    await this.emu.start();
    for (let i = 0; i < this.o.windows; i++) {
      await this.spawn(i);
    }
    await this.signIn();
  }

  async stop(): Promise<void> {
    for (const w of this.wins) {
      if (w.alive) {
        w.proc.kill('SIGKILL');
      }
    }
    await this.emu.stop();
  }

  /** A new grant, signed in through window `via` (as the Accounts menu would). */
  async signIn(via = this.liveIndex()): Promise<void> {
    this.currentGrant = `g${++this.grants}`;
    this.revokedByUnavoidable = false;
    const grant = await signedInGrant(this.emu, client(this.emu), this.currentGrant);
    await this.request(via, { t: 'add', grant });
  }

  /** Grant lost? Counted once, and a new one signed in so the run goes on. */
  async checkLost(): Promise<boolean> {
    if (this.emu.liveRefreshTokens() > 0) {
      return false;
    }
    this.stats.lost++;
    if (this.revokedByUnavoidable) {
      this.stats.lostUnavoidable++;
    }
    this.emu.revokeAllGrants();
    await this.signIn();
    return true;
  }

  liveIndex(except?: number): number {
    const live = this.wins.filter((w) => w.alive && w.index !== except);
    return live[Math.floor(Math.random() * live.length)].index;
  }

  /** Sends a command and waits for its answer (or the window's death). */
  request(index: number, m: { t: 'refresh'; grantId: string; force: boolean } | { t: 'getFresh' } | { t: 'add'; grant: unknown }): Promise<{ ok: boolean; error?: string; name?: string } | undefined> {
    const w = this.wins[index];
    const id = this.requestId++;
    return new Promise((resolve) => {
      const listener = (r: FromWindow) => {
        if (r.t === 'done' && r.id === id) {
          off();
          resolve(r);
        }
      };
      const exit = () => {
        off();
        resolve(undefined);
      };
      const off = () => {
        w.onMessage = w.onMessage.filter((l) => l !== listener);
        w.proc.off('exit', exit);
      };
      w.onMessage.push(listener);
      w.proc.once('exit', exit);
      w.proc.send({ ...m, id } as ToWindow);
    });
  }

  /** The window pauses at `point` once; for a freeze, just after a heartbeat (see window.ts). */
  arm(index: number, point: Point | undefined, forFreeze = false): void {
    // Freezes land anywhere now: the file lock's heartbeat no longer writes the lock file (it
    // only touches its time), so a holder frozen mid-heartbeat cannot overwrite the next holder's.
    void forFreeze;
    this.wins[index].proc.send({ t: 'arm', point, alignToHeartbeat: false } satisfies ToWindow);
  }

  /**
   * Resolves with the first window that reaches `point` (windows pause there once armed). Any
   * other window that reaches a point meanwhile is let go at once.
   */
  reached(point: Point, timeoutMs = 20_000): Promise<number | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waitingAt = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.waitingAt = {
        point,
        resolve: (i) => {
          clearTimeout(timer);
          this.waitingAt = undefined;
          resolve(i);
        },
      };
    });
  }

  /** Arms every live window at `point`; the first to get there is returned (and the others disarmed). */
  async firstAt(point: Point, forFreeze = false, timeoutMs?: number): Promise<number | undefined> {
    const live = this.wins.filter((w) => w.alive);
    live.forEach((w) => this.arm(w.index, point, forFreeze));
    const i = await this.reached(point, timeoutMs);
    live.forEach((w) => w.alive && w.proc.connected && this.arm(w.index, undefined));
    return i;
  }

  /** The window holding the grant's lock file now, if any. */
  holder(): number | undefined {
    try {
      const pid = (JSON.parse(fs.readFileSync(path.join(this.dir, `grant-${this.currentGrant}.lock`), 'utf8')) as { pid: number }).pid;
      return this.wins.find((w) => w.alive && w.proc.pid === pid)?.index;
    } catch {
      return undefined;
    }
  }

  /** SIGKILL, as a crashed extension host; a turn's sent tokens whose answer was not stored die with it. */
  async kill(index: number): Promise<void> {
    const w = this.wins[index];
    if (process.env.SPOTIFY_PROCS_DEBUG) {
      process.stderr.write(`${Date.now() % 100000} driver: kill w${index} sent=${w.sentThisTurn.map((h) => h.slice(0, 8))}\n`);
    }
    w.sentThisTurn.forEach((h) => this.unavoidableHashes.add(h));
    w.alive = false;
    const gone = new Promise((r) => w.proc.once('exit', r));
    w.proc.kill('SIGKILL');
    await gone;
    this.stats.kills++;
  }

  /** SIGSTOP for `ms` (past the stale time), then SIGCONT and let it go on from its point. */
  async freeze(index: number, ms: number): Promise<void> {
    const w = this.wins[index];
    const from = Date.now();
    w.proc.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, ms));
    w.proc.kill('SIGCONT');
    w.frozen.push([from, Date.now()]);
    w.proc.send({ t: 'go' } satisfies ToWindow);
    this.stats.stops++;
  }

  go(index: number): void {
    this.wins[index].proc.send({ t: 'go' } satisfies ToWindow);
  }

  /** The window a restarted VS Code window would be: a new process, reading storage as it is now. */
  spawn(index: number): Promise<void> {
    const config: WindowConfig = {
      index, emulatorUrl: this.emu.url, lockDir: this.dir, staleAfterMs: this.o.staleAfterMs, heartbeatMs: 75, acquireTimeoutMs: this.acquireTimeoutMs,
      pendingGraceMs: this.o.pendingGraceMs, refreshSkewMs: this.o.refreshSkewMs, pollMs: this.o.pollMs, proactive: this.o.proactive,
    };
    const proc = fork(path.join(__dirname, 'window.js'), [], { env: { ...process.env, SPOTIFY_TEST_WINDOW: JSON.stringify(config) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const w: Win = { index, proc, alive: true, sentThisTurn: [], onMessage: [], lastArrival: 0, frozen: [] };
    this.wins[index] = w;
    proc.on('message', (m: FromWindow) => this.onMessage(w, m));
    return new Promise((resolve) => {
      const l = (m: FromWindow) => m.t === 'ready' && (w.onMessage = w.onMessage.filter((x) => x !== l), resolve());
      w.onMessage.push(l);
      proc.send({ t: 'snapshot', data: [...this.data] } satisfies ToWindow);
    });
  }

  private onMessage(w: Win, m: FromWindow): void {
    switch (m.t) {
      case 'store':
        this.applyWrite(w, m.key, m.value);
        w.proc.send({ t: 'ack', id: m.id } satisfies ToWindow);
        if (m.key.startsWith(GRANT_KEY_PREFIX)) {
          w.sentThisTurn = []; // the turn's outcome is stored: nothing of it dies with the window any more
        }
        break;
      case 'sent':
        w.sentThisTurn = [m.hash];
        break;
      case 'at':
        if (this.waitingAt?.point === m.point) {
          this.waitingAt.resolve(w.index);
        } else {
          w.proc.send({ t: 'go' } satisfies ToWindow);
        }
        break;
      case 'served':
        this.checkServed(w, m);
        break;
    }
    w.onMessage.slice().forEach((l) => l(m));
  }

  /** The write lands now; every other window's view gets it 0-maxLag ms later, in order. */
  private applyWrite(from: Win, key: string, value: string | undefined): void {
    if (value === undefined) {
      this.data.delete(key);
    } else {
      this.data.set(key, value);
    }
    for (const w of this.wins) {
      if (w === from || !w.alive) {
        continue;
      }
      const arrival = Math.max(w.lastArrival, Date.now() + Math.random() * this.o.maxLagMs);
      w.lastArrival = arrival;
      setTimeout(() => w.alive && w.proc.connected && w.proc.send({ t: 'change', key, ...(value === undefined ? {} : { value }) } satisfies ToWindow), arrival - Date.now());
    }
  }

  private checkServed(w: Win, m: Extract<FromWindow, { t: 'served' }>): void {
    // A window frozen between getting its tokens and stamping the time stamps late: then the
    // tokens are judged at the start of the call (the wait, too, is the freeze's, not ours).
    const frozen = w.frozen.some(([from, to]) => from < m.servedAt && to > m.startedAt);
    const servedAt = frozen ? m.startedAt : m.servedAt;
    if (!frozen) {
      this.stats.longestWaitMs = Math.max(this.stats.longestWaitMs, m.waitedMs);
    }
    const tokens = (this.emu as unknown as { accessTokens: Map<string, { expiresAt: number }> }).accessTokens;
    for (const { token } of m.tokens) {
      this.stats.served++;
      const t = tokens.get(token);
      if (!t || t.expiresAt <= servedAt) {
        this.stats.dead++;
        if (process.env.SPOTIFY_PROCS_DEBUG) {
          process.stderr.write(`${Date.now() % 100000} driver: dead token served by w${w.index}: ${t ? `expired ${servedAt - t.expiresAt} ms before` : 'unknown'}, frozen=${frozen}, waited ${m.waitedMs} ms\n`);
        }
      }
    }
  }

  /** Every refresh request the emulator gets: a rotated-out token arriving again is a resend. */
  private watchRefreshes(): void {
    const emu = this.emu as unknown as { refreshGrant: (res: unknown, p: URLSearchParams, c: unknown) => void; refreshTokens: Map<string, { rotatedOut?: boolean; revoked: boolean }> };
    const original = emu.refreshGrant.bind(emu);
    emu.refreshGrant = (res, p, c) => {
      const token = p.get('refresh_token') ?? '';
      const record = emu.refreshTokens.get(token);
      if (record?.rotatedOut) {
        this.stats.resent++;
        if (process.env.SPOTIFY_PROCS_DEBUG) {
          process.stderr.write(`${Date.now() % 100000} driver: resent ${createHash('sha256').update(token).digest('hex').slice(0, 8)} unavoidable=${this.unavoidableHashes.has(createHash('sha256').update(token).digest('hex').slice(0, 32))}\n`);
        }
        // The same hash as the ledger's (SHA-256, first 16 bytes), computed here at once.
        if (this.unavoidableHashes.has(createHash('sha256').update(token).digest('hex').slice(0, 32))) {
          this.stats.unavoidable++;
          this.revokedByUnavoidable = true;
        }
      }
      original(res, p, c);
    };
  }
}
