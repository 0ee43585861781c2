import * as assert from 'assert';
import { chooserFacts, FlowSetting } from '../../../src/flows/chooser';
import { registeredRedirectUris } from '../../../src/flows/redirectUris';
import { DEFAULT_RELAY_URL, INSIDERS_RELAY_URL, relayFromSetting } from '../../../src/flows/relayFlow';
import { SignInAttempt } from '../../../src/flows/signIn';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../../emulator/emulator';
import { desktopModel, HostModel, webModel } from '../hosts/models';
import { EXT_ID, world } from '../world';

/** Values of `spotify.relayUrl` Spotify would not let the user register. */
const MALFORMED = ['not a url', 'http://relay.example.org/r', 'https://relay.example.org/r#x', 'http://localhost:9/redirect'];

describe('flows: the spotify.relayUrl setting', () => {
  it('empty: VS Code\'s page for this editor; a valid value is the user\'s own; a malformed one names the setting', () => {
    assert.deepStrictEqual(relayFromSetting('', 'vscode'), { url: DEFAULT_RELAY_URL, custom: false });
    assert.deepStrictEqual(relayFromSetting(undefined, 'vscode-insiders'), { url: INSIDERS_RELAY_URL, custom: false });
    assert.deepStrictEqual(relayFromSetting(' https://relay.example.org/r ', 'vscode'), { url: 'https://relay.example.org/r', custom: true });
    assert.deepStrictEqual(relayFromSetting(DEFAULT_RELAY_URL, 'vscode'), { url: DEFAULT_RELAY_URL, custom: false });
    for (const bad of MALFORMED) {
      assert.throws(() => relayFromSetting(bad, 'vscode'), (e: Error) => e instanceof TypeError && e.message.startsWith('spotify.relayUrl ') && e.message.includes(bad), bad);
    }
  });
});

describe('flows: a malformed spotify.relayUrl fails only the relay', () => {
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

  /** A window of `model` whose relay setting is `value` (read through the real validation) and whose sign-in setting is `flows`. */
  function badRelayWorld(e: SpotifyEmulator, value: string, flows: FlowSetting, model: HostModel = desktopModel('desktop VS Code (modelled)', 'vscode')) {
    const t = world(e, { model, flows });
    t.host.relay = () => relayFromSetting(value, model.uriScheme);
    const attempts: SignInAttempt[] = [];
    const whileWaiting = t.ui.whileWaiting;
    t.ui.whileWaiting = (attempt, task) => {
      attempts.push(attempt);
      return whileWaiting(attempt, task);
    };
    return { t, flowsNow: t.flows, attempts };
  }

  it('the chooser skips the relay row and every other way stays, on desktop and on the web', async () => {
    const e = await startEmulator([]);
    for (const bad of MALFORMED) {
      const { t, flowsNow } = badRelayWorld(e, bad, 'auto');
      const facts = await chooserFacts(t.host);
      assert.strictEqual(facts.relayForwards, false);
      assert.match(facts.relayProblem!, /^spotify\.relayUrl /);
      assert.deepStrictEqual((await flowsNow()).map((f) => f.id), ['uriHandler', 'loopback', 'paste'], bad);
    }
    const web = webModel('vscode.dev (modelled)', 'vscode', 'https://vscode.dev', { remoteExtensionHost: false, webUi: true, webWorkerExtensionHost: true });
    assert.deepStrictEqual((await badRelayWorld(e, 'not a url', 'auto', web).flowsNow()).map((f) => f.id), ['paste']);
  });

  it('auto: the sign-in goes through the next way at once, and the log and the waiting notice say why', async () => {
    const e = await startEmulator([`vscode://${EXT_ID}/callback`, 'http://127.0.0.1/callback']);
    const { t, attempts } = badRelayWorld(e, 'not a url', 'auto');
    const grant = await t.service.createSession(['user-read-private']);
    assert.ok(e.isAccessTokenValid(grant.accessToken));
    assert.strictEqual(e.authorizeRequests.at(-1)!.get('redirect_uri'), `vscode://${EXT_ID}/callback`);
    assert.deepStrictEqual(t.ui.offers, [], 'the first way offered worked');
    assert.strictEqual(attempts.length, 1);
    assert.strictEqual(attempts[0].note, 'The relay page is not used: spotify.relayUrl is not a URL: "not a url".');
    assert.deepStrictEqual(
      t.log.lines.filter((l) => /^warn /.test(l)),
      ['warn The relay page is not used for this sign-in: spotify.relayUrl is not a URL: "not a url". The other ways back still work; fix or clear the setting to use the relay.'],
    );
  });

  it('with a good relay setting the notice carries no note', async () => {
    const e = await startEmulator([DEFAULT_RELAY_URL]);
    const { t, attempts } = badRelayWorld(e, '', 'auto');
    await t.service.createSession(['user-read-private']);
    assert.strictEqual(attempts.length, 1);
    assert.strictEqual(attempts[0].note, undefined);
    assert.strictEqual(attempts[0].redirectUri, DEFAULT_RELAY_URL);
  });

  for (const forced of ['paste', 'loopback', 'uriHandler'] as const) {
    it(`forced ${forced}: signs in as if the relay setting were fine`, async () => {
      const e = await startEmulator([`vscode://${EXT_ID}/callback`, 'http://127.0.0.1/callback']);
      const { t, attempts } = badRelayWorld(e, 'http://relay.example.org/r', forced);
      const grant = await t.service.createSession(['user-read-private']);
      assert.ok(e.isAccessTokenValid(grant.accessToken));
      assert.deepStrictEqual(attempts.map((a) => a.flow.id), [forced]);
      assert.match(attempts[0].note ?? '', /spotify\.relayUrl/, 'the notice still says the relay setting is broken');
    });
  }

  it('"Copy Redirect URI": lists the other ways\' URIs, for auto and for a forced flow', async () => {
    const e = await startEmulator([]);
    const auto = badRelayWorld(e, 'not a url', 'auto');
    assert.deepStrictEqual((await registeredRedirectUris(await auto.flowsNow(), auto.t.host)).map((r) => r.uri), [`vscode://${EXT_ID}/callback`, 'http://127.0.0.1/callback']);
    const paste = badRelayWorld(e, 'not a url', 'paste');
    assert.deepStrictEqual((await registeredRedirectUris(await paste.flowsNow(), paste.t.host)).map((r) => r.uri), ['http://127.0.0.1/callback']);
  });

  it('forced relay: fails with the setting\'s problem, before the browser opens', async () => {
    const e = await startEmulator([]);
    const { t } = badRelayWorld(e, 'not a url', 'relay');
    await assert.rejects(t.service.createSession(['user-read-private']), (err: Error) => err instanceof TypeError && err.message === 'spotify.relayUrl is not a URL: "not a url"');
    assert.deepStrictEqual(t.browser.opened, []);
    assert.strictEqual(t.router.size, 0);
  });
});
