import * as assert from 'assert';
import { grantKey } from '../../../src/session/grantStore';
import { SpotifyEmulator } from '../../emulator/emulator';
import { SharedSecretStorage, until } from '../helpers';
import { client, emulator, signedInGrant, windowOn } from '../session/fixtures';

describe('hardening: storage changed under our feet', function () {
  // Thousands of requests each: a hang guard for a loaded machine, not a speed goal (npm run bench has those).
  this.timeout(120_000);
  let emu: SpotifyEmulator;
  beforeEach(async () => {
    emu = emulator();
    await emu.start();
  });
  afterEach(() => emu.stop());

  it('a grant\'s key deleted past every lock while its refresh is in flight: no crash, nothing resurrected, logged', async () => {
    const shared = new SharedSecretStorage();
    const c = client(emu);
    const a = windowOn(shared, c);
    await a.manager.initialize();
    const grant = await signedInGrant(emu, c);
    await a.manager.add(grant);
    emu.inject({ path: '/api/token', kind: 'delay', ms: 150 });
    const refreshing = a.manager.refresh(grant.id, true);
    await new Promise((r) => setTimeout(r, 40));
    // The user clears the keyring entry by hand: no lock is taken for that.
    await shared.window().delete(grantKey(grant.id));
    assert.strictEqual(await refreshing, undefined);
    await until(() => a.manager.all().length === 0);
    assert.strictEqual(shared.data.has(grantKey(grant.id)), false, 'not written back');
    assert.strictEqual(a.log.lines.filter((l) => /changed outside this extension during its refresh/.test(l)).length, 1);
  });

  it('garbage written over a grant mid-session: ignored with a log line, the window keeps working', async () => {
    const shared = new SharedSecretStorage();
    const c = client(emu);
    const a = windowOn(shared, c);
    await a.manager.initialize();
    const first = await signedInGrant(emu, c);
    await a.manager.add(first);
    await shared.window().store(grantKey(first.id), '{"version":2,"gen":1,"grant":{"id":');
    await until(() => a.manager.all().length === 0);
    assert.ok(a.log.lines.some((l) => /a session key is unreadable/.test(l)));
    const again = await signedInGrant(emu, c, 'g2');
    await a.manager.add(again);
    assert.deepStrictEqual(a.manager.all().map((g) => g.id), ['g2']);
  });

  it('a newer format written by another window is read, not discarded', async () => {
    const shared = new SharedSecretStorage();
    const c = client(emu);
    const a = windowOn(shared, c);
    await a.manager.initialize();
    const grant = await signedInGrant(emu, c);
    await a.manager.add(grant);
    await shared.window().store(grantKey(grant.id), JSON.stringify({ version: 7, gen: 9, grant: { ...grant, futureField: true }, more: 1 }));
    await new Promise((r) => setTimeout(r, 50)); // the change event and its reload
    assert.deepStrictEqual(a.log.lines.filter((l) => /unreadable/.test(l)), []);
    assert.strictEqual(a.manager.all()[0].accessToken, grant.accessToken);
    assert.ok(shared.data.has(grantKey(grant.id)));
  });
});
