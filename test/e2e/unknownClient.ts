/**
 * A newcomer's typo: a well-formed Client ID that Spotify does not know. Spotify shows
 * "INVALID_CLIENT: Invalid client" in the browser and never comes back, so after 20 s the waiting
 * notice must name the Client ID as the cause (not only the redirect URI) and offer to set it.
 * Prints `e2e: N passed, N failed`.
 */
import { runScenario } from './scenario';
import { clickNotificationButton, findNotification, quickInputBox, runCommand } from './workbench';

const UNKNOWN_CLIENT_ID = 'f'.repeat(32);

runScenario({ name: 'unknown-client', settings: { 'spotify.clientId': UNKNOWN_CLIENT_ID } }, async (s) => {
  const { page } = s;
  {
    console.log('Unknown Client ID scenario');
    await s.openWorkbench();
    let tab: any;
    await s.step('"Spotify: Sign In" opens Spotify, which shows "INVALID_CLIENT: Invalid client"', async () => {
      const popup = s.nextTab();
      await runCommand(page, 'Spotify: Sign In');
      tab = await popup;
      await tab.getByText('INVALID_CLIENT: Invalid client').waitFor({ timeout: 20_000 });
      await s.snap('invalid-client-page', tab);
    });
    await s.step('after 20 s the notice names the Client ID as the cause and offers to set it', async () => {
      await page.bringToFront();
      const hint = await findNotification(page, 'Still waiting for Spotify', 40_000);
      const text = await hint.innerText();
      for (const expected of ['INVALID_CLIENT: Invalid client', `Spotify does not know the Client ID ${UNKNOWN_CLIENT_ID}`, 'Illegal scope', 'Invalid redirect URI']) {
        if (!text.includes(expected)) {
          throw new Error(`the notice lacks "${expected}": ${text.slice(0, 400)}`);
        }
      }
      await s.snap('hint-names-client-id');
      await clickNotificationButton(hint, 'Set Client ID');
      const input = await quickInputBox(page);
      if ((await input.inputValue()) !== UNKNOWN_CLIENT_ID) {
        throw new Error(`the Client ID box holds "${await input.inputValue()}"`);
      }
      await s.snap('set-client-id');
      await page.keyboard.press('Escape');
    });
    await s.step('nothing was exchanged: the emulator saw the authorize request only', async () => {
      if (s.emulator.count('GET /authorize') !== 1 || s.emulator.count('token:authorization_code') !== 0) {
        throw new Error(JSON.stringify(s.emulator.counts));
      }
    });
  }
});
