import * as assert from 'assert';
import { normalizeScopes, parseScopeField, scopesCover, unknownScopes } from '../../../src/oauth/scopes';

describe('oauth/scopes', () => {
  it('splits, de-duplicates and sorts', () => {
    assert.deepStrictEqual(normalizeScopes(['user-top-read user-read-private', 'user-read-private', '']), ['user-read-private', 'user-top-read']);
  });

  it('refuses scopes that cannot be sent and non-strings', () => {
    assert.throws(() => normalizeScopes(['bad"scope']), /not a valid OAuth scope/);
    assert.throws(() => normalizeScopes(['tab\tscope']), /not a valid OAuth scope/);
    assert.throws(() => normalizeScopes([42 as unknown as string]), /must be a string/);
  });

  it('passes unknown but well-formed scopes through and reports them', () => {
    assert.deepStrictEqual(normalizeScopes(['user-read-future']), ['user-read-future']);
    assert.deepStrictEqual(unknownScopes(['user-read-private', 'user-read-future']), ['user-read-future']);
  });

  it('knows when granted scopes cover a request', () => {
    assert.ok(scopesCover(['a', 'b'], ['a']));
    assert.ok(scopesCover(['a'], []));
    assert.ok(!scopesCover(['a'], ['a', 'b']));
  });

  it('parses the scope field of a token response', () => {
    assert.deepStrictEqual(parseScopeField('b a'), ['a', 'b']);
    assert.deepStrictEqual(parseScopeField(''), []);
    assert.deepStrictEqual(parseScopeField(undefined), []);
  });
});
