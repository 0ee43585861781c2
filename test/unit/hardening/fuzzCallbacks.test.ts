import * as assert from 'assert';
import fc from 'fast-check';
import { CallbackRouter } from '../../../src/flows/callbackRouter';
import { LoopbackServer } from '../../../src/flows/node/loopbackFlow';
import { routeCallbackUri } from '../../../src/flows/uriHandlerFlow';
import { generateNonce } from '../../../src/flows/relayFlow';
import { generateRandomState } from '../../../src/oauth/pkce';
import { URI } from 'vscode-uri';
import { captureLogger } from '../helpers';

/**
 * Any web page can open our callback URI. Property: of any number of forged, malformed, replayed
 * and wrong-state (or, for the relay, wrong-nonce) callbacks, none is accepted, and the genuine one
 * still completes the sign-in.
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

/**
 * Relay callbacks an attacker could send: nonce near misses, repeated nonces, no nonce, nonces of
 * sign-ins that already completed, with any mix of OAuth-looking parameters, including our state.
 * The genuine nonce alone, or any escape of it that a host's decoding would turn into it, is not
 * among them: whoever holds it holds the sign-in (that is the point of a secret nonce).
 */
function forgedRelayQuery(nonce: string, state: string, used: readonly string[]): fc.Arbitrary<string> {
  const nearMisses = [nonce.toUpperCase(), ` ${nonce}`, `${nonce} `, nonce.slice(1), `${nonce}x`, `${nonce}%00`, `${nonce}%2500`, nonce.slice(0, -1) + (nonce.endsWith('0') ? '1' : '0')]
    .filter((v) => v !== nonce && v.toLowerCase() !== nonce);
  const nonceValue = fc.oneof(fc.constantFrom(...nearMisses), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1, maxLength: 48 }).filter((v) => v !== nonce), fc.string({ maxLength: 20 }));
  const key = fc.constantFrom('code', 'state', 'error', 'error_description', 'windowId', 'vscode-reqid');
  const value = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom(state, encodeURIComponent(state), 'access_denied'));
  const extra = fc.array(fc.tuple(key, value), { maxLength: 4 }).map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`));
  const join = (parts: string[]) => parts.filter(Boolean).join('&');
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(nonceValue, extra).map(([n, rest]) => join([`nonce=${encodeURIComponent(n)}`, ...rest])) },
    // The genuine nonce, but repeated (alone or with another): ambiguous, so refused.
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(nonce, ...nearMisses), extra).map(([n, rest]) => join([`nonce=${nonce}`, ...rest, `nonce=${encodeURIComponent(n)}`])) },
    // No nonce at all: our state, encoded or not, does not find a relay wait.
    { weight: 2, arbitrary: extra.map((rest) => join([`code=x`, `state=${encodeURIComponent(state)}`, ...rest])) },
    // Replays of relay callbacks whose sign-ins already completed.
    { weight: 1, arbitrary: fc.constantFrom(...used) },
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

  it(`the relay: accepts none of ${FORGED_RUNS} forged callbacks by nonce (raw, and decoded as desktop does); the genuine sign-in still completes`, async () => {
    const { logger, lines } = captureLogger();
    const router = new CallbackRouter(logger);
    const relayState = (nonce: string) => encodeURIComponent(`vscode://p.e/callback?nonce=${nonce}&windowId=1`);
    // Earlier relay sign-ins whose callbacks an attacker may have captured and replays now.
    const used: string[] = [];
    for (let i = 0; i < 3; i++) {
      const n = generateNonce();
      const done = router.expect(relayState(n), new AbortController().signal, n);
      const q = `nonce=${n}&windowId=1&code=old${i}&state=${encodeURIComponent(relayState(n))}`;
      assert.ok(router.handle(q));
      await done;
      used.push(q);
    }
    const nonce = generateNonce();
    const state = relayState(nonce);
    const pending = router.expect(state, new AbortController().signal, nonce);
    let settled = false;
    pending.then(() => (settled = true), () => (settled = true));
    let sent = 0;
    let accepted = 0;
    fc.assert(
      fc.property(forgedRelayQuery(nonce, state, used), (query) => {
        sent++;
        // Desktop: the main process parses the link with VS Code's URI, so the handler's query is decoded once.
        const desktop = URI.parse(`vscode://p.e/callback?${query}`);
        const viaDesktop = routeCallbackUri(router, { path: desktop.path, query: desktop.query });
        const direct = router.handle(query);
        accepted += Number(viaDesktop) + Number(direct);
        return !viaDesktop && !direct;
      }),
      { numRuns: FORGED_RUNS },
    );
    await new Promise((r) => setTimeout(r, 0));
    assert.strictEqual(settled, false, 'no forged callback settled the pending sign-in');
    const genuine = URI.parse(`vscode://p.e/callback?nonce=${nonce}&windowId=1&code=genuine-code&state=${encodeURIComponent(state)}`);
    assert.strictEqual(routeCallbackUri(router, { path: genuine.path, query: genuine.query }), true);
    assert.strictEqual(await pending, 'genuine-code');
    console.log(`      fuzz (relay, by nonce): ${sent} forged callbacks (${sent * 2} deliveries), ${accepted} accepted; genuine sign-in completed`);
    assert.strictEqual(accepted, 0);
    assert.ok(router.ignored >= sent, 'every forged callback was counted');
    assert.ok(lines.every((l) => !l.includes('genuine-code') && !l.includes(nonce)), 'no code or nonce in the log');
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
