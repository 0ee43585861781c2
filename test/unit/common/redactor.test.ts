import * as assert from 'assert';
import { Redactor } from '../../../src/common/redactor';

describe('common/redactor', () => {
  it('masks registered secret values wherever they appear', () => {
    const r = new Redactor();
    r.add('BQsecretAccessToken123');
    assert.strictEqual(r.redact('token BQsecretAccessToken123 and again BQsecretAccessToken123'), 'token *** and again ***');
  });

  it('masks OAuth parameters, JSON fields and Authorization headers even when never registered', () => {
    const r = new Redactor();
    const out = r.redact(
      'http://127.0.0.1/callback?code=AQabc&state=xyz {"access_token":"BQ1","refresh_token":"AQ2"} Authorization: Bearer BQ3 Basic Zm9vOmJhcg== code_verifier=v1',
    );
    for (const leaked of ['AQabc', 'xyz', 'BQ1', 'AQ2', 'BQ3', 'Zm9vOmJhcg', 'v1']) {
      assert.ok(!out.includes(leaked), `${leaked} leaked: ${out}`);
    }
    assert.match(out, /code=\*\*\*&state=\*\*\*/);
  });

  it('ignores values too short to mask safely and keeps ordinary text', () => {
    const r = new Redactor();
    r.add('abc');
    r.add(undefined);
    assert.strictEqual(r.redact('abc is fine; scope=user-read-private'), 'abc is fine; scope=user-read-private');
  });

  it('remembers a bounded number of secrets, dropping the oldest', () => {
    const r = new Redactor();
    for (let i = 0; i < 300; i++) {
      r.add(`secret-value-${i}`);
    }
    assert.strictEqual(r.redact('secret-value-299'), '***');
    assert.strictEqual(r.redact('secret-value-0'), 'secret-value-0');
  });
});
