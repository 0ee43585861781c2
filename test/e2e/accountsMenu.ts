/**
 * The browser scenario: a person in the workbench opens the Accounts menu, chooses "Sign in with
 * Spotify", allows the consumer extension, approves on the (emulated) Spotify page in the new tab,
 * and sees the account in the Accounts menu. Real consent dialog, real tab, real URI handler.
 * Screenshots of each step go to test-output/e2e/. Prints `e2e: N passed, N failed`.
 *
 * SPOTIFY_SIGN_IN_FLOW=paste (or loopback) forces that flow through the spotify.signInFlow setting;
 * SPOTIFY_E2E_HOST=web runs the browser bundle in the web worker host; E2E_DEBUG=1 prints the
 * page console and, on failure, the workbench's logs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../emulator/emulator';
import { CHROMIUM_ARGS, freePort, PLAYWRIGHT, REPO, scanLogsForSecrets, startCodeServer } from '../host/codeServer';

const FLOW = process.env.SPOTIFY_SIGN_IN_FLOW ?? 'auto';
/** SPOTIFY_E2E_HOST=web runs the browser bundle in the workbench's web worker host, as vscode.dev would. */
const WEB = process.env.SPOTIFY_E2E_HOST === 'web';
const OUT = path.join(REPO, 'test-output/e2e', WEB ? `web-${FLOW}` : FLOW);

let passed = 0;
let failed = 0;
let shot = 0;

