import * as assert from 'assert';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../../emulator/emulator';

/** The emulator must behave as ../shared/spotify-facts.md says, or the other tests prove nothing. */
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

  it('redirect URIs: exact match, port-free loopback, localhost and http refused', () => {
    const problem = (uri: string) => emu.redirectProblem(emu.config.apps[0], uri);
    assert.strictEqual(problem('vscode://p.e/callback'), undefined);
    assert.strictEqual(problem('https://example.org/cb/'), undefined);
    assert.strictEqual(problem('http://127.0.0.1:53123/callback'), undefined, 'any port on a port-less loopback registration');
    assert.strictEqual(problem('https://example.org/cb'), 'INVALID_CLIENT: Invalid redirect URI', 'trailing slash matters');
    assert.strictEqual(problem('VSCODE://p.e/callback'), 'INVALID_CLIENT: Invalid redirect URI', 'case matters');
    assert.strictEqual(problem('http://localhost:53123/callback'), 'INVALID_CLIENT: Insecure redirect URI');
    assert.strictEqual(problem('http://example.org/cb/'), 'INVALID_CLIENT: Insecure redirect URI');
    assert.strictEqual(problem('http://127.0.0.1:5/other'), 'INVALID_CLIENT: Invalid redirect URI');
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
    assert.match(implicit.headers.get('location')!, /error=unsupported_response_type/);
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
});
