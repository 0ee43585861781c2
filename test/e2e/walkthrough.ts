/**
 * The newcomer's scenario: nothing configured but where Spotify is (the emulator). The person
 * opens the "Sign in to Spotify" walkthrough and follows only it: copies the redirect URI, pastes
 * the Client ID, signs in, approves in the browser. README's pictures come from this run
 * (README_SHOTS=1 copies them to media/readme/).
 */
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_CLIENT_ID } from '../emulator/emulator';
import { REPO } from '../host/codeServer';
import { runScenario } from './scenario';
import { pickQuickItem, quickInputBox, runCommand } from './workbench';

const README_SHOTS: Record<string, string> = {};

runScenario({ name: 'walkthrough', settings: {} }, async (s) => {
  const { page } = s;
  const walkthroughStep = (title: string) => page.locator('.getting-started-step').filter({ hasText: title }).first();
  const stepButton = (label: string) => page.getByRole('button', { name: label, exact: true }).first();
  {
    console.log('Walkthrough scenario (no Client ID configured)');
    await s.openWorkbench();
    await s.step('the "Sign in to Spotify" walkthrough opens from the command palette', async () => {
      await runCommand(page, 'Welcome: Open Walkthrough...');
      const input = await quickInputBox(page);
      await input.fill('Sign in to Spotify');
      await pickQuickItem(page, 'Sign in to Spotify');
      await walkthroughStep('Create your Spotify app').waitFor({ timeout: 20_000 });
      README_SHOTS['walkthrough.png'] = await s.snap('walkthrough');
    });
    await s.step('the set-up steps say that in the sandbox the emulator has done them', async () => {
      if (!(await page.getByText('the built-in Spotify emulator has done this step for you').first().isVisible().catch(() => false))) {
        throw new Error('the step does not say the emulator did it');
      }
    });
    await s.step('step 2 lists the redirect URIs of this window and copies one', async () => {
      await walkthroughStep('Register the redirect URIs').click();
      await stepButton('Copy Redirect URI').click();
      const row = page.locator('.quick-input-list .monaco-list-row').first();
      await row.waitFor({ timeout: 20_000 });
      README_SHOTS['redirect-uris.png'] = await s.snap('redirect-uris');
      // Exactly the fixed list for this window (code-server with a relay of its own): the relay
      // page, and the loopback address the paste fallback uses. Nothing per request.
      const shown: string[] = (await page.locator('.quick-input-widget .quick-input-list .monaco-list-row .label-name').allInnerTexts())
        .map((l: string) => l.trim())
        .filter((l: string) => /^[a-z][a-z0-9+.-]*:\/\//.test(l)); // rows of the earlier walkthrough picker linger in the DOM
      if (JSON.stringify(shown) !== JSON.stringify([s.relayUrl, 'http://127.0.0.1/callback'])) {
        throw new Error(`unexpected list: ${JSON.stringify(shown)}`);
      }
      await row.click();
    });
    await s.step('step 3 takes the Client ID, validating it', async () => {
      await walkthroughStep('Paste the Client ID').click();
      await stepButton('Set Client ID').click();
      const input = await quickInputBox(page, 20_000);
      await input.fill('not-a-client-id');
      await page.getByText('A Client ID is 32 hexadecimal characters').first().waitFor({ timeout: 10_000 });
      await input.fill(DEFAULT_CLIENT_ID);
      README_SHOTS['client-id.png'] = await s.snap('client-id');
      await input.press('Enter');
      await page.getByText(`Saved the Spotify Client ID ${DEFAULT_CLIENT_ID}`).first().waitFor({ timeout: 10_000 });
      // Saved counts as done even when the value was already there (no settings change then).
      const step = walkthroughStep('Paste the Client ID');
      for (let i = 0; i < 50 && !(await step.evaluate((el: Element) => el.querySelector('.codicon.complete') !== null)); i++) {
        await page.waitForTimeout(100);
      }
      if (!(await step.evaluate((el: Element) => el.querySelector('.codicon.complete') !== null))) {
        throw new Error('the Client ID step is not marked done');
      }
      const settings = path.join(s.out, 'host/ud/User/settings.json');
      for (let i = 0; i < 50 && !fs.readFileSync(settings, 'utf8').includes(DEFAULT_CLIENT_ID); i++) {
        await page.waitForTimeout(100);
      }
      if (!fs.readFileSync(settings, 'utf8').includes(DEFAULT_CLIENT_ID)) {
        throw new Error('spotify.clientId was not saved in the user settings');
      }
    });
    let spotifyTab: any;
    await s.step('step 4 signs in: the browser opens Spotify\'s consent page', async () => {
      await walkthroughStep('Sign in').last().click();
      const popup = s.nextTab();
      await stepButton('Sign In').click();
      spotifyTab = await popup;
      await spotifyTab.locator('#approve').waitFor({ timeout: 20_000 });
      README_SHOTS['waiting.png'] = await s.snap('waiting-notification');
      README_SHOTS['spotify-consent.png'] = await s.snap('spotify-consent', spotifyTab);
    });
    await s.step('approving brings the person back to VS Code, signed in', async () => {
      await spotifyTab.locator('#approve').click();
      await page.bringToFront();
      await page.getByText('Signed in to Spotify as Alice Emulated').first().waitFor({ timeout: 30_000 });
      README_SHOTS['signed-in-notification.png'] = await s.snap('signed-in-notification');
    });
    await s.verifySignedIn();
    README_SHOTS['accounts-menu.png'] = path.join(s.out, fs.readdirSync(s.out).find((f) => f.endsWith('-signed-in.png'))!);
  }
  if (s.failed === 0 && process.env.README_SHOTS) {
    const dir = path.join(REPO, 'media/readme');
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, file] of Object.entries(README_SHOTS)) {
      fs.copyFileSync(file, path.join(dir, name));
    }
    console.log(`copied ${Object.keys(README_SHOTS).length} screenshots to media/readme/`);
  }
});
