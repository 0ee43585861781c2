/**
 * `npm run bench`: the lifecycle's speed and safety goals, measured (never asserted in tests).
 *  (a) token-endpoint refreshes per token lifetime, 4 windows x 25 concurrent callers at expiry (goal 1)
 *  (b) warm getSessions calls per second, storage reads on that path, and the rate as a ratio of a
 *      bare in-memory filter over the same sessions measured in the same run (goals >= 100k/s, 0, >= 0.9)
 *  (c) grants lost in a 1,000-cycle soak with single-use refresh tokens and random races (goal 0)
 *  (d) minified bundle sizes (goal: dist/extension.js <= 60 KB)
 *  (e) activation time in a real VS Code host (code-server), as the extension logs it
 *  (f) double refreshes (a refresh token sent twice) in 1,000 randomized two-window trials with
 *      lagging storage and reuse detection (goal 0), and (g) grants lost in those trials (goal 0)
 *  (h) background refreshes per token lifetime with 4 idle windows (goal 1)
 *  (j) the consumer package (client/): Web API requests sent per successful call, warm, 25
 *      concurrent callers (goal 1.0), and (k) provider refreshes caused by 1,000 concurrent calls
 *      refused with one token (goal 1)
 *  (i) grants lost / refresh tokens sent twice / dead tokens served with 4 real window processes,
 *      killed and frozen at every point of a refresh turn (goal 0 / 0 / 0)
 * Windows are GrantManagers over one shared SecretStorage double and one lock folder (as a
 * profile's global storage), talking to the emulator over HTTP.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AuthService } from '../../src/auth/authService';
import { CurrentTokenRefresher } from '../../src/auth/currentTokenRefresh';
import { createSpotifyFetchWith } from '../../client/src/spotifyFetch';
import { SessionHost } from '../../client/src/host';
import { nullLogger } from '../../src/common/logger';
import { CallbackRouter } from '../../src/flows/callbackRouter';
import { SpotifyOAuthClient } from '../../src/oauth/client';
import { scopesCover } from '../../src/oauth/scopes';
import { Grant } from '../../src/session/grant';
import { GrantManager, GrantManagerOptions } from '../../src/session/grantManager';
import { GrantStore } from '../../src/session/grantStore';
import { FileLock } from '../../src/session/node/fileLock';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../emulator/emulator';
import { client, emulator, lockDir, signedInGrant } from '../unit/session/fixtures';
import { SharedSecretStorage, until } from '../unit/helpers';
import { filesUnder, freePort, launchChromium, REPO, startCodeServer } from '../host/codeServer';
import { POINTS } from '../procs/protocol';
import { ProcessWorld } from '../procs/world';

const LIFETIMES = 20;
const SOAK_CYCLES = Number(process.env.SOAK_CYCLES) || 1000;
const TRIALS = Number(process.env.TRIALS) || 1000;

function window(shared: SharedSecretStorage, c: SpotifyOAuthClient, locks: string, over: Partial<GrantManagerOptions> & { lagMs?: () => number } = {}): GrantManager {
  const { lagMs, ...options } = over;
  return new GrantManager({
    store: new GrantStore(shared.window({ lagMs }), nullLogger),
    refresher: (g) => c.refresh(g.refreshToken!),
    logger: nullLogger,
    refreshSkewMs: () => 60_000,
    lock: new FileLock(locks),
    ...options,
  });
}

async function refreshesPerLifetime(): Promise<number> {
  const emu = emulator();
  await emu.start();
  try {
    const shared = new SharedSecretStorage();
    const c = client(emu);
    const locks = lockDir();
    const windows = [0, 1, 2, 3].map(() => window(shared, c, locks));
    await Promise.all(windows.map((w) => w.initialize()));
    const grant = await signedInGrant(emu, c);
    await windows[0].add(grant);
    const before = emu.count('token:refresh_token');
    for (let i = 0; i < LIFETIMES; i++) {
      // The token reaches its expiry in every window.
      const expiresAt = Date.now() - 1;
      await windows[0].add({ ...windows[0].all()[0], expiresAt });
      await until(() => windows.every((w) => w.all()[0]?.expiresAt === expiresAt));
      await Promise.all(windows.flatMap((w) => Array.from({ length: 25 }, () => w.getFresh(['user-read-private']))));
    }
    windows.forEach((w) => w.dispose());
    return (emu.count('token:refresh_token') - before) / LIFETIMES;
  } finally {
    await emu.stop();
  }
}

async function warmPath(): Promise<{ perSecond: number; reads: number; barePerSecond: number }> {
  const shared = new SharedSecretStorage();
  const manager = window(shared, {} as SpotifyOAuthClient, lockDir());
  await manager.initialize();
  const grant: Grant = {
    id: 'g', account: { id: 'a', label: 'A' }, scopes: ['user-read-private', 'user-top-read'], accessToken: 'x'.repeat(200),
    refreshToken: 'y'.repeat(130), expiresAt: Date.now() + 3_600_000, createdAt: Date.now(), clientId: DEFAULT_CLIENT_ID,
  };
  await manager.add(grant);
  // Let the storage's change events for that write (and their reloads) land before counting reads.
  await new Promise((r) => setTimeout(r, 20));
  // Through AuthService, as the provider's getSessions calls it (scope normalization included).
  const service = new AuthService({
    manager, router: new CallbackRouter(nullLogger), host: {} as never, logger: nullLogger, ui: {} as never,
    createClient: async () => ({}) as never, flows: async () => [], timeoutMs: 1,
  });
  // Ten rounds of each, alternating, and the median of each: on a shared machine, load that comes
  // and goes then weighs on both alike instead of on whichever ran second.
  const n = 50_000;
  // Calls per second of this process's own CPU time, so other processes' load on the shared
  // machine does not count against either side.
  const rate = async (call: () => Promise<unknown>) => {
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      await call();
    }
    const used = process.cpuUsage(start);
    return Math.round(n / ((used.user + used.system) / 1e6));
  };
  // The floor any implementation pays: an async call that filters the same sessions in memory.
  const sessions = [grant];
  const bare = async (scopes: string[]) => sessions.filter((g) => scopesCover(g.scopes, scopes));
  const reads = shared.reads;
  const bares: number[] = [];
  const ours: number[] = [];
  for (let round = -2; round < 10; round++) {
    if (round < 0) {
      await rate(() => bare(['user-read-private'])); // warm-up, not counted
      await rate(() => service.getSessions(['user-read-private']));
      continue;
    }
    bares.push(await rate(() => bare(['user-read-private'])));
    ours.push(await rate(() => service.getSessions(['user-read-private'])));
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
  const barePerSecond = median(bares);
  const perSecond = median(ours);
  const result = { perSecond, reads: shared.reads - reads, barePerSecond };
  manager.dispose();
  return result;
}

async function soak(): Promise<{ lost: number; races: number; refreshes: number; reused: number; seconds: number }> {
  const emu = emulator({ refreshTokenMode: 'rotate', reuseDetection: true });
  await emu.start();
  const t0 = Date.now();
  try {
    const shared = new SharedSecretStorage();
    const c = client(emu);
    const locks = lockDir();
    const windows = [0, 1, 2, 3].map(() => window(shared, c, locks));
    await Promise.all(windows.map((w) => w.initialize()));
    let lost = 0;
    windows.forEach((w) => w.onDidLoseGrant(() => lost++));
    let grant = await signedInGrant(emu, c);
    await windows[0].add(grant);
    let races = 0;
    const before = emu.count('token:refresh_token');
    for (let cycle = 0; cycle < SOAK_CYCLES; cycle++) {
      const takers = windows.filter(() => Math.random() < 0.6);
      if (takers.length > 1) {
        races++;
      }
      await Promise.all(
        takers.map(async (w) => {
          await new Promise((r) => setTimeout(r, Math.random() * 3));
          await w.refresh(grant.id, true).catch(() => undefined);
        }),
      );
      if (emu.liveRefreshTokens() === 0 || windows[0].all().length === 0) {
        lost++;
        grant = await signedInGrant(emu, c, `g${cycle}`);
        await windows[0].add(grant);
      }
    }
    windows.forEach((w) => w.dispose());
    return { lost, races, refreshes: emu.count('token:refresh_token') - before, reused: emu.count('refresh:reused'), seconds: (Date.now() - t0) / 1000 };
  } finally {
    await emu.stop();
  }
}

/**
 * (f), (g): each trial, two windows whose views of SecretStorage lag 0-40 ms behind each other's
 * writes, with a grant due for refresh; each window refreshes at a random moment (some forced, as
 * the Refresh command does, some through getSessions at expiry). Reuse detection is on, so one
 * refresh token sent twice revokes the grant.
 */
