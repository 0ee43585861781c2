import * as assert from 'assert';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../../emulator/emulator';

/** The emulator must behave as Spotify does (as strict, at least), or the other tests prove nothing. */
describe('Spotify emulator fidelity', () => {
  let emu: SpotifyEmulator;
  let base: string;
  const app = { clientId: DEFAULT_CLIENT_ID, redirectUris: ['vscode://p.e/callback', 'http://127.0.0.1/callback', 'https://example.org/cb/'] };

  beforeEach(async () => {
    emu = new SpotifyEmulator({ autoApprove: true, apps: [app] });
    base = await emu.start();
  });
  afterEach(() => emu.stop());

  const authorize = (params: Record<string, string>) => {
    const p = new URLSearchParams({
      client_id: DEFAULT_CLIENT_ID,
      response_type: 'code',
      redirect_uri: 'vscode://p.e/callback',
      state: 's',
      code_challenge_method: 'S256',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      ...params,
    });
    return fetch(`${base}/authorize?${p}`, { redirect: 'manual' });
  };

  it('redirect URIs: exact match, query included; port-free loopback; nothing else', () => {
    const problem = (uri: string) => emu.redirectProblem(emu.config.apps[0], uri);
    const invalid = 'INVALID_CLIENT: Invalid redirect URI';
    assert.strictEqual(problem('vscode://p.e/callback'), undefined);
    assert.strictEqual(problem('https://example.org/cb/'), undefined);
    assert.strictEqual(problem('http://127.0.0.1:53123/callback'), undefined, 'any port on a port-less loopback registration');
    assert.strictEqual(problem('https://example.org/cb'), invalid, 'trailing slash matters');
    assert.strictEqual(problem('VSCODE://p.e/callback'), invalid, 'case matters');
    assert.strictEqual(problem('vscode://p.e/callback?windowId=1'), invalid, 'a query the registration lacks (desktop\'s windowId)');
    assert.strictEqual(problem('vscode://p.e/callback/'), invalid);
    assert.strictEqual(problem('vscode://p.e/callbackX'), invalid, 'no prefix match');
    assert.strictEqual(problem('vscode://p.e/callback#x'), invalid);
    assert.strictEqual(problem('http://127.0.0.1:53123/callback?x=1'), invalid, 'the port is the only latitude');
    assert.strictEqual(problem('http://127.0.0.1:53123/callbackX'), invalid);
    assert.strictEqual(problem('http://localhost:53123/callback'), invalid, 'an unregistered localhost URI is simply invalid');
    assert.strictEqual(problem('http://localhost/callback'), invalid);
    assert.strictEqual(problem('http://example.org/cb/'), invalid);
    assert.strictEqual(problem('http://127.0.0.1:5/other'), invalid);
    assert.strictEqual(problem('http://127.0.0.2:5/callback'), invalid, 'only 127.0.0.1 and [::1] are loopback literals here');
    assert.strictEqual(problem('https://127.0.0.1:53123/callback'), invalid, 'port latitude is for http loopback only');
    emu.config.redirectErrorText = 'redirect_uri: Not matching configuration';
    assert.strictEqual(problem('vscode://p.e/other'), 'redirect_uri: Not matching configuration');
  });

  it('a bare loopback origin registered without a port: any port, compared as text (no slash added)', () => {
    const app = { clientId: DEFAULT_CLIENT_ID, redirectUris: ['http://127.0.0.1', 'http://[::1]/cb', 'http://localhost/callback', 'http://example.org/old'] };
    const problem = (uri: string) => emu.redirectProblem(app, uri);
    assert.strictEqual(problem('http://127.0.0.1'), undefined);
    assert.strictEqual(problem('http://127.0.0.1:8000'), undefined);
    assert.strictEqual(problem('http://127.0.0.1:8000/'), 'INVALID_CLIENT: Invalid redirect URI', 'new URL() would add this slash');
    assert.strictEqual(problem('http://[::1]:9/cb'), undefined);
    // Registered before the rules and insecure: Spotify then names it insecure.
    assert.strictEqual(problem('http://localhost/callback'), 'INVALID_CLIENT: Insecure redirect URI');
    assert.strictEqual(problem('http://localhost:9/callback'), 'INVALID_CLIENT: Invalid redirect URI', 'localhost gets no port latitude');
    assert.strictEqual(problem('http://example.org/old'), 'INVALID_CLIENT: Insecure redirect URI');
  });

  it('agrees with the extension\'s own check on every case above (written apart on purpose)', async () => {
    const { redirectUriMatches } = await import('../../../src/oauth/redirectUri');
    const registered = ['vscode://p.e/callback', 'http://127.0.0.1', 'http://127.0.0.1/callback', 'https://vscode.dev/redirect'];
    const sent = ['vscode://p.e/callback', 'vscode://p.e/callback?windowId=1', 'http://127.0.0.1:8000', 'http://127.0.0.1:8000/', 'http://127.0.0.1:1/callback',
      'http://127.0.0.1:1/callback?a', 'https://vscode.dev/redirect', 'https://vscode.dev/redirect/', 'http://localhost:1/callback', 'http://127.0.0.1:99999999/callback'];
    for (const r of registered) {
      for (const s of sent) {
        const emulatorSays = emu.redirectProblem({ clientId: DEFAULT_CLIENT_ID, redirectUris: [r] }, s) === undefined;
        assert.strictEqual(redirectUriMatches(r, s), emulatorSays, `${r} vs ${s}`);
      }
    }
  });

  it('a rejected redirect URI is a plain-text page, never a redirect', async () => {
    const res = await authorize({ redirect_uri: 'vscode://p.e/other' });
    assert.strictEqual(res.status, 400);
    assert.strictEqual(await res.text(), 'INVALID_CLIENT: Invalid redirect URI');
  });

  it('unknown scopes show "Illegal scope"; the implicit grant is gone', async () => {
    assert.strictEqual(await (await authorize({ scope: 'user-read-private made-up' })).text(), 'Illegal scope');
    const implicit = await authorize({ response_type: 'token' });
    assert.strictEqual(implicit.status, 302);
    assert.strictEqual(implicit.headers.get('location'), 'vscode://p.e/callback#error=unsupported_response_type&state=s', 'in the fragment');
  });

  it('requires PKCE S256', async () => {
    const res = await authorize({ code_challenge_method: 'plain' });
    assert.match(res.headers.get('location')!, /error=invalid_request/);
  });

  it('shows the consent page unless auto-approving, and denial redirects with access_denied and state', async () => {
    emu.config.autoApprove = false;
    const page = await authorize({});
    assert.strictEqual(page.status, 200);
    const html = await page.text();
    assert.match(html, /id="approve"/);
    const id = /name="id" value="([^"]+)"/.exec(html)![1];
    const deny = await fetch(`${base}/authorize/decision`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ id, decision: 'deny' }).toString(),
    });
    assert.strictEqual(deny.headers.get('location'), 'vscode://p.e/callback?error=access_denied&state=s');
  });

  it('does not ask again for consent already given, unless show_dialog=true', async () => {
    emu.config.autoApprove = false;
    const html = await (await authorize({ scope: 'user-read-private' })).text();
    const id = /name="id" value="([^"]+)"/.exec(html)![1];
    const ok = await fetch(`${base}/authorize/decision`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ id, decision: 'approve', user: 'emu-alice' }).toString(),
    });
    const cookie = ok.headers.get('set-cookie')!.split(';')[0];
    const again = await fetch(`${base}/authorize?${new URL((await authorize({})).url).searchParams}`, { redirect: 'manual', headers: { cookie } });
    assert.strictEqual(again.status, 302, 'consent remembered');
    const p = new URL(again.url).searchParams;
    p.set('show_dialog', 'true');
    const forced = await fetch(`${base}/authorize?${p}`, { redirect: 'manual', headers: { cookie } });
    assert.strictEqual(forced.status, 200, 'show_dialog forces the consent page');
  });

  it('counts requests and consumes faults in order', async () => {
    emu.inject({ path: '/v1/me', kind: 'status', status: 500, times: 2 });
    assert.strictEqual((await fetch(`${base}/v1/me`)).status, 500);
    assert.strictEqual((await fetch(`${base}/v1/me`)).status, 500);
    assert.strictEqual((await fetch(`${base}/v1/me`)).status, 401);
    assert.strictEqual(emu.count('GET /v1/me'), 3);
    assert.strictEqual(emu.count('fault:status'), 2);
  });

  it('the relay page forwards only to the targets vscode.dev/redirect serves, appending code and state', async () => {
    const relay = await emu.startRelay();
    assert.match(relay, /^http:\/\/127\.0\.0\.1:\d+\/redirect$/);
    const go = (params: Record<string, string>) => fetch(`${relay}?${new URLSearchParams(params)}`, { redirect: 'manual' });
    const target = 'vscode://p.e/callback?nonce=abc&windowId=2';
    const ok = await go({ code: 'C', state: target });
    assert.strictEqual(ok.status, 302);
    const to = new URL(ok.headers.get('location')!);
    assert.strictEqual(`${to.protocol}//${to.host}${to.pathname}`, 'vscode://p.e/callback');
    assert.deepStrictEqual([...to.searchParams], [['nonce', 'abc'], ['windowId', '2'], ['code', 'C'], ['state', target]]);
    for (const bad of ['code-oss://p.e/callback', 'cursor://p.e/callback', 'https://evil.example/callback', 'https://vscode.dev.evil.example/x', 'not a url']) {
      const res = await go({ code: 'C', state: bad });
      assert.strictEqual(res.status, 400, bad);
      assert.match(await res.text(), /does not forward|not an address/);
    }
    for (const fine of ['https://insiders.vscode.dev/callback?vscode-reqid=1', 'https://x.github.dev/extension-auth-callback?state=1', 'http://127.0.0.1:8080/stable-1/callback']) {
      assert.strictEqual((await go({ code: 'C', state: fine })).status, 302, fine);
    }
    assert.strictEqual((await fetch(`${relay}?code=C`, { redirect: 'manual' })).status, 400, 'no state');
    assert.strictEqual(emu.count('relay:refused'), 6);
  });

  it('the relay page\'s three ways of appending the provider\'s parameters: encoded (default), raw, none', async () => {
    // What a client sends: the callback encoded once more, exactly as the relay flow does.
    const callback = 'vscode://p.e/callback?nonce=ab12&windowId=2';
    const state = encodeURIComponent(callback);
    const query = new URLSearchParams({ code: 'C+/=', state }).toString();
    const via = async (relay: string) => (await fetch(`${relay}?${query}`, { redirect: 'manual' })).headers.get('location')!;
    const other = new SpotifyEmulator();
    let located: { encoded: string; raw: string };
    try {
      located = { encoded: await via(await other.startRelay()), raw: await via(await emu.startRelay(0, '127.0.0.1', 'raw')) };
    } finally {
      await other.stop();
    }
    // The target exactly as the state named it, then the parameters.
    assert.strictEqual(located.encoded, `${callback}&code=C%2B%2F%3D&state=${encodeURIComponent(state)}`);
    assert.deepStrictEqual([...new URL(located.encoded).searchParams].slice(2), [['code', 'C+/='], ['state', state]], 'as the provider sent them');
    assert.strictEqual(located.raw, `${callback}&code=C+/=&state=${state}`);
    assert.deepStrictEqual(new URL(located.raw).searchParams.getAll('state'), [callback], 'one level more decoded');
    const { relayRedirect } = await import('../../emulator/relay');
    const none = relayRedirect(new URL(`http://127.0.0.1/redirect?${query}`), 'none');
    assert.deepStrictEqual(none, { location: `${callback}&code=C%2B%2F%3D` });
    const denied = relayRedirect(new URL(`http://127.0.0.1/redirect?error=access_denied&state=${encodeURIComponent(state)}`), 'none');
    assert.deepStrictEqual(denied, { location: `${callback}&error=access_denied` });
    assert.deepStrictEqual(relayRedirect(new URL(`http://127.0.0.1/redirect?code=C&state=${encodeURIComponent(encodeURIComponent('vscode://p.e/cb#frag'))}`)), {
      location: 'vscode://p.e/cb?code=C&state=vscode%253A%252F%252Fp.e%252Fcb%2523frag#frag',
    }, 'appended before a fragment');
  });
});
