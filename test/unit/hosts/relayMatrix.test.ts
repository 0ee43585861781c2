import * as assert from 'assert';
import { registeredRedirectUris } from '../../../src/flows/redirectUris';
import { redirectUriMatches } from '../../../src/oauth/redirectUri';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../../emulator/emulator';
import { RELAY_APPENDS } from '../../emulator/relay';
import { world } from '../world';
import { allModels, HostModel, webModel } from './models';

/**
 * Every host × every way the relay page might append Spotify's parameters: the sign-in completes
 * through the first way the chooser offers, with no warning and no "try another way" on the way,
 * and the exact redirect_uri sent is one of the list the user was told to register (and nothing
 * else is registered). Desktop rows go through VS Code's own URI parsing (the query decoded once
 * before the handler sees it), web rows through their callback page's merge.
 */
function rows(): Array<{ model: () => HostModel; relay?: { url: string; custom: boolean } }> {
  return [
    ...allModels().map((m) => ({ model: () => allModels().find((x) => x.name === m.name)! })),
    {
      // code-server with a relay of the user's own (the integration suite's and the sandbox's setup).
      model: () => webModel('code-server with its own relay (modelled)', 'code-oss', 'http://127.0.0.1:8080/stable-0123abc', { remoteExtensionHost: true, webUi: true, webWorkerExtensionHost: false }),
      relay: { url: 'https://vscode.dev/redirect', custom: true },
    },
  ];
}

describe('host models × relay behaviours: the first way works, with a registered redirect URI', () => {
  let emu: SpotifyEmulator | undefined;
  afterEach(async () => {
    await emu?.stop();
    emu = undefined;
  });

  async function startEmulator(redirectUris: string[]) {
    await emu?.stop();
    emu = new SpotifyEmulator({ autoApprove: true, apps: [{ clientId: DEFAULT_CLIENT_ID, redirectUris }] });
    await emu.start();
    return emu;
  }

  for (const row of rows()) {
    for (const append of RELAY_APPENDS) {
      const name = row.model().name;
      it(`${name}, relay appends ${append}`, async () => {
        // The list shown to the user for this window, then an app registering exactly that.
        const shown = world(await startEmulator([]), { model: row.model(), flows: 'auto', relay: row.relay });
        const list = (await registeredRedirectUris(await shown.flows(), shown.host)).map((r) => r.uri);
        const e = await startEmulator(list);
        const t = world(e, { model: row.model(), flows: 'auto', relay: row.relay });
        t.browser.opts.relayAppend = append;
        const first = (await t.flows())[0];
        const firstUri = await first.redirectUri(t.host);

        const grant = await t.service.createSession(['user-read-private']);

        const sent = e.authorizeRequests.at(-1)!.get('redirect_uri')!;
        assert.ok(list.some((registered) => redirectUriMatches(registered, sent)), `${sent} is in the list shown: ${list.join(', ')}`);
        assert.ok(redirectUriMatches(firstUri, sent), `sent by the first way (${first.id})`);
        assert.deepStrictEqual(t.ui.attempts, [firstUri], 'one attempt: the first way');
        assert.deepStrictEqual(t.ui.offers, [], 'no "try another way"');
        assert.deepStrictEqual(t.log.lines.filter((l) => /^(warn|error) /.test(l)), [], 'no warning on the way');
        assert.strictEqual(t.router.ignored, 0, 'nothing ignored: the genuine redirect was recognised');
        assert.ok(e.isAccessTokenValid(grant.accessToken));
        assert.strictEqual(e.count('token:authorization_code'), 1);
        if (first.id === 'relay') {
          assert.strictEqual(t.browser.redirects.length, 1);
          assert.ok(t.browser.redirects[0].startsWith(`${firstUri}?`), 'Spotify sent the browser to the relay page');
        }
      });
    }
  }
});
