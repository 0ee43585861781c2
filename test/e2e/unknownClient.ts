/**
 * A newcomer's typo: a well-formed Client ID that Spotify does not know. Spotify shows
 * "INVALID_CLIENT: Invalid client" in the browser and never comes back, so after 20 s the waiting
 * notice must name the Client ID as the cause (not only the redirect URI) and offer to set it.
 * Prints `e2e: N passed, N failed`.
 */
import { findNotification, runScenario, Scenario } from './scenario';

const UNKNOWN_CLIENT_ID = 'f'.repeat(32);

async function main(): Promise<number> {
  const s = await Scenario.start({ name: 'unknown-client', settings: { 'spotify.clientId': UNKNOWN_CLIENT_ID } });
  const { page, context } = s;
  try {
    console.log('Unknown Client ID scenario');
    await s.openWorkbench();
    let tab: any;
    await s.step('"Spotify: Sign In" opens Spotify, which shows "INVALID_CLIENT: Invalid client"', async () => {
      const popup = context.waitForEvent('page', { timeout: 30_000 });
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.fill('>Spotify: Sign In');
      await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'Spotify: Sign In' }).first().click();
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
      await hint.getByRole('button', { name: 'Set Client ID' }).click();
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ timeout: 10_000 });
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
  } catch {
    // Counted and pictured by the step.
  }
  return s.finish();
}

runScenario(main);