async function main(): Promise<number> {
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  const port = await freePort();
  const emulator = new SpotifyEmulator({
    apps: [{ clientId: DEFAULT_CLIENT_ID, name: 'VS Code (emulated app)', redirectUris: ['http://127.0.0.1/callback'], redirectPrefixes: [`http://127.0.0.1:${port}/`] }],
  });
  const emulatorUrl = await emulator.start(0, '127.0.0.2', WEB ? selfSignedCertificate() : undefined);
  const server = await startCodeServer({
    dir: path.join(OUT, 'host'),
    port,
    extensions: [WEB ? webOnlyCopy() : REPO, path.join(REPO, 'test/fixtures/consumer')],
    settings: {
      'spotify.clientId': DEFAULT_CLIENT_ID,
      'spotify.accountsUrl': emulatorUrl,
      'spotify.apiUrl': emulatorUrl,
      'spotify.signInFlow': FLOW,
      'workbench.startupEditor': 'none',
      'git.openRepositoryInParentFolders': 'never',
    },
    trustedExtensions: [],
    trustedDomains: [emulatorUrl],
    logLevel: 'trace',
  });
  const { chromium } = require(PLAYWRIGHT);
  const context = await chromium.launchPersistentContext(path.join(OUT, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    // Only the web run serves the emulator over TLS, with a certificate made for this run.
    ignoreHTTPSErrors: WEB,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  if (process.env.E2E_DEBUG) {
    page.on('console', (m: any) => console.log(`[console] ${m.type()} ${m.text().slice(0, 400)}`));
  }
  const snap = async (p: any, name: string) => p.screenshot({ path: path.join(OUT, `${String(++shot).padStart(2, '0')}-${name}.png`) }).catch(() => undefined);
  const step = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
      passed++;
      console.log(`  ✔ ${name}`);
    } catch (e) {
      failed++;
      console.log(`  ✘ ${name}: ${(e as Error).message.split('\n')[0]}`);
      console.log(`    emulator requests: ${JSON.stringify(emulator.counts)} ${JSON.stringify(emulator.lastPreflight ?? {})}`);
      if (process.env.E2E_DEBUG) {
        console.log(await dumpBrowserLogs(page));
      }
      await snap(page, `failed-${name.replace(/\W+/g, '-')}`);
      throw e;
    }
  };
  try {
    console.log(`Browser scenario (signInFlow=${FLOW}${WEB ? ', browser bundle in the web worker host' : ''})`);
    await step('the workbench loads with the extension', async () => {
      await page.goto(`${server.url}/?folder=${encodeURIComponent(server.workspace)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await accountsButton(page).waitFor({ timeout: 30_000 });
      await page.waitForTimeout(1500);
      await snap(page, 'workbench');
    });
    await step('the Accounts menu offers "Sign in with Spotify"', async () => {
      await openMenuWith(page, /Sign in with Spotify/);
      await snap(page, 'accounts-menu');
    });
    const popupPromise = context.waitForEvent('page', { timeout: 30_000 });
    await step('choosing it starts the sign-in (allowing the extension when VS Code asks)', async () => {
      await page.getByRole('menuitem', { name: /Sign in with Spotify/ }).first().click();
      // VS Code 1.100 takes the menu choice as consent; other versions ask with a dialog.
      const allow = page.getByRole('button', { name: 'Allow' });
      if (await allow.waitFor({ timeout: 3000 }).then(() => true, () => false)) {
        await snap(page, 'consent-dialog');
        await allow.click();
      }
    });
    let spotifyTab: any;
    await step('a tab opens at Spotify\'s (emulated) consent page', async () => {
      spotifyTab = await popupPromise;
      await spotifyTab.waitForLoadState();
      if (!spotifyTab.url().startsWith(emulatorUrl)) {
        throw new Error(`the new tab is at ${spotifyTab.url().split('?')[0]}`);
      }
      await spotifyTab.locator('#approve').waitFor({ timeout: 20_000 });
      await snap(page, 'waiting-notification');
      await snap(spotifyTab, 'spotify-consent');
    });
    await step('approving there brings the sign-in back to VS Code', async () => {
      // What the address bar shows: the redirect target, even when nothing answers there.
      let addressBar = '';
      spotifyTab.on('request', (r: any) => {
        if (r.isNavigationRequest() && /^http:\/\/127\.0\.0\.1(:\d+)?\/callback\?/.test(r.url())) {
          addressBar = r.url();
        }
      });
      await spotifyTab.locator('#approve').click();
      await spotifyTab.waitForLoadState().catch(() => undefined);
      if (FLOW === 'paste') {
        // The browser ends on an address nobody serves; the person copies it into VS Code.
        for (let i = 0; i < 100 && !addressBar; i++) {
          await page.waitForTimeout(100);
        }
        const input = page.locator('.quick-input-widget input');
        await input.waitFor({ timeout: 20_000 });
        await snap(page, 'paste-input'); // before typing: the address holds an authorization code
        await input.fill(addressBar);
        await input.press('Enter');
      }
      if (FLOW === 'loopback') {
        await spotifyTab.getByText('You may close this tab').waitFor({ timeout: 20_000 });
        await snap(spotifyTab, 'loopback-done');
      }
      await page.bringToFront();
      await page.getByText(/Signed in to Spotify|Alice Emulated/).first().waitFor({ timeout: 30_000 }).catch(() => undefined);
    });
    await step('the Accounts menu lists the Spotify account', async () => {
      await page.keyboard.press('Escape');
      await openMenuWith(page, /Alice Emulated \(Spotify\)/);
      await snap(page, 'signed-in');
    });
    await step('no issued code or token appears in the host\'s trace-level logs', async () => {
      const scan = scanLogsForSecrets(path.join(OUT, 'host'), emulator.issued);
      if (scan.leaks > 0 || (!WEB && scan.files === 0)) {
        throw new Error(`${scan.leaks} leaks in ${scan.files} log files`);
      }
    });
    await step('the emulator saw one PKCE code exchange and holds one live grant for the user', async () => {
      if (emulator.count('token:authorization_code') !== 1) {
        throw new Error(`code exchanges: ${emulator.count('token:authorization_code')}`);
      }
      if (emulator.liveRefreshTokens('emu-alice') !== 1) {
        throw new Error('no live grant for the user');
      }
    });
  } catch {
    // The failing step is counted and pictured; the remaining steps depend on it.
  } finally {
    await context.close().catch(() => undefined);
    await server.stop();
    await emulator.stop();
  }
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

/**
 * A throwaway certificate for 127.0.0.2. The web worker host's CSP lets fetch reach https: origins
 * (as accounts.spotify.com is) but of plain-http loopback only 127.0.0.1 and localhost, which
 * code-server's openExternal rewrites into its port proxy; so the web run's emulator speaks TLS.
 */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = path.join(OUT, 'tls');
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
function webOnlyCopy(): string {
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

function accountsButton(page: any): any {
  return page.locator('.activitybar .codicon-accounts-view-bar-icon').first();
}

/**
 * Opens the Accounts menu until it shows an item matching `name`: the menu is built when it opens,
 * and extensions register their sign-in requests a moment after the workbench appears.
 */
async function openMenuWith(page: any, name: RegExp): Promise<void> {
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

main().then(
  (rc) => process.exit(rc),
  (e) => {
    console.error(e);
    console.log(`e2e: ${passed} passed, ${failed + 1} failed`);
    process.exit(2);
  },
);

/** Debug aid: the workbench's log files live in the browser's IndexedDB when extensions run there. */
async function dumpBrowserLogs(page: any): Promise<string> {
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
