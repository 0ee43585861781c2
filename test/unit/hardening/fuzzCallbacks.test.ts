import * as assert from 'assert';
import fc from 'fast-check';
import { CallbackRouter } from '../../../src/flows/callbackRouter';
import { LoopbackServer } from '../../../src/flows/node/loopbackFlow';
import { routeCallbackUri } from '../../../src/flows/uriHandlerFlow';
import { generateRandomState } from '../../../src/oauth/pkce';
import { captureLogger } from '../helpers';

/**
 * Any web page can open our callback URI. Property: of any number of forged, malformed, replayed
 * and wrong-state callbacks, none is accepted, and the genuine one still completes the sign-in.
 */
const FORGED_RUNS = 12_000;

/** Query strings an attacker could send: any mix of OAuth-looking and random parameters. */
function forgedQuery(genuine: string, replayed: readonly string[]): fc.Arbitrary<string> {
  const key = fc.oneof(fc.constantFrom('code', 'state', 'error', 'error_description', 'vscode-reqid', 'iss'), fc.string({ maxLength: 12 }));
  const value = fc.oneof(
    fc.string({ maxLength: 64 }),
    fc.base64String({ maxLength: 64 }),
    // Near misses of the genuine state: other case, padding, a character off, encoded.
    fc.constantFrom(genuine.toUpperCase(), ` ${genuine}`, `${genuine} `, genuine.slice(1), `${genuine}x`, encodeURIComponent(genuine) + '%00'),
  );
  const params = fc.array(fc.tuple(key, value), { maxLength: 6 }).map((pairs) => new URLSearchParams(pairs).toString());
  return fc.oneof(
    { weight: 5, arbitrary: params },
    // The genuine state, but repeated: ambiguous, so refused.
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((c) => `code=${encodeURIComponent(c)}&state=${genuine}&state=${genuine}`) },
    // Replays of callbacks that already completed earlier sign-ins.
    { weight: 1, arbitrary: replayed.length ? fc.constantFrom(...replayed) : fc.constant('') },
    // Anything at all, URL-shaped or not.
    { weight: 2, arbitrary: fc.oneof(fc.string({ maxLength: 200 }), fc.webUrl({ withQueryParameters: true, withFragments: true })) },
  );
}

describe('hardening: forged callbacks (fast-check)', () => {
  it(`accepts none of ${FORGED_RUNS} forged callbacks; the genuine sign-in still completes`, async () => {
    const { logger, lines } = captureLogger();
    const router = new CallbackRouter(logger);
    // Earlier sign-ins whose callbacks an attacker may have captured and replays now.
    const replayed: string[] = [];
    for (let i = 0; i < 3; i++) {
      const s = generateRandomState();
      const done = router.expect(s, new AbortController().signal);
      const q = `code=old${i}&state=${s}`;
      assert.ok(router.handle(q));
      await done;
      replayed.push(q);
    }
    const genuine = generateRandomState();
    const pending = router.expect(genuine, new AbortController().signal);
    let settled = false;
    pending.then(() => (settled = true), () => (settled = true));
    let sent = 0;
    let accepted = 0;
    fc.assert(
      fc.property(forgedQuery(genuine, replayed), fc.constantFrom('/callback', '/callback/', '/other', ''), (query, path) => {
        sent++;
        const viaHandler = routeCallbackUri(router, { path, query });
        const direct = router.handle(query);
        accepted += Number(viaHandler) + Number(direct);
        return !viaHandler && !direct;
      }),
      { numRuns: FORGED_RUNS },
    );
    await new Promise((r) => setTimeout(r, 0));
    assert.strictEqual(settled, false, 'no forged callback settled the pending sign-in');
    assert.strictEqual(routeCallbackUri(router, { path: '/callback', query: `code=genuine-code&state=${genuine}` }), true);
    assert.strictEqual(await pending, 'genuine-code');
    console.log(`      fuzz (URI handler and router): ${sent} forged callbacks (${sent * 2} deliveries), ${accepted} accepted; genuine sign-in completed`);
    assert.strictEqual(accepted, 0);
    assert.ok(lines.every((l) => !l.includes('genuine-code')), 'no code in the log');
  });

  it('the loopback server answers 400/404 to 500 forged requests and still takes the genuine one', async () => {
    const { logger } = captureLogger();
    const router = new CallbackRouter(logger);
    const server = await LoopbackServer.start();
    server.onCallback = (q) => router.handle(q);
    const genuine = generateRandomState();
    const pending = router.expect(genuine, new AbortController().signal);
    const samples = fc.sample(forgedQuery(genuine, []), 500);
    const statuses = new Map<number, number>();
    for (const [i, q] of samples.entries()) {
      const path = i % 5 === 0 ? '/elsewhere' : '/callback';
      const res = await fetch(`http://127.0.0.1:${server.port}${path}?${q}`, { redirect: 'manual' });
      await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    const res = await fetch(`http://127.0.0.1:${server.port}/callback?code=c&state=${genuine}`, { redirect: 'manual' });
    assert.strictEqual(res.status, 200);
    assert.strictEqual(await pending, 'c');
    await server.close();
    console.log(`      fuzz (loopback server): 500 forged requests answered ${JSON.stringify(Object.fromEntries(statuses))}, 0 accepted, 0 redirects`);
    assert.deepStrictEqual([...statuses.keys()].sort(), [400, 404]);
  });
});
