import * as assert from 'assert';
import { CallbackRouter } from '../../../src/flows/callbackRouter';
import { FlowUnavailableError, openAuthorization } from '../../../src/flows/flow';
import { CallbackHandoff, handoffKey, HANDOFF_KEY_PREFIX } from '../../../src/flows/handoff';
import { LOOPBACK_REGISTERED_URI, loopbackFlow } from '../../../src/flows/node/loopbackFlow';
import { OAuthError } from '../../../src/oauth/errors';
import { generateNonce } from '../../../src/flows/relayFlow';
import { redirectUriMatches, registrationProblem } from '../../../src/oauth/redirectUri';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../../emulator/emulator';
import { captureLogger, SharedSecretStorage, tick, until } from '../helpers';
import { client } from '../session/fixtures';
import { world } from '../world';

describe('oauth/redirectUri: what the extension may send', () => {
  it('exact text, or a port added to a port-less loopback registration', () => {
    assert.ok(redirectUriMatches('https://vscode.dev/redirect', 'https://vscode.dev/redirect'));
    assert.ok(!redirectUriMatches('https://vscode.dev/redirect', 'https://vscode.dev/redirect/'));
    assert.ok(!redirectUriMatches('vscode://p.e/callback', 'vscode://p.e/callback?windowId=1'));
    assert.ok(redirectUriMatches('http://127.0.0.1/callback', 'http://127.0.0.1:49152/callback'));
    assert.ok(!redirectUriMatches('http://127.0.0.1/callback', 'http://127.0.0.1:49152/callback?x'));
    assert.ok(!redirectUriMatches('http://127.0.0.1/callback', 'http://127.0.0.1:70000/callback'));
    assert.ok(!redirectUriMatches('http://localhost/callback', 'http://localhost:1/callback'));
    assert.ok(redirectUriMatches('http://127.0.0.1', 'http://127.0.0.1:8000'));
    assert.ok(!redirectUriMatches('http://127.0.0.1', 'http://127.0.0.1:8000/'));
  });

  it('the relay setting must be a URI Spotify lets the user register', () => {
    assert.strictEqual(registrationProblem('https://relay.example.org/r'), undefined);
    assert.strictEqual(registrationProblem('http://127.0.0.1:9/redirect'), undefined);
    assert.match(registrationProblem('http://localhost:9/redirect')!, /https/);
    assert.match(registrationProblem('http://relay.example.org/r')!, /https/);
    assert.match(registrationProblem('https://relay.example.org/r#x')!, /fragment/);
    assert.match(registrationProblem('relay')!, /not a URL/);
  });
});