async function trials(): Promise<{ doubles: number; lost: number; refreshes: number; seconds: number }> {
  const emu = emulator({ refreshTokenMode: 'rotate', reuseDetection: true });
  await emu.start();
  const t0 = Date.now();
  try {
    const c = client(emu);
    let lost = 0;
    const before = emu.count('token:refresh_token');
    for (let trial = 0; trial < TRIALS; trial++) {
      const shared = new SharedSecretStorage();
      const locks = lockDir();
      const lag = () => Math.random() * 40;
      const [a, b] = [window(shared, c, locks, { lagMs: lag }), window(shared, c, locks, { lagMs: lag })];
      await Promise.all([a.initialize(), b.initialize()]);
      const grant = await signedInGrant(emu, c, `t${trial}`);
      await a.add({ ...grant, expiresAt: Date.now() - 1 });
      await new Promise((r) => setTimeout(r, Math.random() * 45)); // b may or may not have seen it yet
      await b.reload();
      await Promise.all(
        [a, b].map(async (w) => {
          await new Promise((r) => setTimeout(r, Math.random() * 20));
          const op = Math.random() < 0.5 ? w.refresh(grant.id, true) : w.getFresh();
          await op.catch(() => undefined);
        }),
      );
      if (emu.liveRefreshTokens('emu-alice') === 0) {
        lost++;
      }
      emu.revokeAllGrants(); // keep the count of live grants to this trial's
      a.dispose();
      b.dispose();
      fs.rmSync(locks, { recursive: true, force: true });
    }
    return { doubles: emu.count('refresh:reused'), lost, refreshes: emu.count('token:refresh_token') - before, seconds: (Date.now() - t0) / 1000 };
  } finally {
    await emu.stop();
  }
}

