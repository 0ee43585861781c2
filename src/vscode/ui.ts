import * as vscode from 'vscode';
import { AuthUi } from '../auth/authService';
import { CLIENT_ID_PATTERN } from '../oauth/client';
import { CancellationError } from '../oauth/errors';
import { SignInFlow } from '../flows/flow';
import { readClientId } from './settings';

/** The sign-in UI in VS Code: the Client ID prompt, the waiting notification, "try another way". */
export class VscodeAuthUi implements AuthUi {
  async resolveClientId(): Promise<string | undefined> {
    const configured = readClientId();
    if (configured) {
      return configured;
    }
    const value = await vscode.window.showInputBox({
      title: 'Spotify Client ID',
      prompt:
        'Spotify has no shared Client ID: create an app at developer.spotify.com/dashboard, add the redirect URI ' +
        '(run "Spotify: Copy Redirect URI"), then paste its Client ID here.',
      placeHolder: '32 hexadecimal characters, e.g. 0123456789abcdef0123456789abcdef',
      ignoreFocusOut: true,
      validateInput: (v) =>
        v.trim() === '' || CLIENT_ID_PATTERN.test(v.trim())
          ? undefined
          : 'A Client ID is 32 hexadecimal characters (0-9, a-f), shown under your app at developer.spotify.com/dashboard.',
    });
    const id = value?.trim();
    if (!id) {
      return undefined;
    }
    await vscode.workspace.getConfiguration('spotify').update('clientId', id, vscode.ConfigurationTarget.Global);
    return id;
  }

  async whileWaiting<T>(task: (signal: AbortSignal, report: (redirectUri: string) => void) => Promise<T>): Promise<T> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Signing in to Spotify', cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort(new CancellationError()));
        const report = (redirectUri: string) =>
          progress.report({
            message:
              'Approve in the browser. If it shows "INVALID_CLIENT: Invalid redirect URI", add this redirect URI to your Spotify app: ' +
              redirectUri,
          });
        try {
          return await task(controller.signal, report);
        } finally {
          sub.dispose();
        }
      },
    );
  }

  async offerNextFlow(failed: SignInFlow, next: SignInFlow, reason: string): Promise<boolean> {
    const choice = await vscode.window.showWarningMessage(
      `Signing in to Spotify did not finish (${reason}). Having trouble? Try another way: ${next.label}.`,
      'Try Another Way',
      'Cancel',
    );
    return choice === 'Try Another Way';
  }
}
