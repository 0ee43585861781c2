import * as assert from 'assert';
import { peekState, validateAuthorizationResponse } from '../../../src/oauth/callback';
import { CallbackError, OAuthError } from '../../../src/oauth/errors';

describe('oauth/callback', () => {
  it('returns the code of a redirect with the expected state, from URL, query or params', () => {
    assert.deepStrictEqual(validateAuthorizationResponse('vscode://p.e/callback?code=abc&state=s1', 's1'), { code: 'abc' });
    assert.deepStrictEqual(validateAuthorizationResponse('?code=abc&state=s1', 's1'), { code: 'abc' });
    assert.deepStrictEqual(validateAuthorizationResponse('code=abc&state=s1', 's1'), { code: 'abc' });
    assert.deepStrictEqual(validateAuthorizationResponse(new URLSearchParams('code=abc&state=s1'), 's1'), { code: 'abc' });
    assert.deepStrictEqual(validateAuthorizationResponse(new URL('http://127.0.0.1:5/callback?state=s1&code=abc'), 's1'), { code: 'abc' });
  });

  it('tolerates extra parameters (proxies and code-server add their own)', () => {
    assert.deepStrictEqual(validateAuthorizationResponse('?code=abc&state=s1&vscode-reqid=3&x=y', 's1'), { code: 'abc' });
  });

  it('rejects a foreign state before looking at error or code', () => {
    assert.throws(
      () => validateAuthorizationResponse('?error=access_denied&state=other', 's1'),
      (e: unknown) => e instanceof CallbackError && e.reason === 'state_mismatch',
    );
    assert.throws(() => validateAuthorizationResponse('?code=abc', 's1'), (e: unknown) => e instanceof CallbackError && e.reason === 'missing_state');
  });

  it('turns error=access_denied into an OAuthError', () => {
    assert.throws(
      () => validateAuthorizationResponse('?error=access_denied&state=s1', 's1'),
      (e: unknown) => e instanceof OAuthError && e.error === 'access_denied',
    );
  });

  it('rejects a missing code, repeated parameters and garbage', () => {
    assert.throws(() => validateAuthorizationResponse('?state=s1', 's1'), (e: unknown) => (e as CallbackError).reason === 'missing_code');
    assert.throws(() => validateAuthorizationResponse('?state=s1&code=', 's1'), (e: unknown) => (e as CallbackError).reason === 'missing_code');
    assert.throws(() => validateAuthorizationResponse('?code=a&code=b&state=s1', 's1'), (e: unknown) => (e as CallbackError).reason === 'duplicate_parameter');
    assert.throws(() => validateAuthorizationResponse('?code=a&state=s1&state=s1', 's1'), (e: unknown) => (e as CallbackError).reason === 'duplicate_parameter');
    assert.throws(() => validateAuthorizationResponse('http://[bad/?code=a&state=s1', 's1'), (e: unknown) => (e as CallbackError).reason === 'malformed');
    assert.throws(() => validateAuthorizationResponse(`?state=s1&code=${'x'.repeat(9000)}`, 's1'), (e: unknown) => (e as CallbackError).reason === 'malformed');
  });

  it('peekState reads state without throwing', () => {
    assert.strictEqual(peekState('?code=a&state=s9'), 's9');
    assert.strictEqual(peekState('?state=a&state=b'), undefined);
    assert.strictEqual(peekState('http://[bad'), undefined);
  });
});
