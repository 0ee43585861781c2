import * as vscode from 'vscode';
import { GrantManager } from '../session/grantManager';
import { consentEndsAt, day } from '../session/consent';

/**
 * Optional (spotify.showStatusBar) status bar entry: the signed-in account, and a menu to
 * refresh, sign out, switch account or show the log.
 */
export class SpotifyStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('spotify.account', vscode.StatusBarAlignment.Right, 100);
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly manager: GrantManager) {
    this.item.name = vscode.l10n.t('Spotify Account');
    this.item.command = 'spotify.accountMenu';
    this.subscriptions.push(
      { dispose: manager.onDidChange(() => this.update()).dispose },
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('spotify.showStatusBar') && this.update()),
      vscode.commands.registerCommand('spotify.accountMenu', () => this.menu()),
    );
    this.update();
  }

  private update(): void {
    const grants = this.manager.all();
    void vscode.commands.executeCommand('setContext', 'spotify.signedIn', grants.length > 0);
    if (!vscode.workspace.getConfiguration('spotify').get<boolean>('showStatusBar', false)) {
      this.item.hide();
      return;
    }
    this.item.text = grants.length ? `$(account) ${grants.map((g) => g.account.label).join(', ')}` : `$(sign-in) ${vscode.l10n.t('Spotify')}`;
    this.item.tooltip = grants.length
      ? grants.map((g) => vscode.l10n.t('Signed in to Spotify as {0}; consent given {1}, ends {2}', g.account.label, day(g.createdAt), day(consentEndsAt(g)))).join('\n')
      : vscode.l10n.t('Sign in to Spotify');
    this.item.show();
  }

  private async menu(): Promise<void> {
    const signedIn = this.manager.all().length > 0;
    const entries = [
      ...(signedIn
        ? [
            { label: vscode.l10n.t('Refresh Session'), command: 'spotify.refreshSession' },
            { label: vscode.l10n.t('Sign Out'), command: 'spotify.signOut' },
            { label: vscode.l10n.t('Sign In to Another Account'), command: 'spotify.signIn' },
          ]
        : [{ label: vscode.l10n.t('Sign In'), command: 'spotify.signIn' }]),
      { label: vscode.l10n.t('Show Log'), command: 'spotify.showLog' },
    ];
    const pick = await vscode.window.showQuickPick(entries, { title: vscode.l10n.t('Spotify') });
    if (pick) {
      await vscode.commands.executeCommand(pick.command);
    }
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.item.dispose();
  }
}
