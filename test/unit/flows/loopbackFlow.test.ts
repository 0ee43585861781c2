import * as assert from 'assert';
import { english } from '../../../src/auth/describeError';
import { CallbackRouter } from '../../../src/flows/callbackRouter';
import { FlowContext, FlowHost } from '../../../src/flows/flow';
import { LOOPBACK_REGISTERED_URI, loopbackFlow, LoopbackServer } from '../../../src/flows/node/loopbackFlow';
import { pasteFlow, PASTE_REDIRECT_URI } from '../../../src/flows/pasteFlow';
import { CallbackError, CancellationError, OAuthError } from '../../../src/oauth/errors';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../../emulator/emulator';
import { captureLogger } from '../helpers';
import { client } from '../session/fixtures';

describe('flows: loopback and paste against the emulator', () => {
  let emu: SpotifyEmulator;
  beforeEach(async () => {
    emu = new SpotifyEmulator({ autoApprove: true, apps: [{ clientId: DEFAULT_CLIENT_ID, redirectUris: [LOOPBACK_REGISTERED_URI] }] });
    await emu.start();
  });
  afterEach(() => emu.stop());

  /** A browser that follows Spotify's redirect with a real HTTP request, as Chromium would. */
  function context(over: Partial<FlowContext> & { beforeFollow?: (location: string) => Promise<void> } = {}) {
    const log = captureLogger();
    const pages: Array<{ status: number; text: string; location: string }> = [];
    const host: FlowHost = {
      extensionId: 'p.e',
      t: english,
      uriScheme: 'vscode',
      environment: { remoteExtensionHost: false, webUi: false, webWorkerExtensionHost: false },
      relay: () => ({ url: 'https://vscode.dev/redirect', custom: false }),
      asExternalUri: async (u) => u,
      openExternal: async (url) => {
        const res = await fetch(url, { redirect: 'manual' });
        const location = res.headers.get('location')!;
        setTimeout(async () => {
          await over.beforeFollow?.(location);
          const page = await fetch(location, { redirect: 'manual' });
          pages.push({ status: page.status, text: await page.text(), location });
        }, 0);
        return true;
      },
      showInputBox: async () => undefined,
    };
    const ctx: FlowContext = {
      client: client(emu),
      scopes: ['user-read-private'],
      showDialog: false,
      host,
      router: new CallbackRouter(log.logger),
      logger: log.logger,
      signal: new AbortController().signal,
      ...over,
    };
    return { ctx, pages };
  }

  it('signs in through a one-shot server on 127.0.0.1 at a free port, registered without a port', async () => {
    const { ctx, pages } = context();
    const result = await loopbackFlow.authorize(ctx);
    assert.match(result.pending.redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    assert.strictEqual(await loopbackFlow.redirectUri(ctx.host), LOOPBACK_REGISTERED_URI);
    assert.ok((await ctx.client.exchangeCode(result.pending, result.code)).access_token);
    await until(() => pages.length === 1);
    assert.strictEqual(pages[0].status, 200);
    assert.match(pages[0].text, /You may close this tab/);
    // One shot: the server is gone.
    await assert.rejects(fetch(pages[0].location), /fetch failed/);
  });

  it('ignores forged states, other paths and methods, never redirects, then takes the genuine callback', async () => {
    const answers: number[] = [];
    const { ctx } = context({
      beforeFollow: async (location) => {
        const base = new URL(location);
        const forged = new URL(location);
        forged.searchParams.set('state', 'forged');
        answers.push((await fetch(forged, { redirect: 'manual' })).status);
        answers.push((await fetch(`${base.origin}/other?code=x&state=${base.searchParams.get('state')}`, { redirect: 'manual' })).status);
        answers.push((await fetch(location, { method: 'POST', redirect: 'manual' })).status);
        answers.push((await fetch(`${base.origin}/callback?error=access_denied&state=nope`, { redirect: 'manual' })).status);
      },
    });
    const result = await loopbackFlow.authorize(ctx);
    assert.deepStrictEqual(answers, [400, 404, 404, 400]);
    assert.ok(result.code);
    assert.strictEqual(ctx.router.ignored, 2);
  });

  it('a denial at Spotify ends the flow with access_denied and a closing page', async () => {
    emu.config.autoApprove = false;
    const { ctx, pages } = context();
    ctx.host.openExternal = async (url) => {
      const page = await (await fetch(url)).text();
      const id = /name="id" value="([^"]+)"/.exec(page)![1];
      const res = await fetch(`${emu.url}/authorize/decision`, {
        method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ id, decision: 'deny' }).toString(),
      });
      const back = await fetch(res.headers.get('location')!);
      pages.push({ status: back.status, text: await back.text(), location: '' });
      return true;
    };
    await assert.rejects(loopbackFlow.authorize(ctx), (e: unknown) => e instanceof OAuthError && e.error === 'access_denied');
    assert.match(pages[0].text, /Sign-in declined.*You declined in Spotify, so nothing was shared/);
    assert.doesNotMatch(pages[0].text, /Signed in/);
  });

  it('closes its server on cancellation', async () => {
    const ac = new AbortController();
    let port = 0;
    const { ctx } = context({ signal: ac.signal });
    ctx.host.openExternal = async (url) => {
      port = Number(new URL(new URL(url).searchParams.get('redirect_uri')!).port);
      setTimeout(() => ac.abort(), 10);
      return true;
    };
    await assert.rejects(loopbackFlow.authorize(ctx), CancellationError);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/callback`), /fetch failed/);
  });

  it('binds the loopback address only', async () => {
    const server = await LoopbackServer.start();
    try {
      const addr = (server as unknown as { server: import('net').Server }).server.address() as import('net').AddressInfo;
      assert.strictEqual(addr.address, '127.0.0.1');
    } finally {
      await server.close();
    }
  });

  it('paste: a pasted address of another sign-in fails clearly instead of hanging', async () => {
    emu.config.apps[0] = { ...emu.config.apps[0], redirectUris: [PASTE_REDIRECT_URI] };
    const { ctx } = context();
    let validation: string | undefined;
    ctx.host.openExternal = async () => true;
    ctx.host.showInputBox = async (opts) => {
      const other = 'http://127.0.0.1/callback?code=abc&state=someone-else';
      validation = opts.validate(other);
      return other;
    };
    await assert.rejects(pasteFlow.authorize(ctx), (e: unknown) => e instanceof CallbackError && e.reason === 'state_mismatch');
    assert.match(validation!, /not the address of this sign-in/);
  });

  it('paste: dismissing the input box cancels', async () => {
    const { ctx } = context();
    ctx.host.openExternal = async () => true;
    await assert.rejects(pasteFlow.authorize(ctx), CancellationError);
    assert.strictEqual(ctx.router.size, 0);
  });
});

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.ok(ok(), 'condition reached');
}
