import * as assert from 'assert';
import { GRANTS_KEY } from '../../../src/session/grantStore';
import { SpotifyEmulator } from '../../emulator/emulator';
import { SharedSecretStorage, until } from '../helpers';
import { client, emulator, signedInGrant, windowOn } from '../session/fixtures';

describe('hardening: storage changed under our feet', () => {
  let emu: SpotifyEmulator;
  beforeEach(async () => {
    emu = emulator();
    await emu.start();
  });
  afterEach(() => emu.stop());

  it('the key deleted by another window while a refresh is in flight: no crash, nothing resurrected, one log line', async () => {
    const shared = new SharedSecretStorage();
    const c = client(emu);
    const a = windowOn(shared, c);
    await a.manager.initialize();
    const grant = await signedInGrant(emu, c);
    await a.manager.add(grant);
    emu.inject({ path: '/api/token', kind: 'delay', ms: 150 });
    const refreshing = a.manager.refresh(grant.id, true);
    await new Promise((r) => setTimeout(r, 40));
    // Another window (or the user clearing the keyring) removes the key outright.
    await shared.window().delete(GRANTS_KEY);
    assert.strictEqual(await refreshing, undefined);
    await until(() => a.manager.all().length === 0);
    assert.strictEqual(shared.data.has(GRANTS_KEY), false, 'not written back');
    const lines = a.log.lines.filter((l) => /removed from secret storage by another window/.test(l));
    assert.strictEqual(lines.length, 1);
  });

  it('garbage written by another window mid-session: discarded with one log line, the window keeps working', async () => {
    const shared = new SharedSecretStorage();
    const c = client(emu);
    const a = windowOn(shared, c);
    await a.manager.initialize();
    await a.manager.add(await signedInGrant(emu, c));
    await shared.window().store(GRANTS_KEY, '{"version":1,"grants":[{"id":');
    await until(() => a.manager.all().length === 0);
    assert.strictEqual(a.log.lines.filter((l) => /not valid JSON/.test(l)).length, 1);
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
    await shared.window().store(GRANTS_KEY, JSON.stringify({ version: 7, grants: [{ ...grant, futureField: true }] }));
    await until(() => a.manager.all().length === 1);
    assert.strictEqual(a.manager.all()[0].id, grant.id);
    assert.ok(shared.data.has(GRANTS_KEY));
  });
});
