/**
 * A test of the scenario harness (./harness.ts): the Accounts-menu scenario is broken on purpose at
 * a random step (the real random source picks it) in each way a scenario process can end badly,
 * and each time it must still print its result line with the failure counted, take its picture
 * (where a picture can be taken: not on a bare process.exit), exit non-zero, and leave no process
 * running. Prints `e2e-harness: N passed, N failed`. SPOTIFY_E2E_HARNESS_STEP=N pins the step.
 */
import { spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findMarked } from '../host/reap';
import { HOST, hostLabel, REPO } from '../host/codeServer';
import { MARK_NAME, WITNESSED_KINDS } from './harness';

const MODES = ['throw', 'reject', 'crash', 'signal', 'exit'] as const;
/** SPOTIFY_E2E_HARNESS_STEP=N pins the step (to replay a failure); unset, each run draws one. */
const STEP = process.env.SPOTIFY_E2E_HARNESS_STEP;

interface Run {
  readonly code: number | null;
  readonly output: string;
  /** The most processes that carried the run's marker at one time. */
  readonly peak: number;
  readonly mark: string;
  /** Which of code-server, its extension host and Chromium were seen carrying the marker. */
  readonly kinds: readonly string[];
}

function runBroken(mode: string): Promise<Run> {
  const mark = `harness-${mode}-${crypto.randomBytes(4).toString('hex')}`;
  // The scenario fires its chaos only once this file says all three kinds were seen (harness.ts
  // awaitWitness), so the check below never depends on how fast the extension host starts.
  const witness = path.join(os.tmpdir(), `${mark}.witness`);
  const child = spawn(process.execPath, [path.join(REPO, 'out/test/e2e/accountsMenu.js')], {
    env: { ...process.env, SPOTIFY_E2E_CHAOS: STEP ? `${mode}:${STEP}` : mode, SPOTIFY_E2E_CHAOS_WITNESS: witness, SPOTIFY_E2E_RUN_NAME: `chaos-${mode}`, [MARK_NAME]: mark },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let peak = 0;
  const kinds = new Set<string>();
  const sampler = setInterval(() => {
    const now = findMarked(MARK_NAME, mark);
    peak = Math.max(peak, now.length);
    for (const p of now) {
      if (/code-server|entry\.js|server-main/.test(p.command)) kinds.add('code-server');
      // Not any bootstrap-fork: the file watcher and the pty host are started through it too.
      if (/--type=extensionHost\b/.test(p.command)) kinds.add('extension host');
      if (/chromium/.test(p.command)) kinds.add('chromium');
    }
    fs.writeFileSync(witness, [...kinds].sort().join(','));
  }, 500);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearInterval(sampler);
      fs.rmSync(witness, { force: true });
      resolve({ code, output, peak, mark, kinds: [...kinds].sort() });
    });
  });
}

async function gone(mark: string): Promise<number> {
  // SIGKILLed processes take a moment to leave /proc.
  for (let i = 0; i < 50; i++) {
    const left = findMarked(MARK_NAME, mark).length;
    if (left === 0) {
      return 0;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return findMarked(MARK_NAME, mark).length;
}

async function main(): Promise<number> {
  let passed = 0;
  let failed = 0;
  const check = (name: string, ok: boolean, detail: string) => {
    ok ? passed++ : failed++;
    console.log(`  ${ok ? '✔' : '✘'} ${name}${ok ? '' : `: ${detail}`}`);
  };
  console.log(`Scenario harness check (${HOST} host)`);
  for (const mode of MODES) {
    const run = await runBroken(mode);
    const step = /\(chaos: \w+ at step (\d+),/.exec(run.output)?.[1];
    check(`${mode}: the chaos fired (at step ${step ?? '?'})`, step !== undefined, 'the scenario failed before the chosen step, so this run tests nothing: ' + run.output.slice(-400));
    const results = run.output.split('\n').filter((l) => /^e2e \(.+\): \d+ passed, \d+ failed$/.test(l));
    const counted = results.length === 1 && Number(/(\d+) failed$/.exec(results[0])![1]) >= 1;
    const left = await gone(run.mark);
    const out = path.join(REPO, 'test-output/e2e', [`auto-chaos-${mode}`, HOST === 'newest' ? 'newest' : ''].filter(Boolean).join('-'));
    const pictures = fs.existsSync(out) ? fs.readdirSync(out).filter((f) => /-failed-.*\.png$/.test(f)) : [];
    check(
      `${mode} at step ${step}: one result line with the failure counted, exit code ${run.code}`,
      counted && run.code !== 0 && run.code !== null,
      `result lines ${JSON.stringify(results)}; output tail: ${run.output.slice(-600)}`,
    );
    if (mode !== 'exit') {
      check(`${mode} at step ${step}: the failure is pictured`, pictures.length > 0, `no failed-*.png in ${out}`);
    }
    check(
      `${mode} at step ${step}: nothing left running (${run.peak} processes at the peak: ${run.kinds.join(', ')}; ${left} after)`,
      WITNESSED_KINDS.every((k) => run.kinds.includes(k)) && left === 0,
      run.kinds.length < WITNESSED_KINDS.length ? `the marker was seen on ${run.kinds.join(', ') || 'nothing'} only, not on code-server, its extension host and Chromium: the check would prove nothing` : `${left} processes still carry the marker`,
    );
  }
  console.log(`e2e-harness (${hostLabel()}): ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
  (rc) => process.exit(rc),
  (e) => {
    console.error(e);
    console.log('e2e-harness: 0 passed, 1 failed');
    process.exit(1);
  },
);
