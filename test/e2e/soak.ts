/**
 * The flake soak (`npm run test:soak`, not part of CI): every browser scenario of the catalog on
 * both hosts, N times each (default 10; `npm run test:soak -- 3`, or SOAK_RUNS), while a CPU burner
 * keeps every core busy, as on a loaded CI machine. Prints, per scenario and host,
 * `soak <scenario> (<host>): K of N passed`, and closes with `soak: N passed, N failed`.
 *
 * Each round runs every scenario on one host, then on the other, as CI does; the table so far is
 * printed after each round. Each run is a separate process with its own marker; whatever it leaves running is
 * killed and counted as a failure of that run. The burner processes stop by themselves when the
 * soak ends (they watch their parent) and after SOAK_BURN_LIMIT_S seconds at most (default 4 h).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO } from '../host/codeServer';
import { killMarked } from '../host/reap';
import { SCENARIOS } from './catalog';

const RUNS = Number(process.argv[2] ?? process.env.SOAK_RUNS ?? 10);
const HOSTS = (process.env.SOAK_HOSTS ?? 'oldest,newest').split(',');
const ONLY = process.env.SOAK_SCENARIOS?.split(',');
const BURN_LIMIT_S = Number(process.env.SOAK_BURN_LIMIT_S ?? 4 * 3600);
const OUT = path.join(REPO, 'test-output/soak');
/** SOAK_LOCK=<file>: take `flock <file>` around each run, to share a machine with other host runs. */
const LOCK = process.env.SOAK_LOCK;

/** One busy loop per core, each ending when the soak ends or at the limit. */
function startBurners(): Array<import('child_process').ChildProcess> {
  const code = `const end = Date.now() + ${BURN_LIMIT_S * 1000}; const parent = process.ppid;
    for (;;) { for (let i = 0; i < 5e7; i++); if (Date.now() > end || process.ppid !== parent) process.exit(0); }`;
  return os.cpus().map(() => spawn(process.execPath, ['-e', code], { stdio: 'ignore' }));
}

function runOnce(script: string, env: Record<string, string>, host: string, log: string, round: number): Promise<{ ok: boolean; why: string }> {
  const mark = `soak-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  return new Promise((resolve) => {
    const command = [process.execPath, path.join(REPO, 'out/test/e2e', script)];
    const [file, ...args] = LOCK ? ['flock', LOCK, ...command] : command;
    const child = spawn(file, args, {
      // A folder per run (SPOTIFY_E2E_RUN_NAME), so a failure's pictures are kept.
      env: { ...process.env, ...env, SPOTIFY_HOST: host, SPOTIFY_E2E_RUN_NAME: `soak-${round}`, SPOTIFY_REAP_MARK: mark },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    child.on('close', (code) => {
      fs.appendFileSync(log, output);
      const left = killMarked('SPOTIFY_REAP_MARK', mark);
      const result = /^e2e \(.+\): (\d+) passed, (\d+) failed$/m.exec(output);
      const failedStep = /^\s+✘ (.*)$/m.exec(output)?.[1];
      if (left.length > 0) {
        resolve({ ok: false, why: `${left.length} processes left running` });
      } else if (!result) {
        resolve({ ok: false, why: 'no result line' });
      } else if (code !== 0 || Number(result[2]) > 0 || Number(result[1]) === 0) {
        resolve({ ok: false, why: failedStep ?? `exit ${code}` });
      } else {
        resolve({ ok: true, why: '' });
      }
    });
  });
}

async function main(): Promise<number> {
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  const scenarios = SCENARIOS.filter((s) => !ONLY || ONLY.includes(s.id));
  const burners = startBurners();
  const stop = () => burners.forEach((b) => b.kill('SIGKILL'));
  process.on('exit', stop);
  console.log(`soak: ${scenarios.length} scenarios × ${HOSTS.length} hosts × ${RUNS} runs, ${burners.length} CPU burners`);
  let passed = 0;
  let failed = 0;
  const key = (id: string, host: string) => `${id} (${host})`;
  const tally = new Map<string, { ok: number; runs: number; failures: string[] }>();
  for (const host of HOSTS) {
    for (const s of scenarios) {
      tally.set(key(s.id, host), { ok: 0, runs: 0, failures: [] });
    }
  }
  const table = () =>
    HOSTS.flatMap((host) =>
      scenarios.map((s) => {
        const t = tally.get(key(s.id, host))!;
        return `soak ${key(s.id, host)}: ${t.ok} of ${t.runs} passed${t.failures.length ? ` (${t.failures.join('; ')})` : ''}`;
      }),
    );
  // Round by round over both hosts, so a soak stopped early has as many runs of each scenario on
  // each host; the table so far is printed after every round.
  for (let round = 1; round <= RUNS; round++) {
    for (const host of HOSTS) {
      for (const s of scenarios) {
        const log = path.join(OUT, `${s.id}-${host}.log`);
        const t0 = Date.now();
        const r = await runOnce(s.script, s.env, host, log, round);
        const t = tally.get(key(s.id, host))!;
        t.runs++;
        r.ok ? t.ok++ : t.failures.push(`run ${round}: ${r.why}`);
        r.ok ? passed++ : failed++;
        console.log(`  ${r.ok ? '✔' : '✘'} ${key(s.id, host)} run ${round}: ${((Date.now() - t0) / 1000).toFixed(0)} s${r.ok ? '' : `: ${r.why}`}`);
      }
    }
    if (round < RUNS) {
      console.log(`after round ${round} of ${RUNS}:\n${table().map((l) => `  ${l}`).join('\n')}`);
    }
  }
  const lines = table();
  stop();
  console.log(lines.join('\n'));
  console.log(`soak: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
  (rc) => process.exit(rc),
  (e) => {
    console.error(e);
    console.log('soak: 0 passed, 1 failed');
    process.exit(1);
  },
);
