import * as assert from 'assert';
import { chooseFlows, chooserFacts } from '../../../src/flows/chooser';
import { NODE_FLOWS } from '../../../src/flows/node/flows';
import { pasteFlow } from '../../../src/flows/pasteFlow';
import { relayFlow } from '../../../src/flows/relayFlow';
import { registeredRedirectUris } from '../../../src/flows/redirectUris';
import { uriHandlerFlow } from '../../../src/flows/uriHandlerFlow';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../../emulator/emulator';
import { CancellationError } from '../../../src/oauth/errors';
import { until } from '../helpers';
import { EXT_ID, windows, world } from '../world';
import { allModels, desktopModel, HostModel, webModel } from './models';

/**
 * For every editor the product serves (modelled where it cannot run here, and named so): the
 * list the user is told to register, the exact redirect_uri a sign-in sends (one of that list,
 * character for character), and a whole sign-in against the emulator registering only that list.
 */
const EXPECTED: Record<string, { flows: string[]; list: string[]; sent: string }> = {
  'desktop VS Code, local (modelled)': {
    flows: ['relay', 'uriHandler', 'loopback', 'paste'],
    list: ['https://vscode.dev/redirect', `vscode://${EXT_ID}/callback`, 'http://127.0.0.1/callback'],
    sent: 'https://vscode.dev/redirect',
  },
  'desktop VS Code Insiders (modelled)': {
    flows: ['relay', 'uriHandler', 'loopback', 'paste'],
    list: ['https://insiders.vscode.dev/redirect', `vscode-insiders://${EXT_ID}/callback`, 'http://127.0.0.1/callback'],
    sent: 'https://insiders.vscode.dev/redirect',
  },
  'desktop VS Code, Remote SSH window (modelled)': {
    flows: ['relay', 'uriHandler', 'loopback', 'paste'],
    list: ['https://vscode.dev/redirect', `vscode://${EXT_ID}/callback`, 'http://127.0.0.1/callback'],
    sent: 'https://vscode.dev/redirect',
  },
  'vscode.dev (modelled)': {
    flows: ['relay', 'paste'],
    list: ['https://vscode.dev/redirect', 'http://127.0.0.1/callback'],
    sent: 'https://vscode.dev/redirect',
  },
  'code-server (modelled)': {
    // vscode.dev/redirect does not serve code-server: pasting, unless the user sets a relay of their own.
    flows: ['paste'],
    list: ['http://127.0.0.1/callback'],
    sent: 'http://127.0.0.1/callback',
  },
  'Codespaces in the browser (modelled)': {
    flows: ['relay', 'paste'],
    list: ['https://vscode.dev/redirect', 'http://127.0.0.1/callback'],
    sent: 'https://vscode.dev/redirect',
  },
  'Cursor, a fork with its own scheme (modelled)': {
    flows: ['uriHandler', 'loopback', 'paste'],
    list: [`cursor://${EXT_ID}/callback`, 'http://127.0.0.1/callback'],
    sent: `cursor://${EXT_ID}/callback`,
  },
};

