import * as assert from 'assert';
import { pasteFlow, PASTE_REDIRECT_URI } from '../../../src/flows/pasteFlow';
import { SignInTimeoutError } from '../../../src/flows/signIn';
import { routeCallbackUri, uriHandlerFlow } from '../../../src/flows/uriHandlerFlow';
import { SpotifyOAuthClient } from '../../../src/oauth/client';
import { CancellationError, OAuthError } from '../../../src/oauth/errors';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../../emulator/emulator';
import { grantKey, INDEX_KEY } from '../../../src/session/grantStore';
import { FakeBrowser } from '../fakeBrowser';
import { SharedSecretStorage } from '../helpers';
import { EXT_ID, world as setup } from '../world';

const REDIRECT = `vscode://${EXT_ID}/callback`;

describe('auth/AuthService (provider logic) against the emulator', () => {
  let emu: SpotifyEmulator;
  beforeEach(async () => {
    emu = new SpotifyEmulator({ apps: [{ clientId: DEFAULT_CLIENT_ID, redirectUris: [REDIRECT, PASTE_REDIRECT_URI] }] });
    await emu.start();
  });
  afterEach(() => emu.stop());

  it('signs in through the URI handler; a consumer getSessions returns it; no secret reaches the log', async () => {
    const t = setup(emu);
    await t.manager.initialize();
    const grant = await t.service.createSession(['user-read-private']);
    assert.strictEqual(grant.account.label, 'Alice Emulated');
    assert.strictEqual(grant.account.id, 'acc-alice-0001');
    assert.deepStrictEqual(grant.scopes, ['user-read-private']);
    const consumer = await t.service.getSessions(['user-read-private']);
    assert.deepStrictEqual(consumer.map((g) => g.id), [grant.id]);
    assert.ok(emu.isAccessTokenValid(consumer[0].accessToken));
    const opened = new URL(t.browser.opened[0]);
    assert.strictEqual(opened.searchParams.get('redirect_uri'), REDIRECT);
    assert.strictEqual(opened.searchParams.get('show_dialog'), null, 'first account: no forced dialog');
    // Stored in SecretStorage, one versioned key per grant, listed in the index.
    assert.strictEqual(JSON.parse(t.shared.data.get(grantKey(grant.id))!).grant.id, grant.id);
    assert.deepStrictEqual(JSON.parse(t.shared.data.get(INDEX_KEY)!).ids, [grant.id]);
    // Leak check over everything logged during the sign-in.
    const secrets = [grant.accessToken, grant.refreshToken!, t.exchanged[0].code, t.exchanged[0].verifier];
    const log = t.log.lines.join('\n');
    assert.ok(t.log.lines.length >= 3, 'the sign-in was logged');
    for (const s of secrets) {
      assert.ok(s && s.length > 20);
      assert.ok(!log.includes(s), 'a secret value appeared in the log');
    }
  });

  it('denied consent: access_denied, nothing stored, no other flow offered', async () => {
    const t = setup(emu, { flows: [uriHandlerFlow, pasteFlow] });
    t.browser.opts.decision = 'deny';
    await assert.rejects(t.service.createSession(['user-read-private']), (e: unknown) => e instanceof OAuthError && e.error === 'access_denied');
    assert.deepStrictEqual(t.ui.offers, []);
    assert.strictEqual(t.shared.data.size, 0);
  });

  it('a forged callback with the wrong state is ignored and the genuine one still completes', async () => {
    const t = setup(emu);
    const deliver = t.browser.opts.deliver;
    t.browser.opts.deliver = (url) => {
      const forged = new URL(url);
      forged.searchParams.set('state', 'attacker-state');
      forged.searchParams.set('code', 'attacker-code');
      deliver(forged.toString());
      deliver(url);
    };
    const grant = await t.service.createSession(['user-read-private']);
    assert.ok(emu.isAccessTokenValid(grant.accessToken));
    assert.strictEqual(t.router.ignored, 1);
    assert.strictEqual(emu.count('token:authorization_code'), 1);
  });

  it('a replayed callback after sign-in is ignored (single-use state)', async () => {
    const t = setup(emu);
    let last = '';
    const deliver = t.browser.opts.deliver;
    t.browser.opts.deliver = (url) => {
      last = url;
      deliver(url);
    };
    await t.service.createSession(['user-read-private']);
    const u = new URL(last);
    assert.strictEqual(routeCallbackUri(t.router, { path: u.pathname, query: u.search.slice(1) }), false);
    assert.strictEqual(emu.count('token:authorization_code'), 1);
  });

  it('an injected code (valid state, code from another authorization) fails PKCE: code_verifier was incorrect', async () => {
    const t = setup(emu);
    // The attacker's own authorization, approved in the attacker's browser.
    const attacker = new SpotifyOAuthClient({ clientId: DEFAULT_CLIENT_ID, endpoints: { accounts: emu.url, api: emu.url } });
    const theirs = await attacker.createAuthorizationRequest(REDIRECT, ['user-read-private']);
    let attackerCode = '';
    await new FakeBrowser({ deliver: (url) => (attackerCode = new URL(url).searchParams.get('code')!) }).open(theirs.url);
    await new Promise((r) => setTimeout(r, 10));
    t.browser.opts.rewrite = (url) => {
      const u = new URL(url);
      u.searchParams.set('code', attackerCode);
      return u.toString();
    };
    await assert.rejects(t.service.createSession(['user-read-private']), (e: unknown) => e instanceof OAuthError && e.errorDescription === 'code_verifier was incorrect');
    assert.deepStrictEqual(await t.service.getSessions(), []);
  });

  it('times out when the browser never comes back, with a clear error', async () => {
    const t = setup(emu, { timeoutMs: 100 });
    t.browser.opts.deliver = () => undefined;
    await assert.rejects(t.service.createSession(['user-read-private']), (e: unknown) => e instanceof SignInTimeoutError && /No answer from the browser/.test(e.message));
    assert.strictEqual(t.router.size, 0, 'the pending state is forgotten');
  });

  it('cancellation from the progress notification stops the sign-in', async () => {
    const t = setup(emu);
    t.browser.opts.deliver = () => undefined;
    t.ui.whileWaiting = (_attempt, task) => {
      const ac = new AbortController();
      setTimeout(() => ac.abort(new CancellationError()), 30);
      return task(ac.signal);
    };
    await assert.rejects(t.service.createSession(['user-read-private']), CancellationError);
    assert.strictEqual(t.router.size, 0);
  });

  it('no Client ID: a cancellation that says so, and no browser opened', async () => {
    const t = setup(emu, { clientId: undefined });
    await assert.rejects(t.service.createSession(['user-read-private']), /needs a Spotify Client ID/);
    assert.deepStrictEqual(t.browser.opened, []);
  });

  it('"try another way": after the URI handler times out, the paste flow signs in', async () => {
    const t = setup(emu, { flows: [uriHandlerFlow, pasteFlow], timeoutMs: 150 });
    const deliver = t.browser.opts.deliver;
    let first = true;
    t.browser.opts.deliver = (url) => {
      if (first) {
        first = false; // the browser swallows the vscode:// link
        return;
      }
      deliver(url);
    };
    const grant = await t.service.createSession(['user-read-private']);
    assert.deepStrictEqual(t.ui.offers, ['paste']);
    assert.strictEqual(new URL(t.browser.opened[1]).searchParams.get('redirect_uri'), PASTE_REDIRECT_URI);
    assert.ok(emu.isAccessTokenValid(grant.accessToken));
  });

  it('unreadable stored data is logged and discarded; sign-in then works', async () => {
    const shared = new SharedSecretStorage();
    shared.data.set('spotify.grants', '{not json');
    shared.data.set(INDEX_KEY, '{not json either');
    const t = setup(emu, { shared });
    await t.manager.initialize();
    assert.deepStrictEqual(await t.service.getSessions(), []);
    assert.ok(t.log.lines.some((l) => /not valid JSON/.test(l)));
    assert.ok(t.log.lines.some((l) => /session index is unreadable/.test(l)));
    assert.ok(await t.service.createSession(['user-read-private']));
  });

  it('more scopes for an account: one consent for the union, the narrower session is replaced in place', async () => {
    const t = setup(emu);
    const first = await t.service.createSession(['user-read-private']);
    const wider = await t.service.createSession(['user-top-read'], { accountId: first.account.id });
    assert.strictEqual(wider.id, first.id, 'same session id');
    assert.deepStrictEqual(wider.scopes, ['user-read-private', 'user-top-read']);
    assert.strictEqual(new URL(t.browser.opened[1]).searchParams.get('scope'), 'user-read-private user-top-read');
    assert.strictEqual(new URL(t.browser.opened[1]).searchParams.get('show_dialog'), null);
    assert.deepStrictEqual((await t.service.getSessions()).map((g) => g.id), [first.id]);
    assert.deepStrictEqual((await t.service.getSessions(['user-top-read'])).map((g) => g.id), [first.id]);
  });

  it('another account: show_dialog=true, both sessions kept, getSessions filters by account', async () => {
    const t = setup(emu);
    const alice = await t.service.createSession(['user-read-private']);
    t.browser.opts.user = 'emu-bob';
    const bob = await t.service.createSession(['user-read-private']);
    assert.strictEqual(new URL(t.browser.opened[1]).searchParams.get('show_dialog'), 'true');
    assert.strictEqual(bob.account.label, 'emu-bob');
    assert.strictEqual((await t.service.getSessions()).length, 2);
    assert.deepStrictEqual((await t.service.getSessions(undefined, alice.account.id)).map((g) => g.id), [alice.id]);
    await t.service.removeSession(alice.id);
    assert.deepStrictEqual((await t.service.getSessions()).map((g) => g.id), [bob.id]);
  });

  it('the token\'s lifetime runs from when the code exchange left, not from after the answer and the profile fetch', async () => {
    const t = setup(emu);
    // Both waits come after the exchange was sent; a lifetime counted later would end up to 1 s too late.
    emu.inject({ path: '/api/token', kind: 'delay', ms: 500 });
    emu.inject({ path: '/v1/me', kind: 'delay', ms: 500 });
    const before = Date.now();
    const g = await t.service.createSession(['user-read-private']);
    const after = Date.now();
    const sentAt = g.expiresAt - 3600_000;
    assert.ok(sentAt >= before, 'counted from this sign-in');
    assert.ok(sentAt <= after - 1000, `counted from ${after - sentAt} ms before the end, not from before both waits`);
  });

  it('refreshSession forces a new token even when not due', async () => {
    const t = setup(emu);
    const g = await t.service.createSession(['user-read-private']);
    const r = await t.service.refreshSession(g.id);
    assert.strictEqual(r.id, g.id);
    assert.notStrictEqual(r.accessToken, g.accessToken);
    await t.service.removeSession(g.id);
    await assert.rejects(t.service.refreshSession(g.id), /signed out/);
  });

  it('scopes as granted: fewer (recorded, the user told once, no sign-in loop), more (recorded), none on refresh (kept)', async () => {
    const t = setup(emu);
    emu.config.withheldScopes = ['user-top-read'];
    const g = await t.service.createSession(['user-read-private', 'user-top-read']);
    assert.deepStrictEqual(g.scopes, ['user-read-private']);
    assert.deepStrictEqual(g.refusedScopes, ['user-top-read']);
    assert.deepStrictEqual(t.ui.refused, [['user-top-read']]);
    // Asking again for the same scopes finds this session instead of starting another sign-in.
    assert.deepStrictEqual((await t.service.getSessions(['user-read-private', 'user-top-read'])).map((x) => x.id), [g.id]);
    assert.strictEqual(t.browser.opened.length, 1);
    // More than asked: Spotify merges earlier consents.
    emu.config.withheldScopes = [];
    emu.config.grantedScopes = 'union';
    t.browser.opts.user = 'emu-bob';
    const bob = await t.service.createSession(['playlist-read-private']);
    t.browser.opts.user = 'emu-alice';
    assert.deepStrictEqual(bob.scopes, ['playlist-read-private']);
    const wider = await t.service.createSession(['playlist-read-private'], { accountId: g.account.id });
    assert.deepStrictEqual(wider.scopes, ['playlist-read-private', 'user-read-private', 'user-top-read'], 'the union Spotify granted is recorded');
    // None on refresh: the stored scopes stay.
    emu.config.omitScopeOnRefresh = true;
    const refreshed = await t.service.refreshSession(wider.id);
    assert.deepStrictEqual(refreshed.scopes, wider.scopes);
  });
});
