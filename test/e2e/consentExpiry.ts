/**
 * Consent that expires on schedule: sign in, move the provider's clock (development-mode test
 * hook) to 180 days after the consent, so its six-month end is days away; the warning names the
 * date and its "Sign In Again" renews the consent in place (same account, one session). Prints
 * `e2e (<host>): N passed, N failed`.
 */
import { DEFAULT_CLIENT_ID } from '../emulator/emulator';
import { runScenario } from './scenario';
import { clickNotificationButton, closeMenus, findNotification, openMenuWith, runCommand } from './workbench';

runScenario({ name: 'consent-expiry', development: true, settings: { 'spotify.clientId': DEFAULT_CLIENT_ID } }, async (s) => {
  const { page } = s;
  console.log('Consent expiry scenario (time moved by the test)');
  await s.openWorkbench();
  await s.step('signs in ("Spotify: Sign In", approve in the browser)', async () => {
    const popup = s.nextTab();
    await runCommand(page, 'Spotify: Sign In');
    const tab = await popup;
    await tab.locator('#approve').click({ timeout: 20_000 });
    await page.bringToFront();
    await page.getByText('Signed in to Spotify as Alice Emulated').first().waitFor({ timeout: 30_000 });
  });
  await s.step('180 days later a warning names the date the consent ends, a week ahead', async () => {
    await runCommand(page, 'Spotify Consumer (test fixture): Move Clock 180 Days');
    const warning = await findNotification(page, 'Your Spotify consent for Alice Emulated ends on');
    const text = await warning.innerText();
    if (!/ends on \d{4}-\d{2}-\d{2}: Spotify ends every consent six months after it was given/.test(text)) {
      throw new Error(`warning: ${text.slice(0, 300)}`);
    }
    await page.waitForTimeout(500); // only for the picture: the toast's slide-in has no end event
    await s.snap('consent-ending-warning');
  });
  await s.step('"Sign In Again" renews the consent for the same account, keeping one session', async () => {
    const before = s.emulator.count('token:authorization_code');
    const popup = s.nextTab();
    const warning = await findNotification(page, 'Your Spotify consent for Alice Emulated ends on');
    await clickNotificationButton(warning, 'Sign In Again');
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
    await closeMenus(page);
    await openMenuWith(page, /Alice Emulated \(Spotify\)/);
    const items = await page.getByRole('menuitem', { name: /Alice Emulated/ }).count();
    await s.snap('one-session-after-renewal');
    await closeMenus(page);
    if (items !== 1) {
      throw new Error(`${items} Alice entries in the Accounts menu`);
    }
  });
});