describe('host models: every sign-in sends a redirect URI the user registered', () => {
  let emu: SpotifyEmulator;
  afterEach(() => emu?.stop());

  async function listFor(model: HostModel) {
    const t = world(await startEmulator([]), { model, flows: 'auto' });
    const flows = await t.flows();
    return { flows: flows.map((f) => f.id), list: (await registeredRedirectUris(flows, t.host)).map((r) => r.uri) };
  }

  async function startEmulator(redirectUris: string[]) {
    await emu?.stop();
    emu = new SpotifyEmulator({ autoApprove: true, apps: [{ clientId: DEFAULT_CLIENT_ID, redirectUris }] });
    await emu.start();
    return emu;
  }

  for (const model of allModels()) {
    it(`${model.name}: the fixed list shown, and a sign-in with exactly one of it`, async () => {
      const expected = EXPECTED[model.name];
      const { flows, list } = await listFor(model);
      assert.deepStrictEqual(flows, expected.flows);
      assert.deepStrictEqual(list, expected.list);
      assert.deepStrictEqual((await listFor(model)).list, list, 'the same list every time: nothing per request');
      for (const uri of list) {
        assert.doesNotMatch(uri, /windowId|vscode-reqid|nonce|[?#]/, uri);
      }
      // The user registered exactly the list; nothing else.
      await startEmulator(list);
      const t = world(emu, { model, flows: 'auto' });
      await t.manager.initialize();
      const grant = await t.service.createSession(['user-read-private']);
      const sent = emu.authorizeRequests.at(-1)!.get('redirect_uri');
      assert.strictEqual(sent, expected.sent);
      assert.ok(list.includes(sent!), 'the URI sent is one of those shown');
      assert.deepStrictEqual(t.ui.attempts, [expected.sent], 'the waiting notice named it, and the first way worked');
      assert.ok(emu.isAccessTokenValid(grant.accessToken));
      assert.strictEqual(emu.count('token:authorization_code'), 1);
      assert.strictEqual(t.router.ignored, 0);
    });
  }

  it('code-server (modelled) with the user\'s own relay: the relay first, through code-server\'s callback page', async () => {
    const relay = { url: 'https://vscode.dev/redirect', custom: true };
    const model = webModel('code-server (modelled)', 'code-oss', 'http://127.0.0.1:8080/stable-0123abc', { remoteExtensionHost: true, webUi: true, webWorkerExtensionHost: false });
    await startEmulator(['https://vscode.dev/redirect', 'http://127.0.0.1/callback']);
    const t = world(emu, { model, relay, flows: 'auto' });
    assert.deepStrictEqual((await t.flows()).map((f) => f.id), ['relay', 'paste']);
    const grant = await t.service.createSession(['user-read-private']);
    assert.ok(emu.isAccessTokenValid(grant.accessToken));
    const state = decodeURIComponent(emu.authorizeRequests.at(-1)!.get('state')!);
    assert.match(state, /^http:\/\/127\.0\.0\.1:8080\/stable-0123abc\/callback\?vscode-reqid=\d+&vscode-scheme=code-oss&vscode-authority=spotify-auth\.spotify-authentication&vscode-path=%2Fcallback&vscode-query=nonce%3D[0-9a-f]{48}$/);
  });

  it('desktop VS Code (modelled): the relay\'s state carries this window\'s callback with windowId, and routes to it', async () => {
    await startEmulator(['https://vscode.dev/redirect']);
    const model = desktopModel('desktop VS Code, two windows (modelled)', 'vscode');
    const [first, second] = windows(emu, 2, { model, flows: [relayFlow] });
    model.lastActiveWindow = 0; // the user signs in from the second window; the first was active last
    const grant = await second.service.createSession(['user-read-private']);
    const sentState = emu.authorizeRequests.at(-1)!.get('state')!;
    const state = decodeURIComponent(sentState);
    assert.strictEqual(sentState, encodeURIComponent(state), 'the callback travels encoded once more, as VS Code\'s own sign-ins send it');
    assert.match(state, new RegExp(`^vscode://${EXT_ID.replace(/\./g, '\\.')}/callback\\?nonce=[0-9a-f]{48}&windowId=2$`));
    assert.ok(emu.isAccessTokenValid(grant.accessToken));
    assert.strictEqual(first.router.ignored, 0);
  });

  it('desktop (modelled), direct link landing in another window: the waiting window still signs in', async () => {
    await startEmulator([`vscode://${EXT_ID}/callback`]);
    const model = desktopModel('desktop VS Code, two windows (modelled)', 'vscode');
    const [first, second] = windows(emu, 2, { model, flows: [uriHandlerFlow] });
    await Promise.all([first.manager.initialize(), second.manager.initialize()]);
    model.lastActiveWindow = 1; // the link goes to the other window
    const grant = await first.service.createSession(['user-read-private']);
    assert.ok(emu.isAccessTokenValid(grant.accessToken));
    assert.strictEqual(emu.authorizeRequests.at(-1)!.get('redirect_uri'), `vscode://${EXT_ID}/callback`);
    assert.ok(second.log.lines.some((l) => /Passed a Spotify redirect on/.test(l)));
    assert.ok(first.log.lines.some((l) => /Another window received the Spotify redirect/.test(l)));
    assert.strictEqual(emu.count('token:authorization_code'), 1, 'one exchange, by the waiting window (its verifier never moved)');
    await until(() => second.manager.all().length === 1);
    assert.strictEqual(second.manager.all()[0].id, grant.id, 'the other window sees the session too');
    assert.deepStrictEqual([...first.shared.data.keys()].filter((k) => k.startsWith('spotify.handoff.')), [], 'the handoff entry is gone');
  });

  it('a redirect no window announced is ignored and writes nothing', async () => {
    await startEmulator([`vscode://${EXT_ID}/callback`]);
    const [first, second] = windows(emu, 2, { flows: [uriHandlerFlow] });
    const before = first.shared.writes;
    await second.handleUri('/callback', 'code=forged&state=nobody-announced-this');
    assert.strictEqual(second.router.ignored, 1);
    assert.strictEqual(first.shared.writes, before);
  });

  it('cancelling the first way offers the next at once; cancelling that offer ends the sign-in', async () => {
    await startEmulator(['https://vscode.dev/redirect', 'http://127.0.0.1/callback']);
    const t = world(emu, { flows: [relayFlow, pasteFlow], timeoutMs: 60_000 });
    t.browser.opts.deliver = () => undefined; // the browser never comes back
    const started = Date.now();
    t.ui.whileWaiting = (_attempt, task) => {
      const ac = new AbortController();
      setTimeout(() => ac.abort(new CancellationError()), 20);
      return task(ac.signal);
    };
    t.ui.offerNextFlow = async (_f, next) => {
      t.ui.offers.push(next.id);
      return false;
    };
    await assert.rejects(t.service.createSession(['user-read-private']), (e: Error) => e.name === 'CancellationError');
    assert.deepStrictEqual(t.ui.offers, ['paste']);
    assert.ok(Date.now() - started < 5000, 'offered at once, not after the timeout');
    assert.strictEqual(t.router.size, 0);
  });

  it('every flow of every model passes the registrable-URI guard (none has a per-request part)', async () => {
    for (const model of allModels()) {
      const t = world(await startEmulator([]), { model });
      for (const flow of chooseFlows(await chooserFacts(t.host), 'auto', NODE_FLOWS)) {
        assert.doesNotMatch(await flow.redirectUri(t.host), /windowId|vscode-reqid/, `${model.name} ${flow.id}`);
      }
    }
  });
});