describe('flows: the registrable-URI guard', () => {
  let emu: SpotifyEmulator;
  beforeEach(async () => {
    emu = new SpotifyEmulator({ autoApprove: true, apps: [{ clientId: DEFAULT_CLIENT_ID, redirectUris: [LOOPBACK_REGISTERED_URI] }] });
    await emu.start();
  });
  afterEach(() => emu.stop());

  it('a flow about to send anything but its registered URI fails before the browser opens', async () => {
    const t = world(emu);
    let opened = 0;
    const ctx = { ...baseCtx(t), host: { ...t.host, openExternal: async () => !!++opened } };
    await assert.rejects(openAuthorization(ctx, 'vscode://x/callback?windowId=1', 'vscode://x/callback'), FlowUnavailableError);
    await assert.rejects(openAuthorization(ctx, 'http://127.0.0.1:5/callback?a=1', LOOPBACK_REGISTERED_URI), FlowUnavailableError);
    assert.strictEqual(opened, 0);
    assert.strictEqual(t.router.size, 0);
  });

  it('loopback in a Remote window whose extension host is remote: the forwarded 127.0.0.1 port, or step aside', async () => {
    const remote = { remoteExtensionHost: true, webUi: false, webWorkerExtensionHost: false };
    // code-server style: a proxy path is no 127.0.0.1 address.
    const proxied = world(emu);
    const ctx1 = { ...baseCtx(proxied), host: { ...proxied.host, environment: remote, asExternalUri: async () => 'http://127.0.0.1:8080/proxy/5000/' } };
    await assert.rejects(loopbackFlow.authorize(ctx1), (e: unknown) => e instanceof FlowUnavailableError && /not a 127\.0\.0\.1 address/.test((e as Error).message));
    // desktop Remote style: forwarded to another local port, which the browser reaches.
    const forwarded = world(emu);
    const seen: string[] = [];
    const ctx2 = {
      ...baseCtx(forwarded),
      host: {
        ...forwarded.host,
        environment: remote,
        asExternalUri: async (u: string) => u.replace(/:(\d+)\//, (_m, p) => `:${Number(p) + 1}/`),
        openExternal: async (url: string) => {
          const sent = new URL(url).searchParams.get('redirect_uri')!;
          seen.push(sent);
          const res = await fetch(url, { redirect: 'manual' });
          // The forwarding: the browser's port +1 reaches the server's port.
          const location = res.headers.get('location')!.replace(/:(\d+)\//, (_m, p) => `:${Number(p) - 1}/`);
          setTimeout(() => void fetch(location).catch(() => undefined), 0);
          return true;
        },
      },
    };
    const result = await loopbackFlow.authorize(ctx2);
    assert.ok(result.code);
    assert.match(seen[0], /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    assert.strictEqual(result.pending.redirectUri, seen[0]);
  });

  function baseCtx(t: ReturnType<typeof world>) {
    return { client: client(emu), scopes: ['user-read-private'], showDialog: false, host: t.host, router: t.router, logger: t.log.logger, signal: new AbortController().signal };
  }
});

describe('flows: the relay\'s nonce and state', () => {
  const N1 = 'a1'.repeat(24);
  const N2 = 'b2'.repeat(24);

  it('a redirect whose nonce matches completes, whatever its state says; a replay is ignored', async () => {
    const router = new CallbackRouter(captureLogger().logger);
    const state = encodeURIComponent(`vscode://p.e/callback?nonce=${N1}&windowId=1`);
    const waiting = router.expect(state, new AbortController().signal, N1);
    // Desktop decodes the query once, so the state arrives one level more decoded than sent.
    assert.strictEqual(router.handle(`?nonce=${N1}&windowId=1&code=c&state=${encodeURIComponent(decodeURIComponent(state))}`), true);
    assert.strictEqual(await waiting, 'c');
    assert.strictEqual(router.handle(`?nonce=${N1}&code=c&state=${encodeURIComponent(state)}`), false, 'single use');
    assert.strictEqual(router.ignored, 1);
  });

  it('with no state at all, or a host\'s own extra state (Codespaces), once the nonce matched', async () => {
    const router = new CallbackRouter(captureLogger().logger);
    const first = router.expect('OURS', new AbortController().signal, N1);
    const second = router.expect('OURS2', new AbortController().signal, N2);
    assert.strictEqual(router.handle(`?nonce=${N1}&code=c1`), true);
    assert.strictEqual(router.handle(`?nonce=${N2}&code=c2&state=aaaa&state=OURS2`), true);
    assert.deepStrictEqual(await Promise.all([first, second]), ['c1', 'c2']);
    assert.strictEqual(router.ignored, 0);
  });

  it('a missing, unknown, repeated or used nonce is ignored and counted; the genuine one still completes', async () => {
    const { logger, lines } = captureLogger();
    const router = new CallbackRouter(logger);
    const waiting = router.expect('OURS', new AbortController().signal, N2);
    let settled = false;
    waiting.then(() => (settled = true), () => (settled = true));
    const forged = [
      '?code=x&state=OURS', // missing: a relay wait is never found by its state
      '?nonce=forged&code=x&state=OURS', // unknown
      `?nonce=${N2.toUpperCase()}&code=x`, // a near miss
      `?nonce=${N2}&nonce=${N2}&code=x`, // repeated: ambiguous
      `?nonce=${N2}&nonce=other&code=x`,
      '?nonce=&code=x', // empty
      `?nonce=${N2}x&code=x`,
      `?error=access_denied&nonce=${N1}`, // a forged refusal with another nonce cancels nothing
    ];
    for (const q of forged) {
      assert.strictEqual(router.handle(q), false, q);
    }
    await tick(1);
    assert.strictEqual(settled, false, 'no forged callback ended the sign-in');
    assert.strictEqual(router.ignored, forged.length);
    assert.ok(lines.some((l) => /^warn Ignored a Spotify redirect/.test(l)));
    assert.strictEqual(router.handle(`?nonce=${N2}&code=genuine`), true);
    assert.strictEqual(await waiting, 'genuine');
    assert.strictEqual(router.handle(`?nonce=${N2}&code=again`), false, 'already used');
    assert.strictEqual(router.ignored, forged.length + 1);
  });

  it('a refusal carrying the nonce ends that sign-in with Spotify\'s error', async () => {
    const router = new CallbackRouter(captureLogger().logger);
    const waiting = router.expect('OURS', new AbortController().signal, N1);
    assert.strictEqual(router.handle(`?nonce=${N1}&error=access_denied`), true);
    await assert.rejects(waiting, (e: unknown) => e instanceof OAuthError && e.error === 'access_denied');
  });

  it('the relay flow files its nonce before the browser opens, and one nonce per sign-in', async () => {
    const e = new SpotifyEmulator({ autoApprove: true, apps: [{ clientId: DEFAULT_CLIENT_ID, redirectUris: ['https://vscode.dev/redirect'] }] });
    await e.start();
    try {
      const t = world(e, { flows: 'relay' });
      const open = t.host.openExternal;
      const filed: number[] = [];
      t.host.openExternal = (url) => {
        filed.push(t.router.size);
        return open(url);
      };
      await t.service.createSession(['user-read-private']);
      await t.service.createSession(['user-read-private'], { accountId: 'emu-alice' });
      assert.deepStrictEqual(filed, [1, 1], 'the wait was filed when the browser opened');
      const nonces = e.authorizeRequests.map((p) => /nonce=([0-9a-f]+)/.exec(decodeURIComponent(p.get('state')!))![1]);
      assert.strictEqual(nonces.length, 2);
      assert.notStrictEqual(nonces[0], nonces[1]);
      assert.strictEqual(t.router.size, 0, 'each nonce forgotten once used');
      assert.strictEqual(t.router.handle(`nonce=${nonces[0]}&code=replayed`), false, 'a used nonce finds nothing');
    } finally {
      await e.stop();
    }
  });

  it('the nonce: 192 random bits in hex, never the same twice', () => {
    const seen = new Set(Array.from({ length: 200 }, () => generateNonce()));
    assert.strictEqual(seen.size, 200);
    for (const n of seen) {
      assert.match(n, /^[0-9a-f]{48}$/);
    }
  });
});

describe('flows/handoff: a redirect that lands in another window', () => {
  it('is passed on only for a live announcement, once, and the entry is removed', async () => {
    const shared = new SharedSecretStorage();
    const waiting = new CallbackHandoff(shared.window(), captureLogger().logger);
    const other = new CallbackHandoff(shared.window(), captureLogger().logger);
    const got: string[] = [];
    const ac = new AbortController();
    await waiting.announce('S1', ac.signal, (q) => got.push(q));
    assert.strictEqual(await other.forward('code=c&state=S2'), false, 'unannounced');
    assert.strictEqual(await other.forward('code=c'), false, 'no state');
    assert.strictEqual(await other.forward('code=c&state=S1'), true);
    await until(() => got.length === 1);
    assert.deepStrictEqual(got, ['code=c&state=S1']);
    await until(() => !shared.data.has(HANDOFF_KEY_PREFIX) && ![...shared.data.keys()].some((k) => k.startsWith(HANDOFF_KEY_PREFIX)));
    assert.strictEqual(await other.forward('code=c&state=S1'), false, 'a replay finds nothing');
    ac.abort();
  });

  it('the key names no state; an expired or aborted announcement passes nothing', async () => {
    const shared = new SharedSecretStorage();
    let now = 1_000_000;
    const waiting = new CallbackHandoff(shared.window(), captureLogger().logger, () => now);
    const other = new CallbackHandoff(shared.window(), captureLogger().logger, () => now);
    const key = await handoffKey('secret-state-value');
    assert.match(key, /^spotify\.handoff\.[0-9a-f]{32}$/);
    assert.ok(!key.includes('secret-state-value'));
    const ac = new AbortController();
    await waiting.announce('secret-state-value', ac.signal, () => assert.fail('nothing may arrive'));
    now += 11 * 60_000;
    assert.strictEqual(await other.forward('code=c&state=secret-state-value'), false, 'expired');
    ac.abort();
    await tick(5);
    assert.strictEqual(shared.data.has(key), false, 'removed when the wait ended');
    assert.strictEqual(await other.forward('code=c&state=secret-state-value'), false);
  });
});