/**
 * (h): 4 idle windows with proactive refresh on, over 20 s of 4 s tokens. A token's lifetime ends
 * when it falls due (the skew before expiry); the goal is one refresh request per such lifetime:
 * 0 would mean the timers never fire, 4 that every window refreshes.
 */
async function idleWindows(): Promise<{ perLifetime: number; lifetimes: number; requests: number }> {
  const ttlS = 4;
  const skewMs = 2000;
  const observeMs = 20_000;
  const emu: SpotifyEmulator = emulator({ accessTokenTtlS: ttlS });
  await emu.start();
  try {
    const shared = new SharedSecretStorage();
    const c = client(emu);
    const locks = lockDir();
    const lag = () => Math.random() * 40;
    // Real Math.random jitter; the skew scaled to the short lifetime (jitter is at most half of it).
    // Which token (by its expiry) each refresh request replaced, across all windows.
    const replaced: number[] = [];
    const windows = [0, 1, 2, 3].map(() =>
      window(shared, c, locks, {
        lagMs: lag,
        proactive: true,
        refreshSkewMs: () => skewMs,
        refresher: (g) => {
          replaced.push(g.expiresAt);
          return c.refresh(g.refreshToken!);
        },
      }),
    );
    await Promise.all(windows.map((w) => w.initialize()));
    const grant = await signedInGrant(emu, c);
    // Every token the grant has had: each one seen by any window counts once, by its expiry.
    const tokens = new Map<string, number>([[grant.accessToken, grant.expiresAt]]);
    windows.forEach((w) => w.onDidChange((e) => [...e.added, ...e.changed].forEach((g) => tokens.set(g.accessToken, g.expiresAt))));
    await windows[0].add(grant);
    const end = Date.now() + observeMs;
    await new Promise((r) => setTimeout(r, observeMs));
    windows.forEach((w) => w.dispose());
    // A lifetime counts once its whole refresh window (due time plus the largest jitter, half the
    // skew, plus a request's time) closed inside the observation; its requests are those that
    // replaced that very token. 0 per lifetime: timers that never fire; 4: every window refreshes.
    const ended = new Set([...tokens.values()].filter((expiresAt) => expiresAt - skewMs / 2 + 500 <= end));
    const requests = replaced.filter((expiresAt) => ended.has(expiresAt)).length;
    return { perLifetime: Number((requests / ended.size).toFixed(2)), lifetimes: ended.size, requests };
  } finally {
    await emu.stop();
  }
}

