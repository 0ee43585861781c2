import * as vscode from 'vscode';
import { AuthUi } from '../auth/authService';
import { CLIENT_ID_PATTERN } from '../oauth/client';
import { CancellationError } from '../oauth/errors';
import { SignInFlow } from '../flows/flow';
import { SignInAttempt } from '../flows/signIn';
import { flowLabel } from './flowLabels';
import { readClientId } from './settings';

/** After this long without the browser coming back, the likeliest cause is an unregistered redirect URI. */
const STILL_WAITING_MS = 20_000;

/** The sign-in UI in VS Code: the Client ID prompt, the waiting notification, "try another way". */
export class VscodeAuthUi implements AuthUi {
  async resolveClientId(): Promise<string | undefined> {
    return readClientId() ?? (await this.promptClientId());
  }

  /** Asks for the Client ID (validated: 32 hex characters) and stores it in the user settings. */
  async promptClientId(): Promise<string | undefined> {
    const value = await vscode.window.showInputBox({
      title: vscode.l10n.t('Spotify Client ID'),
      prompt: vscode.l10n.t(
        'Spotify has no shared Client ID: create an app at developer.spotify.com/dashboard, add the redirect URIs ("Spotify: Copy Redirect URI"), then paste its Client ID here.',
      ),
      placeHolder: vscode.l10n.t('32 hexadecimal characters, e.g. 0123456789abcdef0123456789abcdef'),
      value: readClientId() ?? '',
      ignoreFocusOut: true,
      validateInput: (v) =>
        v.trim() === '' || CLIENT_ID_PATTERN.test(v.trim())
          ? undefined
          : vscode.l10n.t('A Client ID is 32 hexadecimal characters (0-9, a-f), shown under your app at developer.spotify.com/dashboard.'),
    });
    const id = value?.trim();
    if (!id) {
      return undefined;
    }
    await vscode.workspace.getConfiguration('spotify').update('clientId', id, vscode.ConfigurationTarget.Global);
    // An unchanged value fires no settings change, so the walkthrough listens for this context key too.
    await vscode.commands.executeCommand('setContext', 'spotify.clientIdSaved', true);
    void vscode.window.showInformationMessage(vscode.l10n.t('Saved the Spotify Client ID {0} in your user settings.', id));
    return id;
  }

  async whileWaiting<T>(attempt: SignInAttempt, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Signing in to Spotify'), cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort(new CancellationError()));
        progress.report({
          message: [vscode.l10n.t('Approve in the browser ({0}). Redirect URI: {1}', flowLabel(attempt.flow.id), attempt.redirectUri), attempt.note].filter(Boolean).join(' '),
        });
        const live = { ended: false };
        const hint = setTimeout(() => void this.stillWaiting(attempt, live), STILL_WAITING_MS);
        try {
          return await task(controller.signal);
        } finally {
          live.ended = true;
          clearTimeout(hint);
          sub.dispose();
        }
      },
    );
  }

  /**
   * Spotify shows its refusals in the browser, never to us, so after a while the notice names each
   * page a sign-in can stall on and what to do about it: the Client ID (offer to set it), the
   * redirect URI of this attempt (offer to copy it), the scopes asked. A notice cannot be closed by
   * code, so one clicked after its attempt ended changes nothing.
   */
  private async stillWaiting(attempt: SignInAttempt, live: { ended: boolean }): Promise<void> {
    if (live.ended) {
      return;
    }
    const copy = vscode.l10n.t('Copy Redirect URI');
    const setClientId = vscode.l10n.t('Set Client ID');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t(
        'Still waiting for Spotify. What does the browser show? "INVALID_CLIENT: Invalid client": Spotify does not know the Client ID {0}; check it against your app at developer.spotify.com/dashboard. "INVALID_CLIENT: Invalid redirect URI", "INVALID_CLIENT: Insecure redirect URI" or "redirect_uri: Not matching configuration": add {1} to the app\'s Redirect URIs exactly as shown and press Save. "Illegal scope": the app may not use one of {2}. Then sign in again.',
        attempt.clientId,
        attempt.redirectUri,
        attempt.scopes.join(', ') || vscode.l10n.t('(no scopes)'),
      ),
      copy,
      setClientId,
    );
    if (choice === undefined) {
      return;
    }
    if (live.ended) {
      void vscode.window.showInformationMessage(vscode.l10n.t('That sign-in attempt has ended; nothing was changed. "Spotify: Copy Redirect URI" lists the URIs to register.'));
      return;
    }
    if (choice === copy) {
      await vscode.env.clipboard.writeText(attempt.redirectUri);
    } else {
      await vscode.commands.executeCommand('spotify.setClientId');
    }
  }

  scopesRefused(account: string, refused: readonly string[]): void {
    void vscode.window.showWarningMessage(
      vscode.l10n.t('Spotify signed in {0} but did not grant: {1}. Features that need them will not work; the session keeps what was granted.', account, refused.join(', ')),
    );
  }

  async offerNextFlow(_failed: SignInFlow, next: SignInFlow, reason: string): Promise<boolean> {
    const another = vscode.l10n.t('Try Another Way');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('Signing in to Spotify did not finish ({0}). Having trouble? Try another way: {1}.', reason, flowLabel(next.id)),
      another,
      vscode.l10n.t('Cancel'),
    );
    return choice === another;
  }
}
