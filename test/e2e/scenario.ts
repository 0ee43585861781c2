/**
 * What the browser scenarios share: an emulator (consent page, not auto-approving), code-server
 * with the extension and the consumer fixture, Debian chromium through playwright-core, numbered
 * screenshots, and steps counted as `e2e (<host>): N passed, N failed`. The life of the process
 * (the result line whatever happens, nothing left running) is ./harness.ts; the workbench helpers
 * every scenario uses are ./workbench.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../emulator/emulator';
import { freePort, HOST, hostLabel, launchChromium, REPO, RunningCodeServer, scanLogsForSecrets, startCodeServer } from '../host/codeServer';
import { awaitWitness, bounded, breakStep, chaosPlan, runLifecycle, scenarioMark, StepFailure, Tally } from './harness';
import { accountsButton, closeMenus, dumpBrowserLogs, openMenuWith } from './workbench';

export interface ScenarioOptions {
  /** Folder under test-output/e2e for screenshots and the host's files. */
  readonly name: string;
  /** User settings besides the emulator's URLs. */
  readonly settings: Record<string, unknown>;
  /** Run the browser bundle in the web worker host (emulator over TLS then). */
  readonly web?: boolean;
  /**
   * Load the extension as a development extension (the workbench's extensionDevelopmentPath), so
   * its development-only test hooks exist (the clock that brings a consent's end near).
   */
  readonly development?: boolean;
}

export class Scenario implements Tally {
  passed = 0;
  failed = 0;
  private shot = 0;
  private steps = 0;
  private readonly chaos = chaosPlan();
  readonly out: string;
  relayUrl = '';
  emulator!: SpotifyEmulator;
  server?: RunningCodeServer;
  context: any;
  page: any;

  constructor(private readonly o: ScenarioOptions) {
    // SPOTIFY_E2E_RUN_NAME keeps a special run (the harness check, the soak) from overwriting the pictures of the ordinary one.
    const name = [o.name, process.env.SPOTIFY_E2E_RUN_NAME, HOST === 'newest' ? 'newest' : ''].filter(Boolean).join('-');
    this.out = path.join(REPO, 'test-output/e2e', name);
  }

