import * as assert from 'assert';
import * as vscode from 'vscode';
import { activateExtension, consumerSession, tokenIsValid } from '../helpers';

suite('After a window reload', () => {
  suiteSetup(activateExtension);

  test('the session is still there, from SecretStorage', async () => {
    const s = await consumerSession();
    assert.ok(s, 'session survived the reload');
    assert.strictEqual(s.account.label, 'Alice Emulated');
    assert.ok(await tokenIsValid(s.accessToken));
  });

  test('"Spotify: Sign Out" removes it', async () => {
    const s = await consumerSession();
    assert.ok(s);
    assert.strictEqual(await vscode.commands.executeCommand('spotify.signOut', s.id), true);
    assert.strictEqual(await consumerSession(), undefined);
  });
});
