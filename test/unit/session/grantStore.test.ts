import * as assert from 'assert';
import { FORMAT_VERSION, GRANTS_KEY, GrantStore, parseGrants, serializeGrants } from '../../../src/session/grantStore';
import { captureLogger, SharedSecretStorage } from '../helpers';
import { sampleGrant } from './fixtures';


describe('session/grantStore', () => {
  it('round-trips grants under one versioned key', async () => {
    const shared = new SharedSecretStorage();
    const { logger, lines } = captureLogger();
    const store = new GrantStore(shared.window(), logger);
    // A grant without refresh token (app-only answers, or an old grant) must round-trip too.
    const { refreshToken: _unused, ...noRefresh } = sampleGrant({ id: 'g2' });
    await store.write([sampleGrant(), noRefresh]);
    const doc = JSON.parse(shared.data.get(GRANTS_KEY)!);
    assert.strictEqual(doc.version, FORMAT_VERSION);
    assert.deepStrictEqual(await store.read(), [sampleGrant(), noRefresh]);
    assert.deepStrictEqual(lines, []);
  });

  it('deletes the key when the last grant goes', async () => {
    const shared = new SharedSecretStorage();
    const store = new GrantStore(shared.window(), captureLogger().logger);
    await store.write([sampleGrant()]);
    await store.write([]);
    assert.strictEqual(shared.data.has(GRANTS_KEY), false);
  });

  const cases: Array<[string, string, RegExp]> = [
    ['truncated JSON', serializeGrants([sampleGrant()]).slice(0, 40), /not valid JSON/],
    ['a JSON string', '"hello"', /unknown shape/],
    ['grants not an array', '{"version":1,"grants":{}}', /unknown shape/],
    ['no version', '{"grants":[]}', /unknown shape/],
    ['version 0', '{"version":0,"grants":[]}', /cannot read/],
  ];
  for (const [name, text, message] of cases) {
    it(`discards ${name} with one log line and no crash`, async () => {
      const shared = new SharedSecretStorage();
      shared.data.set(GRANTS_KEY, text);
      const { logger, lines } = captureLogger();
      assert.deepStrictEqual(await new GrantStore(shared.window(), logger).read(), []);
      assert.strictEqual(lines.length, 1);
      assert.match(lines[0], message);
      assert.strictEqual(shared.data.has(GRANTS_KEY), false, 'discarded');
    });
  }

  it('drops single bad entries (wrong types, duplicates) and keeps the good ones', () => {
    const good = sampleGrant();
    const text = JSON.stringify({
      version: 1,
      grants: [good, { ...good, id: 'g2', expiresAt: 'soon' }, { ...good, id: 'g3', scopes: [1] }, good, null, { ...good, id: 'g4', accessToken: '' }],
    });
    const parsed = parseGrants(text);
    assert.deepStrictEqual(parsed.grants, [good]);
    assert.strictEqual(parsed.discard, false);
    assert.match(parsed.problem!, /5 stored Spotify session\(s\) were unreadable/);
  });

  it('reads what it understands of a newer format and does not discard it', () => {
    const parsed = parseGrants(JSON.stringify({ version: 2, grants: [{ ...sampleGrant(), extra: { x: 1 } }] }));
    assert.deepStrictEqual(parsed.grants, [sampleGrant()]);
    assert.strictEqual(parsed.discard, false);
    assert.match(parsed.problem!, /newer version/);
  });

  it('survives a SecretStorage that throws', async () => {
    const { logger, lines } = captureLogger();
    const broken = { ...new SharedSecretStorage().window(), get: async () => { throw new Error('keyring locked'); } };
    assert.deepStrictEqual(await new GrantStore(broken, logger).read(), []);
    assert.match(lines[0], /keyring locked/);
  });
});
