/**
 * Runs the integration suites inside a real VS Code extension host (code-server + Debian chromium,
 * see test/host/install-host.sh): starts the Spotify emulator and code-server with this extension and
 * the consumer fixture, opens the workbench with a test payload, and collects mocha's output
 * through the workbench's automation hooks. Two windows share one browser profile, so the second
 * proves that sessions survive a reload. Prints `N passed, N failed` and exits non-zero on failure.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as util from 'util';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../emulator/emulator';
import { freePort, HOST, hostLabel, launchChromium, REPO, scanLogsForSecrets, startCodeServer } from './codeServer';
import { reapOnExit } from './reap';

const EMULATOR_HOST = '127.0.0.2';
const OUT = path.join(REPO, `test-output/integration-${HOST}`);
const PHASES = [
  { name: 'first window', tests: 'out/test/integration/index' },
  { name: 'after reload', tests: 'out/test/integration/reload/index' },
];

async function main(): Promise<number> {
  // Whatever ends this run (a crash, SIGTERM), the host and the browser end with it.
  reapOnExit('SPOTIFY_HOST_TESTS_MARK');
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  const port = await freePort();
  // The app registers exactly what the extension lists for code-server with a relay of its own:
  // the relay page and the loopback/paste URI. No prefix, no other latitude.
  const emulator = new SpotifyEmulator({ autoApprove: true, apps: [] });
  const emulatorUrl = await emulator.start(0, EMULATOR_HOST);
  const relayUrl = await emulator.startRelay();
  emulator.config.apps.push({ clientId: DEFAULT_CLIENT_ID, name: 'Integration', redirectUris: [relayUrl, 'http://127.0.0.1/callback'] });
  const server = await startCodeServer({
    dir: path.join(OUT, 'host'),
    port,
    extensions: [REPO, path.join(REPO, 'test/fixtures/consumer')],
    settings: {
      'spotify.clientId': DEFAULT_CLIENT_ID,
      'spotify.accountsUrl': emulatorUrl,
      'spotify.apiUrl': emulatorUrl,
      'spotify.relayUrl': relayUrl,
      'workbench.startupEditor': 'none',
      // Restricted Mode: the workspace stays untrusted, without the prompt that would ask.
      'security.workspace.trust.enabled': true,
      'security.workspace.trust.startupPrompt': 'never',
    },
    workspaceTrust: true,
    env: { SPOTIFY_EMULATOR_URL: emulatorUrl, SPOTIFY_RELAY_URL: relayUrl, SPOTIFY_TEST_USER_DATA: path.join(OUT, 'host/ud') },
    logLevel: 'trace',
    // The test host trusts the consumer, as VS Code's product.json trusts git for GitHub, because
    // the payload mode refuses the consent dialog. The browser scenario clicks that dialog for real.
    trustedExtensions: ['spotify-auth-tests.consumer'],
    // The emulator stands in for accounts.spotify.com, a site a person opens without a second thought.
    trustedDomains: [emulatorUrl],
  });
  const context = await launchChromium(path.join(OUT, 'profile'), { viewport: { width: 1400, height: 900 } });
  context.on('page', (p: any) => {
    p.on('framenavigated', (f: any) => f === p.mainFrame() && console.log(`[browser] tab at ${redactUrl(f.url())}`));
  });
  let passed = 0;
  let failed = 0;
  let rc = 0;
  try {
    const host = new URL(server.url).host;
    for (const phase of PHASES) {
      const page = await context.newPage();
      const log: string[] = [];
      await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
        const line = util.format(...(args as [unknown, ...unknown[]]));
        log.push(line);
        // mocha's own summary lines, once per window: "  N passing (…)", "  N failing".
        const summary = /^\s+(\d+) (passing|failing)\b/.exec(line);
        if (summary) {
          summary[2] === 'passing' ? (passed += Number(summary[1])) : (failed += Number(summary[1]));
        }
        // Restricted Mode makes the workbench log every workspace config file it may not read.
        if (!/^Error while resolving configuration file /.test(line)) {
          console.log(line);
        }
      });
      const exit = new Promise<number | string>((resolve) => page.exposeFunction('codeAutomationExit', (code: number) => resolve(code)));
      const payload = [
        ['extensionDevelopmentPath', `vscode-remote://${host}${REPO}`],
        ['extensionTestsPath', `vscode-remote://${host}${path.join(REPO, phase.tests)}`],
        ['skipWelcome', 'true'],
      ];
      console.log(`\n# ${phase.name}`);
      await page.goto(`${server.url}/?folder=${encodeURIComponent(server.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
      if (process.env.HOST_DEBUG_SHOT) {
        setTimeout(() => void page.screenshot({ path: path.join(OUT, 'debug.png') }).catch(() => undefined), Number(process.env.HOST_DEBUG_SHOT));
      }
      const code = await Promise.race([exit, new Promise<string>((r) => setTimeout(() => r("timeout"), 240_000))]);
      await page.screenshot({ path: path.join(OUT, `${phase.name.replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
      fs.writeFileSync(path.join(OUT, `${phase.name.replace(/\W+/g, '-')}.log`), log.join('\n'));
      await page.close();
      if (code !== 0) {
        console.log(`# ${phase.name}: extension host test run ended with ${code}`);
        rc = 1;
        if (code === 'timeout') {
          failed++;
        }
        break;
      }
    }
  } finally {
    await context.close().catch(() => undefined);
    await server.stop();
    await emulator.stop();
  }
  // Every code and token the emulator issued during the run, searched for in every host log.
  const scan = scanLogsForSecrets(path.join(OUT, 'host'), emulator.issued);
  console.log(`leak check (trace-level host logs): ${emulator.issued.size} issued secrets, ${scan.files} log files, ${scan.lines} lines, ${scan.leaks} leaks`);
  if (scan.leaks > 0 || scan.files === 0) {
    failed++;
    rc = 1;
  } else {
    passed++;
  }
  if (passed === 0) {
    rc = 1;
  }
  console.log(`integration (${hostLabel()}): ${passed} passed, ${failed} failed`);
  return rc;
}

/** Tabs' URLs carry codes and states: keep their shape, not their values. */
function redactUrl(u: string): string {
  return u.replace(/([?&](?:code|state|code_challenge)=)[^&]*/g, '$1***');
}

main().then(
  (rc) => process.exit(rc),
  (e) => {
    console.error(e);
    console.log(`integration (${hostLabel()}): 0 passed, 1 failed`);
    process.exit(2);
  },
);
