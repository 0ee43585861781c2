import * as assert from 'assert';
import * as sinon from 'sinon';
import { SpotifyApi } from '@spotify/web-api-ts-sdk';
import { fakeVscode } from './fakeVscode';
import {
  createSpotifyFetch,
  getSpotifySession,
  PROVIDER_EXTENSION_ID,
  SpotifyInsufficientScopeError,
  SpotifyNotSignedInError,
  SpotifyProviderMissingError,
  SpotifyRateLimitError,
  vscodeAuthStrategy,
} from '../src/index';
import { World } from './world';

/** Binds the fake `vscode` module to a world: sessions from its provider double, its exported API. */
function provide(w: World, api: Record<string, unknown> = { version: 1, refreshIfCurrent: (id: string, t: string) => w.host().refreshIfCurrent(id, t) }) {
  const getSession = sinon.spy(async (_id: string, scopes: readonly string[], options?: unknown) => w.host().getSession(scopes, !!(options as { createIfNone?: unknown } | undefined)?.createIfNone));
  fakeVscode.authentication.getSession = getSession;
  const ext: { id: string; isActive: boolean; exports: unknown; activate: sinon.SinonSpy<[], Promise<unknown>> } = {
    id: PROVIDER_EXTENSION_ID,
    isActive: false,
    exports: undefined,
    activate: sinon.spy(async (): Promise<unknown> => {
      ext.isActive = true;
      ext.exports = api;
      return api;
    }),
  };
  fakeVscode.extensions.getExtension = (id: string) => (id === PROVIDER_EXTENSION_ID ? ext : undefined);
  return { getSession, ext };
}

