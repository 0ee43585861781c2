/**
 * The browser scenario: a person in the workbench opens the Accounts menu, chooses "Sign in with
 * Spotify", approves on the (emulated) Spotify page in the new tab, and sees the account in the
 * Accounts menu. Real workbench, real tab, real URI handler. Screenshots of each step go to
 * test-output/e2e/<flow>/. Prints `e2e: N passed, N failed`.
 *
 * SPOTIFY_SIGN_IN_FLOW=paste (or loopback) forces that flow through the spotify.signInFlow setting;
 * SPOTIFY_E2E_HOST=web runs the browser bundle in the web worker host; E2E_DEBUG=1 prints the
 * page console and, on failure, the workbench's logs.
 */
import { DEFAULT_CLIENT_ID } from '../emulator/emulator';
import { runScenario } from './scenario';
import { allowIfAsked, chooseMenuItem, clickNotificationButton, closeMenus, closeQuickInput, findNotification, openMenuWith, runCommand } from './workbench';

const FLOW = process.env.SPOTIFY_SIGN_IN_FLOW ?? 'auto';
const WEB = process.env.SPOTIFY_E2E_HOST === 'web';
/** Cancel the first way's waiting notice and finish through the way offered next (pasting). */
const CANCEL_FIRST = process.env.SPOTIFY_E2E_CANCEL_FIRST === '1';
const PASTING = FLOW === 'paste' || CANCEL_FIRST;

