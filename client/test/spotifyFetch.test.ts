import * as assert from 'assert';
import * as sinon from 'sinon';
import { DEV_MODE_TEXTS } from '../../test/emulator/emulator';
import {
  SpotifyApiError,
  SpotifyClientError,
  SpotifyDevelopmentModeError,
  SpotifyForbiddenError,
  SpotifyInsufficientScopeError,
  SpotifyNetworkError,
  SpotifyNotAllowlistedError,
  SpotifyNotSignedInError,
  SpotifyOwnerPremiumRequiredError,
  SpotifyQuotaExceededError,
  SpotifyRateLimitError,
  SpotifyServerError,
  SpotifyUnauthorizedError,
} from '../src/errors';
import { createSpotifyFetchWith, SpotifyFetchOptions } from '../src/spotifyFetch';
import { fastClock, pooledFetch, World } from './world';

describe('createSpotifyFetch against the emulator', () => {
  let w: World;
  beforeEach(async () => {
    w = await World.start();
  });
  afterEach(() => w.stop());

  function make(over: Partial<SpotifyFetchOptions> = {}, random?: () => number) {
    const c = fastClock(random);
    const log: string[] = [];
    const spotifyFetch = createSpotifyFetchWith(w.host(), { scopes: ['user-read-private'], baseUrl: w.url, log: (l) => log.push(l), ...over }, c.clock);
    return { spotifyFetch, waits: c.waits, log, advance: c.advance };
  }

  const me = async (r: Response) => ((await r.json()) as { id: string }).id;

  describe('the token', () => {
    it('sends the session\'s token as Bearer, in place of any Authorization the caller set', async () => {
      const { spotifyFetch } = make();
      const res = await spotifyFetch('/v1/me', { headers: { Authorization: 'Bearer not-this-one', Accept: 'application/json' } });
      assert.strictEqual(res.status, 200);
      assert.strictEqual(await me(res), 'emu-alice');
      assert.deepStrictEqual(w.getSessionCalls, [{ scopes: ['user-read-private'], interactive: false }]);
    });

    it('https://api.spotify.com URLs (what the SDK sends) go to the base; any other origin never gets the token', async () => {
      const { spotifyFetch } = make();
      assert.strictEqual(await me(await spotifyFetch('https://api.spotify.com/v1/me')), 'emu-alice');
      assert.strictEqual(await me(await spotifyFetch(new URL('https://api.spotify.com/v1/me'))), 'emu-alice');
      const stub = sinon.stub(globalThis, 'fetch');
      try {
        await assert.rejects(spotifyFetch('https://example.com/v1/me'), (e: unknown) => e instanceof SpotifyClientError && /example\.com would receive/.test((e as Error).message));
        await assert.rejects(spotifyFetch('//example.com/v1/me'), SpotifyClientError);
        sinon.assert.notCalled(stub);
      } finally {
        stub.restore();
      }
    });

    it('not signed in: SpotifyNotSignedInError naming the scopes, no request; interactive asks VS Code to prompt', async () => {
      w.signedIn = false;
      const before = w.count('GET /v1/me');
      await assert.rejects(make().spotifyFetch('/v1/me'), (e: unknown) => e instanceof SpotifyNotSignedInError && /user-read-private/.test((e as Error).message));
      assert.strictEqual(w.count('GET /v1/me'), before);
      w.signedIn = true;
      await make({ interactive: true }).spotifyFetch('/v1/me');
      assert.strictEqual(w.getSessionCalls.at(-1)!.interactive, true);
    });

    it('bad options: a clear TypeError at creation', () => {
      assert.throws(() => createSpotifyFetchWith(w.host(), { scopes: 'user-read-private' as never }), /array of Spotify scope names/);
      assert.throws(() => createSpotifyFetchWith(w.host(), { scopes: ['user-read-private user-top-read'] }), /array of Spotify scope names/);
      assert.throws(() => createSpotifyFetchWith(w.host(), { scopes: [], baseUrl: 'ftp://127.0.0.1' }), /http\(s\) URL/);
    });

    it('25 concurrent callers share one getSession round trip and send one request each', async () => {
      const { spotifyFetch } = make();
      const before = w.count('GET /v1/me');
      const ids = await Promise.all(Array.from({ length: 25 }, () => spotifyFetch('/v1/me').then(me)));
      assert.ok(ids.every((id) => id === 'emu-alice'));
      assert.strictEqual(w.count('GET /v1/me') - before, 25);
      assert.strictEqual(w.getSessionCalls.length, 1);
    });
  });

  describe('401', () => {
    it('once, right after a token change (Spotify\'s brief 401): one short retry, no refresh', async () => {
      const { spotifyFetch, waits } = make();
      w.emu.inject({ path: '/v1/me', kind: 'status', status: 401 });
      assert.strictEqual(await me(await spotifyFetch('/v1/me')), 'emu-alice');
      assert.strictEqual(w.count('GET /v1/me'), 2);
      assert.deepStrictEqual(waits, [188]); // 250 ms x 0.75 (random pinned at 0.5)
      assert.strictEqual(w.refreshIfCurrentCalls, 0);
    });

    it('persistent (the token is dead): short retries, then one refreshIfCurrent of exactly that token, then the new token works', async () => {
      const { spotifyFetch, waits } = make();
      const old = w.session.accessToken;
      w.emu.expireAccessTokens();
      assert.strictEqual(await me(await spotifyFetch('/v1/me')), 'emu-alice');
      assert.strictEqual(w.refreshIfCurrentCalls, 1);
      assert.strictEqual(w.refreshes, 1);
      assert.notStrictEqual(w.session.accessToken, old);
      assert.strictEqual(w.count('GET /v1/me'), 5, '1 + 3 short retries + 1 with the new token');
      assert.deepStrictEqual(waits, [188, 375, 750]);
    });

    it('on a token this fetch has used for long: no short retries, straight to the provider', async () => {
      const { spotifyFetch, waits, advance } = make();
      await spotifyFetch('/v1/me');
      advance(61_000);
      w.emu.expireAccessTokens();
      const before = w.count('GET /v1/me');
      await spotifyFetch('/v1/me');
      assert.strictEqual(w.count('GET /v1/me') - before, 2);
      assert.deepStrictEqual(waits, []);
      assert.strictEqual(w.refreshes, 1);
    });

    it('another caller refreshed meanwhile: the new token is used without asking the provider', async () => {
      const host = w.host();
      let calls = 0;
      // The session changes between the 401 and the fetch's second look at it.
      const getSession: typeof host.getSession = async (s, i) => (++calls === 2 && (await w.refresh()), host.getSession(s, i));
      const f = createSpotifyFetchWith({ ...host, getSession }, { scopes: ['user-read-private'], baseUrl: w.url, brief401Retries: 0 }, fastClock().clock);
      w.emu.inject({ path: '/v1/me', kind: 'status', status: 401 });
      assert.strictEqual(await me(await f('/v1/me')), 'emu-alice');
      assert.strictEqual(w.refreshIfCurrentCalls, 0);
      assert.strictEqual(w.refreshes, 1);
      assert.strictEqual(w.count('GET /v1/me'), 2);
    });

    it('still refused after the refresh: SpotifyUnauthorizedError with Spotify\'s text, the provider asked once only', async () => {
      const { spotifyFetch } = make();
      w.emu.inject({ path: '/v1/me', kind: 'status', status: 401, times: 100 });
      await assert.rejects(spotifyFetch('/v1/me'), (e: unknown) => e instanceof SpotifyUnauthorizedError && e.status === 401 && e.spotifyMessage === 'Access token missing' && /sign in to Spotify again/.test(e.message));
      assert.strictEqual(w.refreshIfCurrentCalls, 1);
      assert.strictEqual(w.count('GET /v1/me'), 8, '1 + 3 short retries, then the new token: 1 + 3 short retries (it is new too)');
    });

    it('no provider API reachable (older provider, or another extension host): SpotifyUnauthorizedError', async () => {
      w.providerReachable = false;
      w.emu.expireAccessTokens();
      await assert.rejects(make().spotifyFetch('/v1/me'), (e: unknown) => e instanceof SpotifyUnauthorizedError && e.spotifyMessage === 'The access token expired');
      assert.strictEqual(w.refreshes, 0);
    });

    it('the provider cannot refresh (grant lost): SpotifyUnauthorizedError naming its reason', async () => {
      const host = w.host();
      w.emu.expireAccessTokens();
      const f = createSpotifyFetchWith({ ...host, refreshIfCurrent: async () => Promise.reject(new Error('Your Spotify sign-in for Alice has expired or was revoked. Sign in again.')) }, { scopes: ['user-read-private'], baseUrl: w.url }, fastClock().clock);
      await assert.rejects(f('/v1/me'), (e: unknown) => e instanceof SpotifyUnauthorizedError && /could not be refreshed \(Your Spotify sign-in for Alice/.test(e.message));
    });

    it('1,000 concurrent calls refused on one token: one refreshIfCurrent, one refresh, all succeed', async function () {
      this.timeout(120_000); // 2,000 requests: a shared, busy machine can take a while
      const { spotifyFetch } = make({ fetch: pooledFetch(100), brief401Retries: 0 });
      w.emu.expireAccessTokens();
      const ids = await Promise.all(Array.from({ length: 1000 }, () => spotifyFetch('/v1/me').then(me)));
      assert.ok(ids.every((id) => id === 'emu-alice'));
      assert.strictEqual(w.refreshIfCurrentCalls, 1);
      assert.strictEqual(w.refreshes, 1);
    });
  });

  describe('429', () => {
    it('Retry-After 0: a short backoff, then the answer', async () => {
      const { spotifyFetch, waits } = make();
      w.emu.inject({ path: '/v1/me', kind: 'rateLimit', retryAfter: '0' });
      assert.strictEqual((await spotifyFetch('/v1/me')).status, 200);
      assert.deepStrictEqual(waits, [375]);
    });

    it('Retry-After missing (empty body): the same short backoff', async () => {
      const { spotifyFetch, waits } = make();
      w.emu.inject({ path: '/v1/me', kind: 'rateLimit', emptyBody: true });
      assert.strictEqual((await spotifyFetch('/v1/me')).status, 200);
      assert.deepStrictEqual(waits, [375]);
    });

    it('Retry-After 3: waits 3 s and at most a quarter more, never less', async () => {
      for (const [r, expected] of [[0, 3000], [0.5, 3375], [0.999999, 3750]] as const) {
        const { spotifyFetch, waits } = make({}, () => r);
        w.emu.inject({ path: '/v1/me', kind: 'rateLimit', retryAfter: '3' });
        assert.strictEqual((await spotifyFetch('/v1/me')).status, 200);
        assert.deepStrictEqual(waits, [expected]);
      }
    });

    it('Retry-After 86400: SpotifyRateLimitError at once with the wait asked, no retry', async () => {
      const { spotifyFetch, waits } = make();
      w.emu.inject({ path: '/v1/me', kind: 'rateLimit', retryAfter: '86400' });
      await assert.rejects(spotifyFetch('/v1/me'), (e: unknown) => e instanceof SpotifyRateLimitError && e.retryAfterMs === 86_400_000 && /wait 86400 s/.test(e.message) && e.spotifyMessage === 'API rate limit exceeded');
      assert.strictEqual(w.count('GET /v1/me'), 1);
      assert.deepStrictEqual(waits, []);
    });

    it('the cap is the caller\'s: Retry-After 3 with maxRetryAfterMs 1,000 is not waited out', async () => {
      const { spotifyFetch } = make({ maxRetryAfterMs: 1000 });
      w.emu.inject({ path: '/v1/me', kind: 'rateLimit', retryAfter: '3' });
      await assert.rejects(spotifyFetch('/v1/me'), (e: unknown) => e instanceof SpotifyRateLimitError && e.retryAfterMs === 3000);
    });

    it('QUOTA_EXCEEDED: SpotifyQuotaExceededError at once, never retried', async () => {
      const { spotifyFetch, waits } = make();
      w.emu.inject({ path: '/v1/me', kind: 'rateLimit', retryAfter: '1', quota: true, times: 5 });
      await assert.rejects(spotifyFetch('/v1/me'), (e: unknown) => e instanceof SpotifyQuotaExceededError && e.reason === 'QUOTA_EXCEEDED' && !(e instanceof SpotifyRateLimitError));
      assert.strictEqual(w.count('GET /v1/me'), 1);
      assert.deepStrictEqual(waits, []);
    });
  });

  describe('5xx and network errors', () => {
    for (const status of [500, 502, 503]) {
      it(`${status} on GET: retried with backoff, then the answer`, async () => {
        const { spotifyFetch, waits } = make();
        w.emu.inject({ path: '/v1/me', kind: 'status', status, times: 2 });
        assert.strictEqual((await spotifyFetch('/v1/me')).status, 200);
        assert.deepStrictEqual(waits, [375, 750]);
      });
    }

    it('the seeds\' numbers: 0.5 s doubling to 8 s, times 0.5 to 1.0, then SpotifyServerError', async () => {
      for (const [r, expected] of [[0, [250, 500, 1000, 2000, 4000]], [0.999999, [500, 1000, 2000, 4000, 8000]]] as const) {
        const { spotifyFetch, waits } = make({}, () => r);
        w.emu.inject({ path: '/v1/me', kind: 'status', status: 503, times: 6 });
        await assert.rejects(spotifyFetch('/v1/me'), (e: unknown) => e instanceof SpotifyServerError && e.status === 503);
        assert.deepStrictEqual(waits, expected);
      }
      const { spotifyFetch, waits } = make({ maxRetries: 8 }, () => 0.999999);
      w.emu.inject({ path: '/v1/me', kind: 'status', status: 500, times: 9 });
      await assert.rejects(spotifyFetch('/v1/me'), SpotifyServerError);
      assert.deepStrictEqual(waits.slice(4), [8000, 8000, 8000, 8000], 'never above 8 s');
    });

    it('with the real random source: every backoff within 0.5-1.0x of its ceiling', async () => {
      const waits: number[] = [];
      const f = createSpotifyFetchWith(w.host(), { scopes: ['user-read-private'], baseUrl: w.url }, { sleep: async (ms) => void waits.push(ms) });
      w.emu.inject({ path: '/v1/me', kind: 'status', status: 502, times: 5 });
      assert.strictEqual((await f('/v1/me')).status, 200);
      assert.strictEqual(waits.length, 5);
      waits.forEach((ms, i) => {
        const ceiling = Math.min(8000, 500 * 2 ** i);
        assert.ok(ms >= ceiling / 2 && ms <= ceiling, `retry ${i}: ${ms} ms within [${ceiling / 2}, ${ceiling}]`);
      });
    });

    it('PUT and DELETE are retried; POST is not, unless the caller opts in', async () => {
      const play = await World.start({}, ['user-modify-playback-state', 'user-library-modify']);
      try {
        const f = (over: Partial<SpotifyFetchOptions> = {}) => createSpotifyFetchWith(play.host(), { scopes: ['user-modify-playback-state'], baseUrl: play.url, ...over }, fastClock().clock);
        play.emu.inject({ path: '/v1/me/player/volume', kind: 'status', status: 500 });
        assert.strictEqual((await f()('/v1/me/player/volume?volume_percent=50', { method: 'PUT' })).status, 204);
        assert.strictEqual(play.count('PUT /v1/me/player/volume'), 2);
        play.emu.inject({ path: '/v1/me/tracks', kind: 'status', status: 502 });
        assert.strictEqual((await f()('/v1/me/tracks?ids=4iV5W9uYEdYUVa79Axb7Rh', { method: 'DELETE' })).status, 200);
        assert.strictEqual(play.count('DELETE /v1/me/tracks'), 2);
        play.emu.inject({ path: '/v1/me/player/next', kind: 'status', status: 503 });
        await assert.rejects(f()('/v1/me/player/next', { method: 'POST' }), (e: unknown) => e instanceof SpotifyServerError && e.method === 'POST' && e.path === '/v1/me/player/next');
        assert.strictEqual(play.count('POST /v1/me/player/next'), 1);
        play.emu.inject({ path: '/v1/me/player/next', kind: 'status', status: 503 });
        assert.strictEqual((await f({ retryNonIdempotent: true })('/v1/me/player/next', { method: 'POST' })).status, 204);
        assert.strictEqual(play.count('POST /v1/me/player/next'), 3);
      } finally {
        await play.stop();
      }
    });

    it('a connection reset on GET is retried; on POST it is SpotifyNetworkError at once (it may have been done)', async () => {
      const { spotifyFetch, waits } = make();
      w.emu.inject({ path: '/v1/me', kind: 'reset' });
      assert.strictEqual((await spotifyFetch('/v1/me')).status, 200);
      assert.strictEqual(waits.length, 1);
      w.emu.inject({ path: '/v1/me/player/next', kind: 'reset' });
      await assert.rejects(spotifyFetch('/v1/me/player/next', { method: 'POST' }), (e: unknown) => e instanceof SpotifyNetworkError && e.attempts === 1);
    });

    it('nobody listening: SpotifyNetworkError with the system\'s code after the retries', async () => {
      const url = w.url;
      await w.stop();
      const f = createSpotifyFetchWith(w.host(), { scopes: ['user-read-private'], baseUrl: url, maxRetries: 2 }, fastClock().clock);
      await assert.rejects(f('/v1/me'), (e: unknown) => e instanceof SpotifyNetworkError && e.code === 'ECONNREFUSED' && e.attempts === 3);
      await w.emu.start(); // for afterEach
    });

    it('an answer slower than timeoutMs counts as a network error (and is retried on GET)', async () => {
      // 1 s is far above what a local answer takes, however busy the machine; 30 s far above that.
      const { spotifyFetch } = make({ timeoutMs: 1000, maxRetries: 1 });
      w.emu.inject({ path: '/v1/me', kind: 'delay', ms: 30_000 });
      assert.strictEqual((await spotifyFetch('/v1/me')).status, 200);
      w.emu.inject({ path: '/v1/me', kind: 'delay', ms: 30_000, times: 2 });
      await assert.rejects(spotifyFetch('/v1/me'), (e: unknown) => e instanceof SpotifyNetworkError && e.code === 'timeout');
    });
  });

  describe('403, typed by status and body shape, with Spotify\'s own text', () => {
    it('every allowlist text Spotify has used (plain text): SpotifyNotAllowlistedError', async () => {
      w.emu.config.apps[0] = { ...w.emu.config.apps[0], allowlist: ['someone-else'] };
      for (const [i, text] of DEV_MODE_TEXTS.notAllowlisted.entries()) {
        w.emu.config.notAllowlistedText = i as 0 | 1 | 2 | 3;
        await assert.rejects(make().spotifyFetch('/v1/me'), (e: unknown) =>
          e instanceof SpotifyNotAllowlistedError && e instanceof SpotifyDevelopmentModeError && e instanceof SpotifyForbiddenError && e.status === 403 && e.spotifyMessage === text && e.message.includes(text));
      }
    });

    it('both owner-without-Premium texts: SpotifyOwnerPremiumRequiredError', async () => {
      w.emu.config.apps[0] = { ...w.emu.config.apps[0], ownerPremium: false };
      for (const [i, text] of DEV_MODE_TEXTS.noPremium.entries()) {
        w.emu.config.noPremiumText = i as 0 | 1;
        await assert.rejects(make().spotifyFetch('/v1/me'), (e: unknown) => e instanceof SpotifyOwnerPremiumRequiredError && e instanceof SpotifyDevelopmentModeError && e.spotifyMessage === text);
      }
    });

    it('a wording never seen before (plain text) is still Development Mode', async () => {
      const f = createSpotifyFetchWith(w.host(), { scopes: ['user-read-private'], baseUrl: w.url, fetch: async () => new Response('Something new went wrong with your app.', { status: 403, headers: { 'content-type': 'text/plain' } }) }, fastClock().clock);
      await assert.rejects(f('/v1/me'), (e: unknown) => e instanceof SpotifyDevelopmentModeError && e.spotifyMessage === 'Something new went wrong with your app.');
    });

    it('a scope the session lacks (JSON 403): SpotifyInsufficientScopeError with the session\'s scopes', async () => {
      await assert.rejects(make().spotifyFetch('/v1/me/top/tracks'), (e: unknown) =>
        e instanceof SpotifyInsufficientScopeError && e.spotifyMessage === 'Insufficient client scope' && e.sessionScopes.join() === 'user-read-private' && !(e instanceof SpotifyDevelopmentModeError));
    });

    it('other JSON 403s keep their reason (PREMIUM_REQUIRED on the player)', async () => {
      const body = JSON.stringify({ error: { status: 403, message: 'Player command failed: Premium required', reason: 'PREMIUM_REQUIRED' } });
      const f = createSpotifyFetchWith(w.host(), { scopes: ['user-read-private'], baseUrl: w.url, fetch: async () => new Response(body, { status: 403 }) }, fastClock().clock);
      await assert.rejects(f('/v1/me/player/play', { method: 'PUT' }), (e: unknown) => e instanceof SpotifyForbiddenError && e.constructor === SpotifyForbiddenError && e.reason === 'PREMIUM_REQUIRED');
    });

    it('other error answers: SpotifyApiError with status and Spotify\'s message', async () => {
      await assert.rejects(make().spotifyFetch('/v1/nothing-here'), (e: unknown) => e instanceof SpotifyApiError && e.status === 404 && e.spotifyMessage === 'Service not found');
    });
  });

  describe('cancellation', () => {
    // Each abort comes at a known point (a log line, a request the emulator holds), never after a
    // guessed delay: a slow machine must not change what is tested.
    it('an aborted AbortSignal stops a 429 wait at once; an already aborted one sends nothing', async () => {
      const controller = new AbortController();
      const f = createSpotifyFetchWith(w.host(), { scopes: ['user-read-private'], baseUrl: w.url, log: (l) => /HTTP 429; waiting/.test(l) && controller.abort() });
      w.emu.inject({ path: '/v1/me', kind: 'rateLimit', retryAfter: '30' });
      const started = Date.now();
      await assert.rejects(f('/v1/me', { signal: controller.signal }), (e: unknown) => (e as Error).name === 'AbortError');
      assert.ok(Date.now() - started < 10_000, 'did not wait out Retry-After');
      assert.strictEqual(w.count('GET /v1/me'), 1);
      await assert.rejects(f('/v1/me', { signal: AbortSignal.abort() }), (e: unknown) => (e as Error).name === 'AbortError');
      assert.strictEqual(w.count('GET /v1/me'), 1);
    });

    it('an abort during the request itself rejects with AbortError, not a network error', async () => {
      const f = createSpotifyFetchWith(w.host(), { scopes: ['user-read-private'], baseUrl: w.url });
      w.emu.inject({ path: '/v1/me', kind: 'delay', ms: 30_000 });
      const controller = new AbortController();
      const call = f('/v1/me', { signal: controller.signal });
      while (w.count('GET /v1/me') === 0) {
        await new Promise((r) => setTimeout(r, 5));
      }
      controller.abort();
      await assert.rejects(call, (e: unknown) => (e as Error).name === 'AbortError' && !(e instanceof SpotifyNetworkError));
      assert.strictEqual(w.count('GET /v1/me'), 1);
    });

    it('a VS Code CancellationToken cancels the same way', async () => {
      const listeners: Array<() => void> = [];
      const token = { isCancellationRequested: false, onCancellationRequested: (l: () => void) => (listeners.push(l), { dispose: () => listeners.splice(listeners.indexOf(l), 1) }) };
      const cancel = () => {
        token.isCancellationRequested = true;
        [...listeners].forEach((l) => l());
      };
      const f = createSpotifyFetchWith(w.host(), { scopes: ['user-read-private'], baseUrl: w.url, log: (l) => /HTTP 503; retry 1/.test(l) && cancel() });
      w.emu.inject({ path: '/v1/me', kind: 'status', status: 503, times: 3 });
      await assert.rejects(f('/v1/me', { cancellationToken: token }), (e: unknown) => (e as Error).name === 'AbortError');
      assert.strictEqual(listeners.length, 0, 'the listener is removed');
      assert.strictEqual(w.count('GET /v1/me'), 1);
      await assert.rejects(f('/v1/me', { cancellationToken: { isCancellationRequested: true, onCancellationRequested: () => ({ dispose() {} }) } }), (e: unknown) => (e as Error).name === 'AbortError');
      assert.strictEqual(w.count('GET /v1/me'), 1);
    });
  });

  it('logs nothing secret: no token, code or query string in log lines, messages or error fields', async () => {
    const { spotifyFetch, log } = make();
    const errors: unknown[] = [];
    const attempt = (p: Promise<unknown>) => p.catch((e) => errors.push(e));
    w.emu.inject({ path: '/v1/me', kind: 'status', status: 401 });
    w.emu.inject({ path: '/v1/me', kind: 'rateLimit', retryAfter: '1' });
    await attempt(spotifyFetch('/v1/me?market=from_token&secret=q-s-value'));
    w.emu.expireAccessTokens();
    await attempt(spotifyFetch('/v1/me'));
    w.emu.inject({ path: '/v1/me', kind: 'status', status: 401, times: 100 });
    await attempt(spotifyFetch('/v1/me?x=q-s-value'));
    w.emu.clearFaults();
    w.emu.inject({ path: '/v1/me', kind: 'rateLimit', retryAfter: '86400' });
    await attempt(spotifyFetch('/v1/me'));
    w.emu.inject({ path: '/v1/me', kind: 'status', status: 503, times: 10 });
    await attempt(spotifyFetch('/v1/me'));
    await attempt(spotifyFetch('/v1/me/top/tracks'));
    assert.ok(log.length >= 8 && errors.length === 4, `${log.length} log lines, ${errors.length} errors`);
    const text = [...log, ...errors.flatMap((e) => [String(e), (e as Error).stack ?? '', JSON.stringify(e)])].join('\n');
    assert.ok(w.emu.issued.size >= 3);
    for (const secret of [...w.emu.issued, w.session.refreshToken, 'q-s-value']) {
      assert.ok(!text.includes(secret), 'a secret reached a log line or an error');
    }
  });
});
