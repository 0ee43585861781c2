import * as assert from 'assert';
import { describeError } from '../../../src/auth/describeError';
import { DEFAULT_CLIENT_ID, Fault, SpotifyEmulator } from '../../emulator/emulator';
import { world } from '../world';

/**
 * Every fault the network or Spotify can throw at the two endpoints we call, once (recovered by
 * retry) and for good (a clear failure): the grant survives, the message is plain and secret-free,
 * and nothing waits past its timeouts.
 */
const REDIRECT = 'vscode://spotify-auth.spotify-authentication/callback';
// Long enough that an unfaulted request never times out on a loaded machine (a timed-out code
// exchange is retried with its spent code, and Spotify, like the emulator, refuses that), short
// enough for the "timeout" fault (three times as long) to stay cheap.
const TIMEOUT_MS = 1500;
const ATTEMPTS = 4;

type FaultSpec = Omit<Fault, 'path' | 'times'> & { name: string };
const FAULTS: FaultSpec[] = [
  { name: '500', kind: 'status', status: 500 },
  { name: '502', kind: 'status', status: 502 },
  { name: '503', kind: 'status', status: 503 },
  { name: '429 Retry-After: 1', kind: 'rateLimit', retryAfter: '1' },
  { name: '429 Retry-After: 0', kind: 'rateLimit', retryAfter: '0' },
  { name: '429 without Retry-After', kind: 'rateLimit' },
  { name: 'timeout', kind: 'delay', ms: TIMEOUT_MS * 3 },
  { name: 'connection reset', kind: 'reset' },
  { name: 'truncated JSON', kind: 'truncated' },
  { name: 'HTML error page', kind: 'html' },
] as FaultSpec[];

const OPERATIONS = ['code exchange', 'refresh', 'profile (/v1/me)'] as const;

const CLEAR = /Spotify|could not reach|no answer|not valid JSON|HTTP \d{3}/;

describe('hardening: fault matrix against the emulator', function () {
  // Thousands of requests each: a hang guard for a loaded machine, not a speed goal (npm run bench has those).
  this.timeout(120_000);
  let emu: SpotifyEmulator;
  before(async () => {
    emu = new SpotifyEmulator({ autoApprove: true, apps: [{ clientId: DEFAULT_CLIENT_ID, redirectUris: [REDIRECT] }] });
    await emu.start();
  });
  after(() => emu.stop());

  function setup() {
    const sleeps: number[] = [];
    const w = world(emu, {
      client: {
        timeoutMs: TIMEOUT_MS,
        retry: { maxAttempts: ATTEMPTS },
        // Backoff and Retry-After are recorded, not slept: the matrix checks what is waited, fast.
        sleep: async (ms) => void sleeps.push(ms),
      },
    });
    return { ...w, sleeps };
  }

  it(`${FAULTS.length} faults x ${OPERATIONS.length} operations x (once, for good): grants lost 0, clear messages, no hangs`, async () => {
    let cases = 0;
    let recovered = 0;
    let clearFailures = 0;
    let lost = 0;
    let hangs = 0;
    const problems: string[] = [];
    for (const fault of FAULTS) {
      for (const op of OPERATIONS) {
        for (const times of [1, 99]) {
          cases++;
          const w = setup();
          await w.manager.initialize();
          let grant = op === 'refresh' ? await w.service.createSession(['user-read-private']) : undefined;
          const path = op === 'profile (/v1/me)' ? '/v1/me' : '/api/token';
          emu.clearFaults();
          emu.inject({ ...fault, path, times } as Fault);
          const started = Date.now();
          let error: unknown;
          try {
            grant = op === 'refresh' ? await w.service.refreshSession(grant!.id) : await w.service.createSession(['user-read-private']);
          } catch (e) {
            error = e;
          }
          emu.clearFaults();
          const elapsed = Date.now() - started;
          // Bound: every attempt within its timeout, plus the emulator's own delay for the timeout case.
          if (elapsed > ATTEMPTS * (TIMEOUT_MS + 150) + 500) {
            hangs++;
            problems.push(`${fault.name}/${op}/${times}: took ${elapsed} ms`);
          }
          const label = `${fault.name} at ${op}, ${times === 1 ? 'once' : 'always'}`;
          if (error === undefined) {
            recovered++;
            if (times !== 1) {
              problems.push(`${label}: succeeded although the fault never cleared`);
            }
          } else {
            const message = describeError(error);
            const secrets = w.manager.all().flatMap((g) => [g.accessToken, g.refreshToken ?? '']).filter(Boolean);
            if (CLEAR.test(message) && secrets.every((s) => !message.includes(s))) {
              clearFailures++;
            } else {
              problems.push(`${label}: unclear message "${message}"`);
            }
            if (times === 1) {
              problems.push(`${label}: not recovered by retry (${message})`);
            }
          }
          if (op === 'refresh') {
            const kept = w.manager.all().find((g) => g.id === grant!.id);
            if (!kept) {
              lost++;
              problems.push(`${label}: grant lost`);
            } else if (!emu.isAccessTokenValid(kept.accessToken) && times === 1) {
              problems.push(`${label}: token not usable after recovery`);
            }
            // The grant still refreshes once Spotify is back.
            if (kept && !(await w.service.refreshSession(kept.id).then(() => true, () => false))) {
              lost++;
              problems.push(`${label}: grant dead after the fault cleared`);
            }
          }
          if (fault.kind === 'rateLimit' && (fault as { retryAfter?: string }).retryAfter === '1' && times === 1 && !w.sleeps.includes(1000)) {
            problems.push(`${label}: Retry-After not honoured (${w.sleeps.join(',')})`);
          }
          w.manager.dispose();
        }
      }
    }
    console.log(`      fault matrix: ${cases} cases, ${recovered} recovered by retry, ${clearFailures} clear failures, grants lost ${lost}, hangs ${hangs}`);
    assert.deepStrictEqual(problems, []);
    assert.strictEqual(recovered + clearFailures, cases);
    assert.strictEqual(recovered, cases / 2);
  });
});