runScenario({
  name: WEB ? `web-${FLOW}` : CANCEL_FIRST ? `${FLOW}-cancel-first` : FLOW,
  web: WEB,
  settings: { 'spotify.clientId': DEFAULT_CLIENT_ID, 'spotify.signInFlow': FLOW, 'spotify.showStatusBar': true },
}, async (s) => {
  const { page, emulator } = s;
  {
    console.log(`Browser scenario (signInFlow=${FLOW}${WEB ? ', browser bundle in the web worker host' : ''}${CANCEL_FIRST ? ', first way cancelled' : ''})`);
    await s.openWorkbench();
    await s.step('the Accounts menu offers "Sign in with Spotify"', async () => {
      await openMenuWith(page, /Sign in with Spotify/);
      await s.snap('accounts-menu');
    });
    const popupPromise = s.nextTab();
    await s.step('choosing it starts the sign-in (allowing the extension when VS Code asks)', async () => {
      await chooseMenuItem(page, /Sign in with Spotify/);
      // VS Code 1.100 takes the menu choice as consent; other versions ask with a dialog.
      await allowIfAsked(page, popupPromise, () => s.snap('consent-dialog'));
    });
    let spotifyTab: any;
    await s.step('a tab opens at Spotify\'s (emulated) consent page', async () => {
      spotifyTab = await popupPromise;
      await spotifyTab.waitForLoadState();
      if (!spotifyTab.url().startsWith(emulator.url)) {
        throw new Error(`the new tab is at ${spotifyTab.url().split('?')[0]}`);
      }
      await spotifyTab.locator('#approve').waitFor({ timeout: 20_000 });
      await s.snap('waiting-notification');
      await s.snap('spotify-consent', spotifyTab);
      const sent = emulator.authorizeRequests.at(-1)!.get('redirect_uri');
      const expected = FLOW === 'auto' ? s.relayUrl : FLOW === 'loopback' ? /^http:\/\/127\.0\.0\.1:\d+\/callback$/ : 'http://127.0.0.1/callback';
      if (typeof expected === 'string' ? sent !== expected : !expected.test(sent ?? '')) {
        throw new Error(`redirect_uri sent: ${sent}`);
      }
    });
    if (CANCEL_FIRST) {
      await s.step('cancelling the waiting notice offers the next way at once; taking it opens Spotify again', async () => {
        await page.bringToFront();
        const waiting = await findNotification(page, 'Signing in to Spotify');
        await clickNotificationButton(waiting, 'Cancel');
        const offer = await findNotification(page, 'Try another way', 10_000);
        await page.waitForTimeout(500); // let the toast finish sliding in before the picture
        await s.snap('offer-next-way');
        const next = s.nextTab();
        await clickNotificationButton(offer, 'Try Another Way');
        spotifyTab = await next;
        await spotifyTab.locator('#approve').waitFor({ timeout: 20_000 });
        const sent = emulator.authorizeRequests.map((p) => p.get('redirect_uri'));
        if (JSON.stringify(sent) !== JSON.stringify([s.relayUrl, 'http://127.0.0.1/callback'])) {
          throw new Error(`redirect URIs sent: ${sent.join(', ')}`);
        }
      });
    }
    await s.step('approving there brings the sign-in back to VS Code', async () => {
      // What the address bar shows: the redirect target, even when nothing answers there.
      let addressBar = '';
      spotifyTab.on('request', (r: any) => {
        if (r.isNavigationRequest() && /^http:\/\/127\.0\.0\.1(:\d+)?\/callback\?/.test(r.url())) {
          addressBar = r.url();
        }
      });
      await spotifyTab.locator('#approve').click();
      await spotifyTab.waitForLoadState().catch(() => undefined);
      if (PASTING) {
        // The browser ends on an address nobody serves; the person copies it into VS Code.
        for (let i = 0; i < 100 && !addressBar; i++) {
          await page.waitForTimeout(100);
        }
        const input = page.locator('.quick-input-widget input');
        await input.waitFor({ timeout: 20_000 });
        await s.snap('paste-input'); // before typing: the address holds an authorization code
        await input.fill(addressBar);
        await input.press('Enter');
      }
      if (FLOW === 'loopback') {
        await spotifyTab.getByText('You may close this tab').waitFor({ timeout: 20_000 });
        await s.snap('loopback-done', spotifyTab);
      }
      await page.bringToFront();
      await page.getByText(/Signed in to Spotify|Alice Emulated/).first().waitFor({ timeout: 30_000 }).catch(() => undefined);
    });
    await s.verifySignedIn();
    await s.step('the status bar shows the account; its menu offers refresh, sign out, another account, log', async () => {
      const entry = page.locator('.statusbar-item').filter({ hasText: 'Alice Emulated' }).first();
      await entry.waitFor({ timeout: 10_000 });
      await entry.click();
      const list = page.locator('.quick-input-list');
      await list.getByText('Refresh Session').waitFor({ timeout: 10_000 });
      const text = await list.innerText();
      for (const item of ['Sign Out', 'Sign In to Another Account', 'Show Log']) {
        if (!text.includes(item)) {
          throw new Error(`menu lacks "${item}": ${text}`);
        }
      }
      await s.snap('status-bar-menu');
      await closeQuickInput(page);
    });
    if (!WEB && !CANCEL_FIRST && FLOW === 'auto') {
      await s.step('the Accounts menu\'s "Sign in with Spotify to use …" request is gone after the sign-in', async () => {
        await openMenuWith(page, /Alice Emulated \(Spotify\)/);
        const left = await page.getByRole('menuitem', { name: /to use Spotify Consumer/ }).count();
        await closeMenus(page);
        if (left !== 0) {
          throw new Error('the request (badge) is still there');
        }
      });
      await s.step('a wider request (scopes in another order) shows a request; signing in through it widens the session and clears it', async () => {
        await runCommand(page, 'Spotify Consumer (test fixture): Ask for Top Tracks Too');
        await page.getByText('no session has them yet').first().waitFor({ timeout: 10_000 });
        await openMenuWith(page, /Sign in with Spotify to use Spotify Consumer/);
        await s.snap('wider-request');
        const popup = s.nextTab();
        await chooseMenuItem(page, /Sign in with Spotify to use Spotify Consumer/);
        await allowIfAsked(page, popup);
        const tab = await popup;
        await tab.locator('#approve').click({ timeout: 20_000 }); // another account may be chosen: Spotify asks again
        await page.bringToFront();
        await page.getByText('Signed in to Spotify as Alice Emulated').first().waitFor({ timeout: 30_000 });
        await page.waitForTimeout(500);
        await openMenuWith(page, /Alice Emulated \(Spotify\)/);
        const left = await page.getByRole('menuitem', { name: /to use Spotify Consumer/ }).count();
        const alices = await page.getByRole('menuitem', { name: /Alice Emulated/ }).count();
        await s.snap('wider-request-cleared');
        await closeMenus(page);
        if (left !== 0 || alices !== 1) {
          throw new Error(`${left} requests left, ${alices} Alice entries`);
        }
      });
    }
  }
});