describe('the package through the vscode module (getSpotifySession, createSpotifyFetch, vscodeAuthStrategy)', () => {
  let w: World;
  beforeEach(async () => {
    w = await World.start();
  });
  afterEach(() => w.stop());

  describe('getSpotifySession', () => {
    it('passes silent, createIfNone with VS Code\'s detail, account and clearSessionPreference through to getSession(\'spotify\', …)', async () => {
      const { getSession } = provide(w);
      const s = await getSpotifySession(['user-read-private'], { silent: true });
      assert.strictEqual(s?.accessToken, w.session.accessToken);
      assert.deepStrictEqual(getSession.lastCall.args, ['spotify', ['user-read-private'], { silent: true }]);
      await getSpotifySession(['user-read-private'], { createIfNone: { detail: 'To show your top tracks.' }, account: { id: 'acc-alice-0001', label: 'Alice Emulated' } });
      assert.deepStrictEqual(getSession.lastCall.args[2], { createIfNone: { detail: 'To show your top tracks.' }, account: { id: 'acc-alice-0001', label: 'Alice Emulated' } });
      await getSpotifySession(['user-read-private'], { createIfNone: true, clearSessionPreference: true });
      assert.deepStrictEqual(getSession.lastCall.args[2], { createIfNone: true, clearSessionPreference: true });
      assert.strictEqual(await getSpotifySession(['user-top-read']), undefined, 'no session with that scope');
      assert.deepStrictEqual(getSession.lastCall.args[2], {});
    });

    it('bad input: a clear TypeError before anything is asked', async () => {
      const { getSession } = provide(w);
      await assert.rejects(getSpotifySession('user-read-private' as never), TypeError);
      await assert.rejects(getSpotifySession(['a b']), TypeError);
      await assert.rejects(getSpotifySession(['user-read-private'], { silent: true, createIfNone: true } as never), /exclude each other/);
      sinon.assert.notCalled(getSession);
    });

    it('the Spotify Authentication extension is not installed: SpotifyProviderMissingError naming the extension to install', async () => {
      fakeVscode.authentication.getSession = async () => Promise.reject(new Error("No authentication provider 'spotify' is currently registered."));
      fakeVscode.extensions.getExtension = () => undefined;
      await assert.rejects(getSpotifySession(['user-read-private'], { createIfNone: true }), (e: unknown) =>
        e instanceof SpotifyProviderMissingError && e.extensionId === 'spotify-auth.spotify-authentication' && e.message.includes('spotify-auth.spotify-authentication') && /install/.test(e.message));
    });

    it('installed, and the user declined: VS Code\'s own error, unchanged', async () => {
      const { ext } = provide(w);
      const declined = new Error('User did not consent to login.');
      fakeVscode.authentication.getSession = async () => Promise.reject(declined);
      await assert.rejects(getSpotifySession(['user-read-private'], { createIfNone: true }), (e: unknown) => e === declined);
      assert.ok(ext);
    });

    it('a Remote window (the provider runs in the other extension host, out of getExtension\'s sight) and the user declined: VS Code\'s own error, not "install it"', async () => {
      const declined = new Error('User did not consent to login.');
      fakeVscode.authentication.getSession = async () => Promise.reject(declined);
      fakeVscode.extensions.getExtension = () => undefined;
      await assert.rejects(getSpotifySession(['user-read-private'], { createIfNone: true }), (e: unknown) => e === declined);
    });
  });

  describe('createSpotifyFetch', () => {
    it('silent by default; interactive asks with createIfNone', async () => {
      const { getSession } = provide(w);
      await createSpotifyFetch({ scopes: ['user-read-private'], baseUrl: w.url })('/v1/me');
      assert.deepStrictEqual(getSession.lastCall.args[2], { silent: true });
      await createSpotifyFetch({ scopes: ['user-read-private'], baseUrl: w.url, interactive: true })('/v1/me');
      assert.deepStrictEqual(getSession.lastCall.args[2], { createIfNone: true });
    });

    it('a token that stays refused: the provider\'s exported refreshIfCurrent (activating it if needed) replaces it', async () => {
      const { ext } = provide(w);
      w.emu.expireAccessTokens();
      const res = await createSpotifyFetch({ scopes: ['user-read-private'], baseUrl: w.url, brief401Retries: 0 })('/v1/me');
      assert.strictEqual(res.status, 200);
      sinon.assert.calledOnce(ext.activate);
      assert.strictEqual(w.refreshes, 1);
    });

    it('a provider without refreshIfCurrent (older versions): no refresh, a typed 401', async () => {
      provide(w, { version: 1, getAppToken: async () => ({}) });
      w.emu.expireAccessTokens();
      await assert.rejects(createSpotifyFetch({ scopes: ['user-read-private'], baseUrl: w.url, brief401Retries: 0 })('/v1/me'), (e: unknown) => (e as Error).name === 'SpotifyUnauthorizedError');
      assert.strictEqual(w.refreshes, 0);
    });
  });

  describe('vscodeAuthStrategy for @spotify/web-api-ts-sdk', () => {
    it('new SpotifyApi(vscodeAuthStrategy([…])).currentUser.profile() works, through this package\'s fetch', async () => {
      provide(w);
      const sdk = new SpotifyApi(vscodeAuthStrategy(['user-read-private'], { baseUrl: w.url }));
      const before = w.count('GET /v1/me');
      const profile = await sdk.currentUser.profile();
      assert.strictEqual(profile.id, 'emu-alice');
      assert.strictEqual(profile.display_name, 'Alice Emulated');
      assert.strictEqual(w.count('GET /v1/me') - before, 1);
    });

    it('a call that gets a 401 first still succeeds (the SDK alone would throw)', async () => {
      provide(w);
      const sdk = new SpotifyApi(vscodeAuthStrategy(['user-read-private'], { baseUrl: w.url }));
      w.emu.inject({ path: '/v1/me', kind: 'status', status: 401 });
      assert.strictEqual((await sdk.currentUser.profile()).id, 'emu-alice');
      assert.strictEqual(w.count('GET /v1/me'), 2);
      // And a token that stays refused is replaced through the provider.
      w.emu.expireAccessTokens();
      assert.strictEqual((await sdk.currentUser.profile()).id, 'emu-alice');
      assert.strictEqual(w.refreshes, 1);
    });

    it('the SDK never sees a refresh token, and gets this package\'s typed errors', async () => {
      provide(w);
      const sdk = new SpotifyApi(vscodeAuthStrategy(['user-read-private'], { baseUrl: w.url, maxRetryAfterMs: 1000 }));
      const token = await sdk.getAccessToken();
      assert.strictEqual(token?.refresh_token, '');
      assert.strictEqual(token?.access_token, w.session.accessToken);
      assert.ok(!JSON.stringify(token).includes(w.session.refreshToken));
      await assert.rejects(sdk.currentUser.topItems('tracks'), SpotifyInsufficientScopeError);
      w.emu.inject({ path: '/v1/me', kind: 'rateLimit', retryAfter: '86400' });
      await assert.rejects(sdk.currentUser.profile(), (e: unknown) => e instanceof SpotifyRateLimitError && e.retryAfterMs === 86_400_000);
    });

    it('a fetch given to the SDK (SdkOptions.fetch) stays underneath as the transport', async () => {
      provide(w);
      const transport = sinon.spy((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
      const sdk = new SpotifyApi(vscodeAuthStrategy(['user-read-private'], { baseUrl: w.url }), { fetch: transport });
      await sdk.currentUser.profile();
      sinon.assert.calledOnce(transport);
      assert.strictEqual(String(transport.firstCall.args[0]), `${w.url}/v1/me`);
      assert.strictEqual(new Headers(transport.firstCall.args[1]!.headers).get('authorization'), `Bearer ${w.session.accessToken}`);
    });

    it('switchAuthenticationStrategy installs it again without stacking one fetch on another', async () => {
      const { getSession } = provide(w);
      const transport = sinon.spy((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
      const sdk = new SpotifyApi(vscodeAuthStrategy(['user-read-private'], { baseUrl: w.url }), { fetch: transport });
      sdk.switchAuthenticationStrategy(vscodeAuthStrategy(['user-read-private'], { baseUrl: w.url }));
      await new Promise((r) => setTimeout(r, 50)); // the SDK asks for a token on switching
      getSession.resetHistory();
      assert.strictEqual((await sdk.currentUser.profile()).id, 'emu-alice');
      // One for the SDK's token, one for the fetch's: a fetch stacked on another would ask again.
      assert.strictEqual(getSession.callCount, 2);
      sinon.assert.calledOnce(transport);
    });

    it('not signed in: SpotifyNotSignedInError from the SDK call; getAccessToken() is null', async () => {
      provide(w);
      w.signedIn = false;
      const sdk = new SpotifyApi(vscodeAuthStrategy(['user-read-private'], { baseUrl: w.url }));
      await assert.rejects(sdk.currentUser.profile(), SpotifyNotSignedInError);
      assert.strictEqual(await sdk.getAccessToken(), null);
    });
  });
});
