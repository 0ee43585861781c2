/**
 * The life of one browser-scenario process, so that it can never die silently or leave a host
 * running:
 * - every process it starts carries a marker in its environment (SPOTIFY_SCENARIO_MARK), so the
 *   end of the scenario ends all of them (test/host/reap.ts), whatever process group they are in;
 * - the result line `e2e (<host>): N passed, N failed` is printed exactly once, however the
 *   scenario ends: finished, a step failed, an unhandled rejection, an uncaught exception, SIGINT,
 *   SIGTERM, a watchdog timeout, or a bare process.exit (the 'exit' handler, synchronous);
 * - an ending that is not a step's own failure is counted as one more failure, with a picture.
 *
 * SPOTIFY_E2E_CHAOS=<mode>[:<step>] makes the scenario fail on purpose at a step (a random one of
 * steps 2 to 5 unless given), to test this file: `throw` (inside the step), `reject` (a popup wait
 * nobody awaits, as in the bug that once killed a CI run), `crash` (an uncaught exception),
 * `signal` (SIGTERM to itself), `exit` (process.exit mid-step). SPOTIFY_E2E_CHAOS_WITNESS names a
 * file the watching test writes what it has seen running into; the chaos waits for it (see
 * {@link awaitWitness}).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import { killMarked, describeLeftovers } from '../host/reap';

export const MARK_NAME = 'SPOTIFY_SCENARIO_MARK';

/** Set before anything is started, so every child inherits it. */
export function scenarioMark(): string {
  if (!process.env[MARK_NAME]) {
    process.env[MARK_NAME] = `e2e-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  }
  return process.env[MARK_NAME]!;
}

/** A step failed: already counted and pictured by the step; the steps after it are skipped. */
export class StepFailure extends Error {
  override readonly name = 'StepFailure';
}

export interface Tally {
  passed: number;
  failed: number;
}

export interface LifecycleHooks {
  /** Takes a picture of the failure (best effort, bounded by the caller). */
  snap(name: string): Promise<unknown>;
  /** Stops the host, the browser and the emulator politely. */
  close(): Promise<void>;
}

const WATCHDOG_MS = Number(process.env.SPOTIFY_E2E_TIMEOUT_MS ?? 8 * 60_000);

/**
 * Runs `body` under the lifecycle above and exits with 0 only when every counted step passed and
 * at least one did. `label()` names the host in the result line.
 */
export function runLifecycle(tally: Tally, label: () => string, hooks: () => LifecycleHooks | undefined, body: () => Promise<void>): void {
  const mark = scenarioMark();
  let printed = false;
  let ending: Promise<void> | undefined;

  const printResult = () => {
    if (!printed) {
      printed = true;
      console.log(`e2e (${label()}): ${tally.passed} passed, ${tally.failed} failed`);
    }
  };
  const reapAll = () => {
    const left = killMarked(MARK_NAME, mark);
    if (left.length > 0) {
      console.log(describeLeftovers('scenario clean-up', left, true));
    }
  };
  const exitCode = () => (tally.failed === 0 && tally.passed > 0 ? 0 : 1);

  /** Ends the scenario once: picture (for abnormal endings), polite close, reap, result line, exit. */
  const end = (why?: string, code?: number): Promise<void> => {
    if (ending) {
      return ending;
    }
    if (why) {
      tally.failed++;
      console.log(`  ✘ ${why}`);
    }
    ending = (async () => {
      const h = hooks();
      if (why && h) {
        await bounded(h.snap(`failed-${why.replace(/\W+/g, '-').slice(0, 60)}`), 5000);
      }
      if (h) {
        await bounded(h.close(), 15_000);
      }
      reapAll();
      printResult();
      process.exit(code ?? exitCode());
    })();
    return ending;
  };

  process.on('unhandledRejection', (e) => void end(`the scenario left a promise rejected and unhandled: ${firstLine(e)}`));
  process.on('uncaughtException', (e) => void end(`the scenario crashed: ${firstLine(e)}`));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void end(`stopped by ${signal}`, 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1)));
  }
  // The last word, for an exit nobody planned (process.exit mid-step): synchronous only.
  process.on('exit', (code) => {
    if (!printed) {
      tally.failed++;
      console.log('  ✘ the scenario exited before it finished');
    }
    reapAll();
    printResult();
    // An unplanned exit(0), or an event loop that ran dry, must not pass for success.
    if (code === 0 && exitCode() !== 0) {
      process.exitCode = 1;
    }
  });
  const watchdog = setTimeout(() => void end(`the scenario ran past ${Math.round(WATCHDOG_MS / 1000)} s`), WATCHDOG_MS);
  watchdog.unref();

  body().then(
    () => end(),
    (e) => (e instanceof StepFailure ? end() : end(`the scenario failed outside a step: ${firstLine(e)}`)),
  );
}

/** Which step (1-based) a chaos test breaks, and how; none unless SPOTIFY_E2E_CHAOS is set. */
export function chaosPlan(): { mode: string; step: number } | undefined {
  const spec = process.env.SPOTIFY_E2E_CHAOS;
  if (!spec) {
    return undefined;
  }
  const [mode, step] = spec.split(':');
  // The real random source: the harness must hold at every step, not only at a chosen one. Steps
  // 2 to 5: the first only loads the workbench. The extension host may still be starting during
  // step 2, which is why the chaos waits for its witness (awaitWitness) rather than for a step.
  return { mode, step: step ? Number(step) : 2 + crypto.randomInt(4) };
}

/** What a watching test must have seen carrying the marker before the chaos may fire. */
export const WITNESSED_KINDS = ['chromium', 'code-server', 'extension host'] as const;

/**
 * Waits until the watching test (./harnessCheck.ts) has written, into the file named by
 * SPOTIFY_E2E_CHAOS_WITNESS, that it saw every process kind carrying the marker. Without this
 * handshake the chaos can fire before the extension host has started, or before the watcher's
 * next sample: then the check cannot tell "nothing was left" from "nothing was seen". Gives up
 * after `ms` (the check then fails and says why); returns what was witnessed.
 */
export async function awaitWitness(ms = 90_000): Promise<string> {
  const file = process.env.SPOTIFY_E2E_CHAOS_WITNESS;
  if (!file) {
    return 'no witness';
  }
  const deadline = Date.now() + ms;
  let seen = '';
  while (Date.now() < deadline) {
    seen = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (WITNESSED_KINDS.every((k) => seen.split(',').includes(k))) {
      return seen;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return `${seen || 'nothing'} only (gave up waiting)`;
}

/** Breaks the running step as the chaos plan says (called at the start of that step). */
export async function breakStep(mode: string, context: any): Promise<void> {
  switch (mode) {
    case 'throw':
      throw new Error('chaos: a step threw');
    case 'reject':
      // A popup wait created and never awaited: it rejects after a second with nobody listening.
      context.waitForEvent('page', { timeout: 1000 });
      await new Promise((r) => setTimeout(r, 60_000));
      return;
    case 'crash':
      setTimeout(() => {
        throw new Error('chaos: an uncaught exception');
      }, 0);
      await new Promise((r) => setTimeout(r, 60_000));
      return;
    case 'signal':
      process.kill(process.pid, 'SIGTERM');
      await new Promise((r) => setTimeout(r, 60_000));
      return;
    case 'exit':
      process.exit(3);
    // eslint-disable-next-line no-fallthrough
    default:
      throw new Error(`unknown SPOTIFY_E2E_CHAOS mode ${mode}`);
  }
}

/** Waits for `p` at most `ms`; never rejects (clean-up must go on). */
export async function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 200);
}
