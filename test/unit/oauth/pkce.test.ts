import * as assert from 'assert';
import { createHash } from 'crypto';
import * as sinon from 'sinon';
import { base64url } from '../../../src/oauth/base64url';
import {
  calculatePKCECodeChallenge,
  CODE_VERIFIER_PATTERN,
  generateRandomCodeVerifier,
  generateRandomState,
} from '../../../src/oauth/pkce';

describe('oauth/pkce', () => {
  afterEach(() => sinon.restore());

  it('makes verifiers of 43 unreserved characters, all different', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const v = generateRandomCodeVerifier();
      assert.match(v, CODE_VERIFIER_PATTERN);
      assert.strictEqual(v.length, 43);
      seen.add(v);
    }
    assert.strictEqual(seen.size, 200);
  });

  it('draws from crypto.getRandomValues, not Math.random', () => {
    const spy = sinon.spy(globalThis.crypto, 'getRandomValues');
    const math = sinon.spy(Math, 'random');
    generateRandomCodeVerifier();
    generateRandomState();
    assert.strictEqual(spy.callCount, 2);
    assert.strictEqual(math.callCount, 0);
  });

  it('computes the S256 challenge of RFC 7636 appendix B', async () => {
    assert.strictEqual(
      await calculatePKCECodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('matches node:crypto for random verifiers', async () => {
    for (let i = 0; i < 20; i++) {
      const v = generateRandomCodeVerifier();
      assert.strictEqual(await calculatePKCECodeChallenge(v), createHash('sha256').update(v).digest('base64url'));
    }
  });

  it('refuses verifiers outside RFC 7636 length and alphabet', async () => {
    for (const bad of ['short', 'a'.repeat(129), `${'a'.repeat(42)}+`, `${'a'.repeat(43)} `]) {
      await assert.rejects(calculatePKCECodeChallenge(bad), TypeError);
    }
    assert.ok(await calculatePKCECodeChallenge('a'.repeat(128)));
  });

  it('base64url has no padding and no + or /', () => {
    assert.strictEqual(base64url(new Uint8Array([0xfb, 0xff, 0xfe])), '-__-');
    assert.strictEqual(base64url(new Uint8Array([1])), 'AQ');
  });
});
