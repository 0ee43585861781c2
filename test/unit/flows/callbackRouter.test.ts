import * as assert from 'assert';
import { CallbackRouter } from '../../../src/flows/callbackRouter';
import { routeCallbackUri } from '../../../src/flows/uriHandlerFlow';
import { CancellationError, OAuthError } from '../../../src/oauth/errors';
import { captureLogger } from '../helpers';
import { english } from '../../../src/auth/describeError';

describe('flows/callbackRouter', () => {
  it('completes the sign-in whose state matches, once', async () => {
    const router = new CallbackRouter(captureLogger().logger);
    const waiting = router.expect('s1', new AbortController().signal);
    assert.strictEqual(router.handle('?code=c1&state=s1'), true);
    assert.strictEqual(await waiting, 'c1');
    assert.strictEqual(router.handle('?code=c1&state=s1'), false, 'a replay finds nothing');
    assert.strictEqual(router.ignored, 1);
  });

  it('ignores forged or foreign callbacks and still completes with the genuine one', async () => {
    const { logger, lines } = captureLogger();
    const router = new CallbackRouter(logger);
    const waiting = router.expect('genuine', new AbortController().signal);
    for (const forged of ['?code=x&state=other', '?error=access_denied&state=nope', '?code=x', '', '?state=genuine&state=genuine&code=x', 'http://[bad']) {
      assert.strictEqual(router.handle(forged), false, forged);
    }
    assert.strictEqual(router.handle('?code=real&state=genuine'), true);
    assert.strictEqual(await waiting, 'real');
    assert.strictEqual(router.ignored, 6);
    assert.ok(lines.every((l) => !l.includes('code=x')), 'no code in the log');
  });

  it('rejects the pending sign-in on access_denied with its state', async () => {
    const router = new CallbackRouter(captureLogger().logger);
    const waiting = router.expect('s1', new AbortController().signal);
    router.handle('?error=access_denied&state=s1');
    await assert.rejects(waiting, (e: unknown) => e instanceof OAuthError && e.error === 'access_denied');
  });

  it('forgets a state whose wait was aborted', async () => {
    const router = new CallbackRouter(captureLogger().logger);
    const ac = new AbortController();
    const waiting = router.expect('s1', ac.signal);
    ac.abort();
    await assert.rejects(waiting, CancellationError);
    assert.strictEqual(router.size, 0);
    assert.strictEqual(router.handle('?code=c&state=s1'), false);
  });

  it('the URI handler routes only /callback', async () => {
    const router = new CallbackRouter(captureLogger().logger);
    const waiting = router.expect('s1', new AbortController().signal);
    assert.strictEqual(routeCallbackUri(router, { path: '/other', query: 'code=c&state=s1' }), false);
    assert.strictEqual(routeCallbackUri(router, { path: '/callback', query: 'code=c&state=s1' }), true);
    assert.strictEqual(await waiting, 'c');
  });
});

describe('flows/signIn (authorizeWithFlows)', () => {
  it('forgets a failed flow\'s pending state before trying the next one', async () => {
    const { authorizeWithFlows } = await import('../../../src/flows/signIn');
    const router = new CallbackRouter(captureLogger().logger);
    const failing = {
      id: 'paste' as const,
      label: 'failing',
      redirectUri: async () => 'x',
      authorize: async (ctx: { router: CallbackRouter; signal: AbortSignal }) => {
        void ctx.router.expect('left-behind', ctx.signal);
        throw new Error('broken flow');
      },
    };
    const sizes: number[] = [];
    await assert.rejects(
      authorizeWithFlows([failing as never, failing as never], { router, logger: captureLogger().logger, host: { t: english }, client: { clientId: 'c' }, scopes: [] } as never, new AbortController().signal, 1000, {
        whileWaiting: (_attempt, task) => task(new AbortController().signal),
        offerNextFlow: async () => {
          sizes.push(router.size);
          return true;
        },
      }),
      /broken flow/,
    );
    assert.deepStrictEqual(sizes, [0]);
    assert.strictEqual(router.size, 0);
  });
});