/**
 * (j), (k): the consumer package's fetch over one window's provider logic (GrantManager and the
 * exported API's refreshIfCurrent), as VS Code would connect them, against the emulator.
 */
async function consumerPackage(): Promise<{ perCall: number; calls: number; refreshes: number; asked: number; ok: number; direct: number }> {
  const emu = emulator();
  await emu.start();
  try {
    const c = client(emu);
    const manager = window(new SharedSecretStorage(), c, lockDir());
    await manager.initialize();
    const grant = await signedInGrant(emu, c);
    await manager.add(grant);
    const provider = new CurrentTokenRefresher(manager, nullLogger);
    let asked = 0;
    const host: SessionHost = {
      getSession: async (scopes) => {
        const g = (await manager.getFresh(scopes))[0];
        return g && { id: g.id, accessToken: g.accessToken, account: g.account, scopes: g.scopes };
      },
      refreshIfCurrent: (id, token) => (asked++, provider.refreshIfCurrent(id, token)),
    };
    const spotifyFetch = createSpotifyFetchWith(host, { scopes: ['user-read-private'], baseUrl: emu.url });
    await spotifyFetch('/v1/me'); // warm
    const rounds = 20;
    const before = emu.count('GET /v1/me');
    let succeeded = 0;
    for (let i = 0; i < rounds; i++) {
      const results = await Promise.all(Array.from({ length: 25 }, () => spotifyFetch('/v1/me').then((r) => r.ok)));
      succeeded += results.filter(Boolean).length;
    }
    const perCall = (emu.count('GET /v1/me') - before) / succeeded;
    // (k) The token dies at Spotify while the provider still holds it: every call gets 401.
    emu.expireAccessTokens();
    const refreshesBefore = emu.count('token:refresh_token');
    const outcomes = await Promise.all(Array.from({ length: 1000 }, () => spotifyFetch('/v1/me').then((r) => r.ok, () => false)));
    const refreshes = emu.count('token:refresh_token') - refreshesBefore;
    // The provider alone, without the package's own sharing: 1,000 concurrent refreshIfCurrent.
    const current = manager.all()[0].accessToken;
    const directBefore = emu.count('token:refresh_token');
    await Promise.all(Array.from({ length: 1000 }, () => provider.refreshIfCurrent(grant.id, current)));
    const direct = emu.count('token:refresh_token') - directBefore;
    manager.dispose();
    return { perCall, calls: succeeded, refreshes, asked, ok: outcomes.filter(Boolean).length, direct };
  } finally {
    await emu.stop();
  }
}

/**
 * (i): 4 window processes polling getSessions every 100 ms, proactive refresh on, 3 s tokens. Each
 * point of a refresh turn gets two kills and one freeze (past the stale time), plus two kills of
 * whoever holds the lock at a random moment; a forced refresh from a random window makes the next
 * turn come soon. Killed windows restart. A lost grant is signed in again so the run goes on.
 */
