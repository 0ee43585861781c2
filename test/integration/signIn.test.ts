import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { activateExtension, consumerSession, emulator, EXTENSION_ID, tokenIsValid } from './helpers';

suite('Spotify provider in a real VS Code host', () => {
  suiteSetup(activateExtension);

  test('contributes the spotify provider and its commands', async () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    assert.deepStrictEqual(pkg.contributes.authentication, [{ id: 'spotify', label: 'Spotify' }]);
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['spotify.signIn', 'spotify.signOut', 'spotify.refreshSession']) {
      assert.ok(commands.includes(c), `${c} is registered`);
    }
  });

  test('Restricted Mode and virtual workspaces are declared; this window is untrusted and the provider works in it', async () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    assert.deepStrictEqual(pkg.capabilities, { untrustedWorkspaces: { supported: true }, virtualWorkspaces: true });
    assert.strictEqual(vscode.workspace.isTrusted, false, 'the harness opens the workspace in Restricted Mode');
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)!.isActive, 'active in Restricted Mode');
  });

  test('no session before sign-in', async () => {
    assert.strictEqual(await consumerSession(), undefined);
  });

  test('signs in through the relay page into code-server\'s real URI handler, with a registered redirect URI', async () => {
    const before = await emulator('/__emulator/stats');
    const summary = await vscode.commands.executeCommand<{ id: string; account: string; scopes: string[] }>('spotify.signIn', [
      'user-read-private',
      'user-top-read',
    ]);
    assert.ok(summary, 'sign-in returned a session');
    assert.strictEqual(summary.account, 'Alice Emulated');
    assert.deepStrictEqual(summary.scopes, ['user-read-private', 'user-top-read']);
    const stats = await emulator('/__emulator/stats');
    const authorize = stats.authorizeRequests.at(-1);
    // The fixed relay address went to Spotify; this window's callback (asExternalUri, with its
    // per-request reqid and our nonce) travelled in state.
    assert.strictEqual(authorize.redirect_uri, process.env.SPOTIFY_RELAY_URL);
    const callback = decodeURIComponent(authorize.state);
    const nonce = '&vscode-query=nonce(%3D|=)[0-9a-f]{48}$';
    const codeServer = new RegExp(`^http://127\\.0\\.0\\.1:\\d+/.*callback\\?vscode-reqid=\\d+&vscode-scheme=code-oss&vscode-authority=spotify-auth\\.spotify-authentication&vscode-path=(%2F|/)callback${nonce}`);
    const desktop = /^vscode(-insiders)?:\/\/spotify-auth\.spotify-authentication\/callback\?nonce=[0-9a-f]{48}&windowId=\d+$/;
    assert.ok(codeServer.test(callback) || desktop.test(callback), `this window's callback in state: ${callback.replace(/nonce=[^&]*/, 'nonce=…')}`);
    assert.strictEqual(stats.counts['GET /redirect'] - (before.counts['GET /redirect'] ?? 0), 1, 'the browser went through the relay once');
    assert.strictEqual(authorize.code_challenge_method, 'S256');
    assert.strictEqual((stats.counts['token:authorization_code'] ?? 0) - (before.counts['token:authorization_code'] ?? 0), 1);
  });

  test('another extension gets the session through vscode.authentication.getSession', async () => {
    const s = await consumerSession(['user-read-private']);
    assert.ok(s, 'consumer got a session');
    assert.strictEqual(s.account.label, 'Alice Emulated');
    assert.strictEqual(s.account.id, 'acc-alice-0001');
    assert.ok(await tokenIsValid(s.accessToken), 'the emulator accepts the token');
  });

  test('a request for scopes no session has gets nothing silently', async () => {
    assert.strictEqual(await consumerSession(['playlist-modify-private']), undefined);
  });

  test('"Spotify: Refresh Session" replaces the access token and fires a change', async () => {
    const before = await consumerSession();
    const eventsBefore = await vscode.commands.executeCommand<number>('spotifyConsumer.events');
    const refreshed = await vscode.commands.executeCommand<{ id: string }>('spotify.refreshSession');
    assert.ok(refreshed);
    assert.strictEqual(refreshed.id, before!.id, 'session id stays stable');
    const after = await consumerSession();
    assert.notStrictEqual(after!.accessToken, before!.accessToken);
    assert.ok(await tokenIsValid(after!.accessToken));
    const eventsAfter = await waitFor(() => vscode.commands.executeCommand<number>('spotifyConsumer.events'), (n) => n > eventsBefore);
    assert.ok(eventsAfter > eventsBefore, 'onDidChangeSessions fired for spotify');
    // The refresh ran under the cross-window lock in the profile's global storage, whose ledger
    // now records the grant's new generation (code-server keeps global storage under its user data).
    const userData = process.env.SPOTIFY_TEST_USER_DATA;
    assert.ok(userData, 'the harness names the user data folder');
    {
      const ledger = path.join(userData, 'User/globalStorage', EXTENSION_ID, 'locks', `grant-${refreshed.id}.ledger.json`);
      assert.ok(fs.existsSync(ledger), `ledger at ${ledger}`);
      const entry = JSON.parse(fs.readFileSync(ledger, 'utf8'))[`spotify.grant.${refreshed.id}`];
      assert.ok(entry.gen >= 2, 'written at sign-in, then by the refresh');
      assert.ok(!fs.existsSync(ledger.replace('.ledger.json', '.lock')), 'the lock is released');
    }
  });
});

async function waitFor<T>(get: () => Thenable<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v) || Date.now() > end) {
      return v;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
