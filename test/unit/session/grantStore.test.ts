import * as assert from 'assert';
import { grantKey, GRANT_FORMAT_VERSION, GRANTS_KEY, GrantStore, INDEX_KEY, parseGrants, serializeGrants, StorageReadError } from '../../../src/session/grantStore';
import { captureLogger, SharedSecretStorage } from '../helpers';
import { sampleGrant } from './fixtures';


describe('session/grantStore', () => {
  it('one key per grant and an index, each with its generation; a grant without refresh token round-trips', async () => {
    const shared = new SharedSecretStorage();
    const { logger, lines } = captureLogger();
    const store = new GrantStore(shared.window(), logger);
    const { refreshToken: _unused, ...noRefresh } = sampleGrant({ id: 'g2', refusedScopes: ['user-top-read'] });
    await store.writeGrant(3, sampleGrant());
    await store.writeGrant(1, noRefresh);
    await store.writeIndex(2, ['g1', 'g2']);
    assert.deepStrictEqual(JSON.parse(shared.data.get(grantKey('g1'))!), { version: GRANT_FORMAT_VERSION, gen: 3, grant: sampleGrant() });
    assert.deepStrictEqual(await store.readGrant('g1'), { gen: 3, value: sampleGrant() });
    assert.deepStrictEqual(await store.readGrant('g2'), { gen: 1, value: noRefresh });
    assert.deepStrictEqual(await store.readIndex(), { gen: 2, value: ['g1', 'g2'] });
    assert.deepStrictEqual(await store.readGrant('absent'), { gen: 0 });
    await store.deleteGrant('g1');
    assert.strictEqual(shared.data.has(grantKey('g1')), false);
    assert.deepStrictEqual(lines, []);
  });

  it('an unreadable key is reported once and ignored; a grant stored under another id is refused', async () => {
    const shared = new SharedSecretStorage();
    const { logger, lines } = captureLogger();
    const store = new GrantStore(shared.window(), logger);
    shared.data.set(grantKey('g1'), '{"version":2,"gen":');
    shared.data.set(grantKey('g9'), JSON.stringify({ version: 2, gen: 1, grant: sampleGrant() }));
    shared.data.set(INDEX_KEY, JSON.stringify({ version: 2, gen: 1, ids: 'g1' }));
    assert.deepStrictEqual(await store.readGrant('g1'), { gen: 0, corrupt: true });
    assert.deepStrictEqual(await store.readGrant('g9'), { gen: 0, corrupt: true });
    assert.deepStrictEqual(await store.readIndex(), { gen: 0, corrupt: true });
    assert.strictEqual(lines.length, 3);
  });

  it('a failing SecretStorage is an error, never "no grants"', async () => {
    const { logger } = captureLogger();
    const broken = { ...new SharedSecretStorage().window(), get: async () => { throw new Error('keyring locked'); } };
    const store = new GrantStore(broken, logger);
    await assert.rejects(store.readIndex(), (e: unknown) => e instanceof StorageReadError && /keyring locked/.test((e as Error).message));
    await assert.rejects(store.readGrant('g1'), StorageReadError);
    await assert.rejects(store.readLegacy(), StorageReadError);
  });

  describe('format 1 (one key for all grants), read only to migrate it', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['truncated JSON', serializeGrants([sampleGrant()]).slice(0, 40), /not valid JSON/],
    ['a JSON string', '"hello"', /unknown shape/],
    ['grants not an array', '{"version":1,"grants":{}}', /unknown shape/],
    ['no version', '{"grants":[]}', /unknown shape/],
    ['version 0', '{"version":0,"grants":[]}', /cannot read/],
  ];
  for (const [name, text, message] of cases) {
    it(`marks ${name} for discarding, with one log line and no crash`, async () => {
      const shared = new SharedSecretStorage();
      shared.data.set(GRANTS_KEY, text);
      const { logger, lines } = captureLogger();
      const parsed = await new GrantStore(shared.window(), logger).readLegacy();
      assert.deepStrictEqual(parsed.grants, []);
      assert.strictEqual(parsed.discard, true);
      assert.strictEqual(lines.length, 1);
      assert.match(lines[0], message);
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

  });
});
