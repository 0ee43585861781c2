import * as vscode from 'vscode';
import { describeError } from '../auth/describeError';
import { Logger } from '../common/logger';
import { CancellationError } from '../oauth/errors';
import { Grant } from '../session/grant';

/**
 * How Sign In, Sign Out and Refresh Session report what happened, the same from every entry point:
 * the commands, the status bar menu (which runs the commands), the Accounts menu and another
 * extension's getSession(…, { createIfNone: true }) (which reach the provider). A failure is logged
 * and shown in plain words; a cancellation says nothing.
 */
export class Outcomes {
  constructor(private readonly logger: Logger) {}

  signedIn(g: Grant): void {
    void vscode.window.showInformationMessage(vscode.l10n.t('Signed in to Spotify as {0}.', g.account.label));
  }

  signedOut(g: Grant): void {
    void vscode.window.showInformationMessage(vscode.l10n.t('Signed out of Spotify ({0}).', g.account.label));
  }

  refreshed(g: Grant): void {
    void vscode.window.showInformationMessage(vscode.l10n.t('Refreshed the Spotify session of {0}.', g.account.label));
  }

  failed(e: unknown): void {
    if (e instanceof CancellationError) {
      this.logger.info(`Stopped: ${e.message}`);
      return;
    }
    this.logger.error(describeError(e));
    void vscode.window.showErrorMessage(describeError(e, vscode.l10n.t));
  }
}