  /** Starts the emulator, code-server and the browser; what started is stopped by {@link close}. */
  async start(): Promise<void> {
    const o = this.o;
    fs.rmSync(this.out, { recursive: true, force: true });
    fs.mkdirSync(this.out, { recursive: true });
    const port = await freePort();
    this.emulator = new SpotifyEmulator({ apps: [] });
    // 127.0.0.2: code-server rewrites links to 127.0.0.1:PORT into its port-forwarding route.
    const emulatorUrl = await this.emulator.start(0, '127.0.0.2', o.web ? selfSignedCertificate(this.out) : undefined);
    // vscode.dev/redirect does not serve code-server, so the emulator's relay stands in for the one
    // a code-server user hosts; the app registers exactly the URIs the extension lists here.
    this.relayUrl = await this.emulator.startRelay();
    this.emulator.config.apps.push({ clientId: DEFAULT_CLIENT_ID, name: 'VS Code (emulated app)', redirectUris: [this.relayUrl, 'http://127.0.0.1/callback'] });
    this.server = await startCodeServer({
      dir: path.join(this.out, 'host'),
      port,
      extensions: [...(o.development ? [] : [o.web ? webOnlyCopy() : REPO]), path.join(REPO, 'test/fixtures/consumer')],
      settings: {
        'spotify.accountsUrl': emulatorUrl,
        'spotify.apiUrl': emulatorUrl,
        'spotify.relayUrl': this.relayUrl,
        'workbench.startupEditor': 'none',
        'git.openRepositoryInParentFolders': 'never',
        ...o.settings,
      },
      trustedExtensions: [],
      trustedDomains: [emulatorUrl],
      logLevel: 'trace',
    });
    this.context = await launchChromium(path.join(this.out, 'profile'), {
      viewport: { width: 1280, height: 800 },
      // Only the web run serves the emulator over TLS, with a certificate made for this run.
      ignoreHTTPSErrors: !!o.web,
      // The harness handles these signals (a picture, then everything stopped): Playwright's own
      // handlers would close the browser first.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    // "Copy Redirect URI" writes to the clipboard, as a person's browser lets it.
    await this.context.grantPermissions(['clipboard-read', 'clipboard-write']).catch(() => undefined);
    this.page = this.context.pages()[0] ?? (await this.context.newPage());
    if (process.env.E2E_DEBUG) {
      this.page.on('console', (m: any) => console.log(`[console] ${m.type()} ${m.text().slice(0, 400)}`));
    }
  }

  /** Stops the browser, the host and the emulator, each bounded so one hang cannot keep the rest. */
  async close(): Promise<void> {
    if (this.context) {
      await bounded(this.context.close(), 10_000);
    }
    if (this.server) {
      await bounded(this.server.stop(), 5000);
    }
    if (this.emulator) {
      await bounded(this.emulator.stop(), 5000);
    }
  }

  /** Saves a numbered screenshot of `p` (the workbench by default); returns its path. */
  async snap(name: string, p: any = this.page): Promise<string> {
    const file = path.join(this.out, `${String(++this.shot).padStart(2, '0')}-${name}.png`);
    if (p) {
      await p.screenshot({ path: file, timeout: 10_000 }).catch(() => undefined);
    }
    return file;
  }

  /**
   * The next tab the browser opens. The wait starts now (before the action that opens the tab) and
   * its rejection is handled here, so a step that fails before awaiting it leaves nothing to reject
   * unhandled; awaiting it still throws on a timeout. The wait runs while the step still works
   * its way to the action that opens the tab (a menu, a dialog), so it is long.
   */
  nextTab(timeout = 90_000): Promise<any> {
    const tab = this.context.waitForEvent('page', { timeout });
    tab.catch(() => undefined);
    return tab;
  }

  /** Runs one step; a failure is counted, pictured and ends the scenario (later steps depend on it). */
  async step(name: string, fn: () => Promise<void>): Promise<void> {
    const index = ++this.steps;
    const t0 = Date.now();
    try {
      if (this.chaos && this.chaos.step === index) {
        const witnessed = await awaitWitness();
        console.log(`  (chaos: ${this.chaos.mode} at step ${index}, the watcher having seen ${witnessed})`);
        await breakStep(this.chaos.mode, this.context);
      }
      await fn();
      this.passed++;
      // The time each step took, so a soak's slow runs show where the time went.
      console.log(`  ✔ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      this.failed++;
      console.log(`  ✘ ${name}: ${(e as Error).message.split('\n')[0]}`);
      console.log(`    emulator requests: ${JSON.stringify(this.emulator?.counts ?? {})}`);
      if (process.env.E2E_DEBUG && this.page) {
        console.log(await dumpBrowserLogs(this.page).catch(() => ''));
      }
      await this.snap(`failed-${name.replace(/\W+/g, '-').slice(0, 60)}`);
      throw new StepFailure(name);
    }
  }

  async openWorkbench(): Promise<void> {
    await this.step('the workbench loads with the extension', async () => {
      const payload = this.o.development
        ? `&payload=${encodeURIComponent(JSON.stringify([['extensionDevelopmentPath', `vscode-remote://${new URL(this.server!.url).host}${REPO}`]]))}`
        : '';
      await this.page.goto(`${this.server!.url}/?folder=${encodeURIComponent(this.server!.workspace)}${payload}`);
      await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await accountsButton(this.page).waitFor({ timeout: 30_000 });
      await this.page.locator('.statusbar').first().waitFor({ timeout: 30_000 });
      await this.snap('workbench');
    });
  }

  /** The checks every scenario ends with: the account is listed, one exchange, no leaks. */
  async verifySignedIn(): Promise<void> {
    await this.step('the Accounts menu lists the Spotify account', async () => {
      await closeMenus(this.page);
      await openMenuWith(this.page, /Alice Emulated \(Spotify\)/);
      await this.snap('signed-in');
      await closeMenus(this.page);
    });
    await this.step('no issued code or token appears in the host\'s trace-level logs', async () => {
      const scan = scanLogsForSecrets(path.join(this.out, 'host'), this.emulator.issued);
      if (scan.leaks > 0 || (!this.o.web && scan.files === 0)) {
        throw new Error(`${scan.leaks} leaks in ${scan.files} log files`);
      }
    });
    await this.step('the emulator saw one PKCE code exchange and holds one live grant for the user', async () => {
      if (this.emulator.count('token:authorization_code') !== 1) {
        throw new Error(`code exchanges: ${this.emulator.count('token:authorization_code')}`);
      }
      if (this.emulator.liveRefreshTokens('emu-alice') !== 1) {
        throw new Error('no live grant for the user');
      }
    });
  }
}

/**
 * Runs a scenario script: starts its world, runs `body` (its steps), and whatever happens prints
 * `e2e (<host>): N passed, N failed`, stops everything it started and exits (0 only when every
 * step passed).
 */
export function runScenario(o: ScenarioOptions, body: (s: Scenario) => Promise<void>): void {
  scenarioMark(); // before the first child process
  const s = new Scenario(o);
  runLifecycle(s, hostLabel, () => s, async () => {
    await s.start();
    await body(s);
  });
}

/**
 * A throwaway certificate for 127.0.0.2. The web worker host's CSP lets fetch reach https: origins
 * (as accounts.spotify.com is) but of plain-http loopback only 127.0.0.1 and localhost, which
 * code-server's openExternal rewrites into its port proxy; so the web run's emulator speaks TLS.
 */
export function selfSignedCertificate(out: string): { key: string; cert: string } {
  const dir = path.join(out, 'tls');
  fs.mkdirSync(dir, { recursive: true });
  require('child_process').execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.2',
    '-addext', 'subjectAltName=IP:127.0.0.2', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  return { key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
}

/**
 * The extension as vscode.dev sees it: only the browser entry. Without `main`, code-server runs
 * it in the web worker extension host, where only dist/web/extension.js can work.
 */
export function webOnlyCopy(): string {
  const dir = path.join(REPO, '.vscode-test/web-extension');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'dist/web'), { recursive: true });
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  delete pkg.main;
  pkg.extensionKind = ['web'];
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  fs.copyFileSync(path.join(REPO, 'dist/web/extension.js'), path.join(dir, 'dist/web/extension.js'));
  return dir;
}
