/**
 * The browser scenario: a person in the workbench opens the Accounts menu, chooses "Sign in with
 * Spotify", allows the consumer extension, approves on the (emulated) Spotify page in the new tab,
 * and sees the account in the Accounts menu. Real consent dialog, real tab, real URI handler.
 * Screenshots of each step go to test-output/e2e/. Prints `e2e: N passed, N failed`.
 *
 * SPOTIFY_SIGN_IN_FLOW=paste (or loopback) forces that flow through the spotify.signInFlow setting.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../emulator/emulator';
import { CHROMIUM_ARGS, freePort, PLAYWRIGHT, REPO, startCodeServer } from '../host/codeServer';

const FLOW = process.env.SPOTIFY_SIGN_IN_FLOW ?? 'auto';
const OUT = path.join(REPO, 'test-output/e2e', FLOW);

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
  const emulatorUrl = await emulator.start(0, '127.0.0.2');
  const server = await startCodeServer({
    dir: path.join(OUT, 'host'),
    port,
    extensions: [REPO, path.join(REPO, 'test/fixtures/consumer')],
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
  });
  const { chromium } = require(PLAYWRIGHT);
  const context = await chromium.launchPersistentContext(path.join(OUT, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const snap = async (p: any, name: string) => p.screenshot({ path: path.join(OUT, `${String(++shot).padStart(2, '0')}-${name}.png`) }).catch(() => undefined);
  const step = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
      passed++;
      console.log(`  ✔ ${name}`);
    } catch (e) {
      failed++;
      console.log(`  ✘ ${name}: ${(e as Error).message.split('\n')[0]}`);
      await snap(page, `failed-${name.replace(/\W+/g, '-')}`);
      throw e;
    }
  };
  try {
    console.log(`Browser scenario (signInFlow=${FLOW})`);
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
