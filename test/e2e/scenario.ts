/**
 * What the browser scenarios share: an emulator (consent page, not auto-approving), code-server
 * with the extension and the consumer fixture, Debian chromium through playwright-core, numbered
 * screenshots, and steps counted as `e2e: N passed, N failed`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../emulator/emulator';
import { freePort, HOST, hostLabel, launchChromium, REPO, RunningCodeServer, scanLogsForSecrets, startCodeServer } from '../host/codeServer';

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

export class Scenario {
  passed = 0;
  failed = 0;
  private shot = 0;

  private constructor(
    readonly out: string,
    readonly relayUrl: string,
    readonly emulator: SpotifyEmulator,
    readonly server: RunningCodeServer,
    readonly context: any,
    readonly page: any,
    private readonly web: boolean,
    private readonly development: boolean,
  ) {}

  static async start(o: ScenarioOptions): Promise<Scenario> {
    const out = path.join(REPO, 'test-output/e2e', HOST === 'newest' ? `${o.name}-newest` : o.name);
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out, { recursive: true });
    const port = await freePort();
    const emulator = new SpotifyEmulator({ apps: [] });
    // 127.0.0.2: code-server rewrites links to 127.0.0.1:PORT into its port-forwarding route.
    const emulatorUrl = await emulator.start(0, '127.0.0.2', o.web ? selfSignedCertificate(out) : undefined);
    // vscode.dev/redirect does not serve code-server, so the emulator's relay stands in for the one
    // a code-server user hosts; the app registers exactly the URIs the extension lists here.
    const relayUrl = await emulator.startRelay();
    emulator.config.apps.push({ clientId: DEFAULT_CLIENT_ID, name: 'VS Code (emulated app)', redirectUris: [relayUrl, 'http://127.0.0.1/callback'] });
    const server = await startCodeServer({
      dir: path.join(out, 'host'),
      port,
      extensions: [...(o.development ? [] : [o.web ? webOnlyCopy() : REPO]), path.join(REPO, 'test/fixtures/consumer')],
      settings: {
        'spotify.accountsUrl': emulatorUrl,
        'spotify.apiUrl': emulatorUrl,
        'spotify.relayUrl': relayUrl,
        'workbench.startupEditor': 'none',
        'git.openRepositoryInParentFolders': 'never',
        ...o.settings,
      },
      trustedExtensions: [],
      trustedDomains: [emulatorUrl],
      logLevel: 'trace',
    });
    const context = await launchChromium(path.join(out, 'profile'), {
      viewport: { width: 1280, height: 800 },
      // Only the web run serves the emulator over TLS, with a certificate made for this run.
      ignoreHTTPSErrors: !!o.web,
    });
    // "Copy Redirect URI" writes to the clipboard, as a person's browser lets it.
    await context.grantPermissions(['clipboard-read', 'clipboard-write']).catch(() => undefined);
    const page = context.pages()[0] ?? (await context.newPage());
    if (process.env.E2E_DEBUG) {
      page.on('console', (m: any) => console.log(`[console] ${m.type()} ${m.text().slice(0, 400)}`));
    }
    return new Scenario(out, relayUrl, emulator, server, context, page, !!o.web, !!o.development);
  }

  /** Saves a numbered screenshot of `p` (the workbench by default); returns its path. */
  async snap(name: string, p: any = this.page): Promise<string> {
    const file = path.join(this.out, `${String(++this.shot).padStart(2, '0')}-${name}.png`);
    await p.screenshot({ path: file }).catch(() => undefined);
    return file;
  }

  /** Runs one step; a failure is counted, pictured and rethrown (later steps depend on it). */
  async step(name: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
      this.passed++;
      console.log(`  ✔ ${name}`);
    } catch (e) {
      this.failed++;
      console.log(`  ✘ ${name}: ${(e as Error).message.split('\n')[0]}`);
      console.log(`    emulator requests: ${JSON.stringify(this.emulator.counts)}`);
      if (process.env.E2E_DEBUG) {
        console.log(await dumpBrowserLogs(this.page));
      }
      await this.snap(`failed-${name.replace(/\W+/g, '-')}`);
      throw e;
    }
  }

  async openWorkbench(): Promise<void> {
    await this.step('the workbench loads with the extension', async () => {
      const payload = this.development
        ? `&payload=${encodeURIComponent(JSON.stringify([['extensionDevelopmentPath', `vscode-remote://${new URL(this.server.url).host}${REPO}`]]))}`
        : '';
      await this.page.goto(`${this.server.url}/?folder=${encodeURIComponent(this.server.workspace)}${payload}`);
      await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await accountsButton(this.page).waitFor({ timeout: 30_000 });
      await this.page.waitForTimeout(1500);
      await this.snap('workbench');
    });
  }

  /** The checks every scenario ends with: the account is listed, one exchange, no leaks. */
  async verifySignedIn(): Promise<void> {
    await this.step('the Accounts menu lists the Spotify account', async () => {
      await this.page.keyboard.press('Escape');
      await openMenuWith(this.page, /Alice Emulated \(Spotify\)/);
      await this.snap('signed-in');
      await this.page.keyboard.press('Escape');
    });
    await this.step('no issued code or token appears in the host\'s trace-level logs', async () => {
      const scan = scanLogsForSecrets(path.join(this.out, 'host'), this.emulator.issued);
      if (scan.leaks > 0 || (!this.web && scan.files === 0)) {
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

  /** Closes everything, prints the closing line, returns the exit code. */
  async finish(): Promise<number> {
    await this.context.close().catch(() => undefined);
    await this.server.stop();
    await this.emulator.stop();
    console.log(`e2e (${hostLabel()}): ${this.passed} passed, ${this.failed} failed`);
    return this.failed === 0 && this.passed > 0 ? 0 : 1;
  }
}

/** Runs a scenario script: its exit code, or 2 with a closing line when it crashed outright. */
export function runScenario(main: () => Promise<number>): void {
  main().then(
    (rc) => process.exit(rc),
    (e) => {
      console.error(e);
      console.log(`e2e (${hostLabel()}): 0 passed, 1 failed`);
      process.exit(2);
    },
  );
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

export function accountsButton(page: any): any {
  return page.locator('.activitybar .codicon-accounts-view-bar-icon').first();
}

/**
 * Opens the Accounts menu until it shows an item matching `name`: the menu is built when it opens,
 * and extensions register their sign-in requests a moment after the workbench appears.
 */
export async function openMenuWith(page: any, name: RegExp): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    // force: the "Sign in requested" hover can sit over the button and block the click checks.
    await accountsButton(page).click({ force: true, timeout: 5000 });
    try {
      await page.getByRole('menuitem', { name }).first().waitFor({ timeout: 2000 });
      return;
    } catch (e) {
      await page.keyboard.press('Escape');
      if (attempt >= 15) {
        throw e;
      }
      await page.waitForTimeout(500);
    }
  }
}


/**
 * Chooses a menu item of the open Accounts menu. A menu ignores a click that lands while it is
 * still opening, so the click is repeated while the item is still shown.
 */
export async function chooseMenuItem(page: any, name: RegExp): Promise<void> {
  const item = page.getByRole('menuitem', { name }).first();
  for (let attempt = 0; attempt < 5; attempt++) {
    await page.waitForTimeout(300);
    if (!(await item.isVisible().catch(() => false))) {
      return;
    }
    await item.click({ timeout: 5000 }).catch(() => undefined);
  }
}

/**
 * The notification whose text matches, as a toast or, where the workbench did not toast it (VS Code
 * 1.139 keeps notifications that arrive while another tab has the focus in the notification
 * centre), in the notification centre, which shows the same text and buttons.
 */
export async function findNotification(page: any, text: string | RegExp, timeoutMs = 20_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  const toast = page.locator('.notification-toast').filter({ hasText: text }).first();
  const inCentre = page.locator('.notifications-center .monaco-list-row').filter({ hasText: text }).first();
  for (let round = 0; ; round++) {
    if (await toast.isVisible().catch(() => false)) {
      return toast;
    }
    if (await inCentre.isVisible().catch(() => false)) {
      return inCentre;
    }
    if (Date.now() > deadline) {
      throw new Error(`no notification "${text}"`);
    }
    if (round % 6 === 5) {
      // Open the centre (it stays open) to see notifications that were not toasted.
      await page.keyboard.press('F1');
      await page.locator('.quick-input-widget input').fill('>Notifications: Show Notifications');
      await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Show Notifications' }).first().click().catch(() => page.keyboard.press('Escape'));
    }
    await page.waitForTimeout(500);
  }
}

/** Debug aid: the workbench's log files live in the browser's IndexedDB when extensions run there. */
export async function dumpBrowserLogs(page: any): Promise<string> {
  return page.evaluate(async () => {
    const out: string[] = [];
    const dbs = await indexedDB.databases();
    for (const info of dbs) {
      if (!info.name || !/vscode-web-db/.test(info.name)) {
        continue;
      }
      const db: IDBDatabase = await new Promise((resolve, reject) => {
        const r = indexedDB.open(info.name!);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        const entries: Array<[IDBValidKey, unknown]> = await new Promise((resolve) => {
          const tx = db.transaction(store, 'readonly');
          const req = tx.objectStore(store).openCursor();
          const acc: Array<[IDBValidKey, unknown]> = [];
          req.onsuccess = () => {
            const c = req.result;
            if (c) {
              acc.push([c.key, c.value]);
              c.continue();
            } else {
              resolve(acc);
            }
          };
        });
        for (const [key, value] of entries) {
          const text = value instanceof Uint8Array ? new TextDecoder().decode(value) : typeof value === 'string' ? value : '';

          if (/spotify|exthost|window/i.test(String(key))) {
            out.push(`--- ${info.name}/${store}/${String(key)}\n${text.slice(-3000)}`);
          }
        }
      }
    }
    return out.join('\n');
  });
}