async function processes() {
  const staleMs = 300;
  const world = new ProcessWorld({ staleAfterMs: staleMs, pendingGraceMs: 1500, accessTokenTtlS: 3, refreshSkewMs: 1500, pollMs: 100, proactive: true });
  await world.start();
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const nudge = () => void world.request(world.liveIndex(), { t: 'refresh', grantId: world.grantId, force: true });
  const events: Array<() => Promise<void>> = [];
  for (const point of POINTS) {
    for (const action of ['kill', 'kill', 'stop'] as const) {
      events.push(async () => {
        let i: number | undefined;
        for (let tries = 0; i === undefined && tries < 3; tries++) {
          const at = world.firstAt(point, action === 'stop', 5000);
          nudge();
          i = await at;
        }
        if (i === undefined) {
          return;
        }
        if (action === 'kill') {
          await world.kill(i);
          await pause(100);
          await world.spawn(i);
        } else {
          await world.freeze(i, staleMs * 3);
        }
      });
    }
  }
  for (let k = 0; k < 2; k++) {
    events.push(async () => {
      nudge();
      for (let t = 0; t < 1000; t++) {
        if (t % 100 === 99) {
          nudge();
        }
        const i = world.holder();
        if (i !== undefined && Math.random() < 0.3) {
          await world.kill(i);
          await pause(100);
          await world.spawn(i);
          return;
        }
        await pause(2 + Math.random() * 10);
      }
    });
  }
  const t0 = Date.now();
  for (const e of events.sort(() => Math.random() - 0.5)) {
    await e();
    await pause(300 + Math.random() * 500);
    await world.checkLost();
  }
  await pause(2000);
  await world.checkLost();
  await world.stop();
  return { ...world.stats, acquireTimeoutMs: world.acquireTimeoutMs, seconds: (Date.now() - t0) / 1000 };
}

async function bundleSizes(): Promise<{ node: number; web: number }> {
  const esbuild = require('esbuild');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spotify-bundle-'));
  const common = { bundle: true, format: 'cjs', external: ['vscode'], minify: true, logLevel: 'silent' };
  await esbuild.build({ ...common, entryPoints: [path.join(REPO, 'src/extension.ts')], platform: 'node', target: 'node18', outfile: path.join(dir, 'node.js') });
  await esbuild.build({ ...common, entryPoints: [path.join(REPO, 'src/web/extension.ts')], platform: 'browser', target: 'es2022', outfile: path.join(dir, 'web.js') });
  const sizes = { node: fs.statSync(path.join(dir, 'node.js')).size, web: fs.statSync(path.join(dir, 'web.js')).size };
  fs.rmSync(dir, { recursive: true, force: true });
  return sizes;
}

