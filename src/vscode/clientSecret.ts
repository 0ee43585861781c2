import * as vscode from 'vscode';

const SECRET_PATTERN = /^[0-9a-fA-F]{32}$/;

/**
 * "Spotify: Set Client Secret": only for a confidential app (app-only tokens, or an app that wants
 * Basic auth). PKCE sign-in needs no secret. Empty input removes the stored one. Returns true
 * when something changed.
 */
export async function promptClientSecret(secrets: vscode.SecretStorage, key: string): Promise<boolean> {
  const value = await vscode.window.showInputBox({
    title: vscode.l10n.t('Spotify Client Secret'),
    prompt: vscode.l10n.t('Optional. Needed only for app-only tokens. Find it under your app\'s Settings at developer.spotify.com/dashboard. Leave empty to remove the stored secret.'),
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === '' || SECRET_PATTERN.test(v.trim()) ? undefined : vscode.l10n.t('A Spotify client secret is 32 hexadecimal characters.')),
  });
  if (value === undefined) {
    return false;
  }
  if (value.trim() === '') {
    await secrets.delete(key);
    void vscode.window.showInformationMessage(vscode.l10n.t('Removed the stored Spotify client secret.'));
  } else {
    await secrets.store(key, value.trim());
    void vscode.window.showInformationMessage(vscode.l10n.t('Stored the Spotify client secret in VS Code\'s secret storage.'));
  }
  return true;
}
