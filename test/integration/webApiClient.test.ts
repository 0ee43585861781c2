import * as assert from 'assert';
import * as vscode from 'vscode';
import { consumerSession, emulator, tokenIsValid } from './helpers';

interface Outcome {
  id?: string;
  error?: string;
  message?: string;
  log?: string[];
}

const delta = (after: Record<string, number>, before: Record<string, number>, key: string) => (after[key] ?? 0) - (before[key] ?? 0);

// Runs after signIn.test.ts (files run in name order): a session exists.
suite('The consumer package (client/) in a real VS Code host, used by the consumer fixture', () => {
  test('the fixture fetches /v1/me through the package after the emulator answered its first call with 401', async () => {
    const session = await consumerSession();
    assert.ok(session, 'signed in by the suite before');
    await emulator('/__emulator/fault', { path: '/v1/me', kind: 'status', status: 401, times: 1 });
    const before = (await emulator('/__emulator/stats')).counts;
    const r = await vscode.commands.executeCommand<Outcome>('spotifyConsumer.fetchMe');
    const after = (await emulator('/__emulator/stats')).counts;
    assert.strictEqual(r.error, undefined, `no error: ${r.error} ${r.message}`);
    assert.strictEqual(r.id, 'emu-alice');
    assert.strictEqual(delta(after, before, 'GET /v1/me'), 2, 'the 401, then the answer');
    assert.strictEqual(delta(after, before, 'fault:status'), 1);
    assert.strictEqual(delta(after, before, 'token:refresh_token'), 0, 'a brief 401 needs no refresh');
    assert.ok(r.log?.some((l) => /HTTP 401 on a new token/.test(l)), 'the package retried it');
    assert.ok(!r.log?.some((l) => l.includes(session.accessToken)), 'its log holds no token');
  });

  test('a token Spotify keeps refusing: the package asks the provider\'s refreshIfCurrent, which refreshes it once', async () => {
    const old = await consumerSession();
    assert.ok(old);
    await emulator('/__emulator/expire-access-tokens', {});
    const before = (await emulator('/__emulator/stats')).counts;
    const r = await vscode.commands.executeCommand<Outcome>('spotifyConsumer.fetchMe');
    const after = (await emulator('/__emulator/stats')).counts;
    assert.strictEqual(r.error, undefined, `no error: ${r.error} ${r.message}`);
    assert.strictEqual(r.id, 'emu-alice');
    assert.strictEqual(delta(after, before, 'token:refresh_token'), 1, 'one refresh, by the provider');
    const now = await consumerSession();
    assert.ok(now && now.id === old.id, 'the same session');
    assert.notStrictEqual(now.accessToken, old.accessToken);
    assert.ok(await tokenIsValid(now.accessToken));
    assert.ok(r.log?.some((l) => /new token now/.test(l)));
  });

  test('@spotify/web-api-ts-sdk with the package\'s vscodeAuthStrategy: currentUser.profile() after a 401', async () => {
    await emulator('/__emulator/fault', { path: '/v1/me', kind: 'status', status: 401, times: 1 });
    const before = (await emulator('/__emulator/stats')).counts;
    const r = await vscode.commands.executeCommand<Outcome>('spotifyConsumer.sdkProfile');
    const after = (await emulator('/__emulator/stats')).counts;
    assert.strictEqual(r.error, undefined, `no error: ${r.error} ${r.message}`);
    assert.strictEqual(r.id, 'emu-alice');
    assert.strictEqual(delta(after, before, 'GET /v1/me'), 2);
  });
});
