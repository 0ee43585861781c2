/**
 * Consent that expires on schedule: sign in, move the provider's clock (development-mode test
 * hook) to 180 days after the consent, so its six-month end is days away; the warning names the
 * date and its "Sign In Again" renews the consent in place (same account, one session). Prints
 * `e2e: N passed, N failed`.
 */
import { DEFAULT_CLIENT_ID } from '../emulator/emulator';
import { findNotification, openMenuWith, runScenario, Scenario } from './scenario';

async function main(): Promise<number> {
  const s = await Scenario.start({ name: 'consent-expiry', development: true, settings: { 'spotify.clientId': DEFAULT_CLIENT_ID } });
  const { page, context } = s;
  const palette = async (command: string) => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.fill(`>${command}`);
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: command }).first().click();
  };
  try {
    console.log('Consent expiry scenario (time moved by the test)');
    await s.openWorkbench();
    await s.step('signs in ("Spotify: Sign In", approve in the browser)', async () => {
      const popup = context.waitForEvent('page', { timeout: 30_000 });
      await palette('Spotify: Sign In');
      const tab = await popup;
      await tab.locator('#approve').click({ timeout: 20_000 });
      await page.bringToFront();
      await page.getByText('Signed in to Spotify as Alice Emulated').first().waitFor({ timeout: 30_000 });
    });
    await s.step('180 days later a warning names the date the consent ends, a week ahead', async () => {
      await palette('Spotify Consumer (test fixture): Move Clock 180 Days');
      const warning = await findNotification(page, 'Your Spotify consent for Alice Emulated ends on');
      const text = await warning.innerText();
      if (!/ends on \d{4}-\d{2}-\d{2}: Spotify ends every consent six months after it was given/.test(text)) {
        throw new Error(`warning: ${text.slice(0, 300)}`);
      }
      await page.waitForTimeout(500); // let the toast settle before the picture
      await s.snap('consent-ending-warning');
    });
    await s.step('"Sign In Again" renews the consent for the same account, keeping one session', async () => {
      const before = s.emulator.count('token:authorization_code');
      const popup = context.waitForEvent('page', { timeout: 30_000 });
      const warning = await findNotification(page, 'Your Spotify consent for Alice Emulated ends on');
      await warning.getByRole('button', { name: 'Sign In Again' }).click();
      await popup; // the consent is remembered: Spotify sends the browser straight back
      for (let i = 0; i < 100 && s.emulator.count('token:authorization_code') === before; i++) {
        await page.waitForTimeout(200);
      }
      if (s.emulator.count('token:authorization_code') !== before + 1) {
        throw new Error('no second code exchange');
      }
      const last = s.emulator.authorizeRequests.at(-1)!;
      if (last.get('scope') !== 'user-read-private' || last.get('show_dialog') !== null) {
        throw new Error(`asked for ${last.get('scope')} with show_dialog=${last.get('show_dialog')}`);
      }
      await page.keyboard.press('Escape');
      await openMenuWith(page, /Alice Emulated \(Spotify\)/);
      const items = await page.getByRole('menuitem', { name: /Alice Emulated/ }).count();
      await s.snap('one-session-after-renewal');
      await page.keyboard.press('Escape');
      if (items !== 1) {
        throw new Error(`${items} Alice entries in the Accounts menu`);
      }
    });
  } catch {
    // Counted and pictured by the step.
  }
  return s.finish();
}

runScenario(main);