/** Starts code-server with the production bundle, opens the workbench, reads the activation line. */
async function activationTimes(runs: number): Promise<number[]> {
  execFileSync('node', [path.join(REPO, 'esbuild.js'), '--production'], { cwd: REPO });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    const dir = path.join(REPO, 'test-output/bench-host');
    const server = await startCodeServer({
      dir, port, extensions: [REPO, path.join(REPO, 'test/fixtures/consumer')],
      settings: { 'spotify.clientId': DEFAULT_CLIENT_ID, 'workbench.startupEditor': 'none' },
    });
    const browser = await launchChromium(path.join(dir, 'profile'));
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/?folder=${encodeURIComponent(server.workspace)}`);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const ms = findActivationLine(path.join(dir, 'ud/logs'));
        if (ms !== undefined) {
          times.push(ms);
          break;
        }
        if (Date.now() > deadline) {
          throw new Error('the extension did not log its activation within 60 s');
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await browser.close();
      await server.stop();
    }
  }
  execFileSync('node', [path.join(REPO, 'esbuild.js')], { cwd: REPO });
  return times;
}

function findActivationLine(dir: string): number | undefined {
  for (const file of filesUnder(dir, (name) => name === 'Spotify Authentication.log')) {
    const m = /activated in (\d+) ms/.exec(fs.readFileSync(file, 'utf8'));
    if (m) {
      return Number(m[1]);
    }
  }
  return undefined;
}

async function main(): Promise<void> {
  const only = process.argv[2]; // e.g. `npm run bench -- fgh` runs those lines alone
  const want = (k: string) => !only || only.includes(k);
  if (want('a')) {
    const a = await refreshesPerLifetime();
    console.log(`(a) token-endpoint refreshes per token lifetime, 4 windows x 25 callers at expiry: ${a} (goal 1; ${LIFETIMES} lifetimes)`);
  }
  if (want('b')) {
    const b = await warmPath();
    console.log(`(b) warm getSessions: ${b.perSecond.toLocaleString('en')} calls/s, ${b.reads} storage reads; a bare in-memory filter over the same sessions: ${b.barePerSecond.toLocaleString('en')} calls/s, ours ${(b.perSecond / b.barePerSecond).toFixed(2)} of it (goals >= 100,000/s, 0, >= 0.9; medians of 10 alternating rounds, CPU time)`);
  }
  if (want('c')) {
    const c = await soak();
    console.log(`(c) grants lost in a ${SOAK_CYCLES}-cycle soak with single-use refresh tokens and reuse detection: ${c.lost} (goal 0; ${c.races} cycles with concurrent refreshers, ${c.refreshes} refresh requests, ${c.reused} refresh tokens sent twice, ${c.seconds.toFixed(1)} s)`);
  }
  if (want('d')) {
    const sizes = await bundleSizes();
    console.log(`(d) minified bundles: dist/extension.js ${(sizes.node / 1024).toFixed(1)} KB (goal <= 60 KB), dist/web/extension.js ${(sizes.web / 1024).toFixed(1)} KB`);
  }
  if (want('e')) {
    const activation = await activationTimes(3);
    console.log(`(e) activation in code-server (VS Code 1.100), 3 fresh windows: ${activation.join(', ')} ms (median ${[...activation].sort((x, y) => x - y)[1]} ms)`);
  }
  if (want('f') || want('g')) {
    const t = await trials();
    console.log(`(f) double refreshes, ${TRIALS} randomized two-window trials with lagging storage and reuse detection: ${t.doubles} (goal 0; ${t.refreshes} refresh requests, ${t.seconds.toFixed(1)} s)`);
    console.log(`(g) grants lost in those trials: ${t.lost} (goal 0)`);
  }
  if (want('j') || want('k')) {
    const k = await consumerPackage();
    console.log(`(j) consumer package: Web API requests sent per successful call, warm, 25 concurrent callers: ${k.perCall.toFixed(2)} (goal 1.0; ${k.calls} calls)`);
    console.log(`(k) provider refreshes caused by 1,000 concurrent calls refused (401) with one token: ${k.refreshes} (goal 1; ${k.ok} of 1,000 calls then succeeded, ${k.asked} refreshIfCurrent call(s) reached the provider; 1,000 concurrent refreshIfCurrent on the provider directly: ${k.direct} refresh)`);
  }
  if (want('i')) {
    const i = await processes();
    console.log(
      `(i) grants lost / refresh tokens sent twice / dead tokens served, 4 processes, ${i.kills} kills, ${i.stops} stops: ${i.lost - i.lostUnavoidable} / ${i.resent - i.unavoidable} / ${i.dead} (goal 0 / 0 / 0), ${i.unavoidable} unavoidable` +
        ` (a window killed with its rotated answer in flight; ${i.lostUnavoidable} grant(s) lost with them); longest getSessions wait ${i.longestWaitMs} ms (goal under the acquire timeout, ${i.acquireTimeoutMs / 1000} s); ${i.served} tokens served, ${i.seconds.toFixed(1)} s`,
    );
  }
  if (want('h')) {
    const h = await idleWindows();
    console.log(`(h) background refreshes per token lifetime, 4 idle windows: ${h.perLifetime} (goal 1; ${h.requests} refresh requests for the ${h.lifetimes} tokens whose lifetime ended within 20 s, 4 s tokens, real random jitter)`);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
