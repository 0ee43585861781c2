import * as vscode from 'vscode';
import { AuthService } from '../auth/authService';
import { Grant } from '../session/grant';
import { GrantManager } from '../session/grantManager';
import { Outcomes } from './outcomes';

/** Scopes "Spotify: Sign In" asks for when no extension asked for more: enough to name the account. */
export const DEFAULT_SCOPES = ['user-read-private'];

/** What the commands return: enough for tests and scripts, never a token. */
export interface SessionSummary {
  readonly id: string;
  readonly account: string;
  readonly scopes: readonly string[];
}

const summary = (g: Grant): SessionSummary => ({ id: g.id, account: g.account.label, scopes: g.scopes });

export function registerCommands(service: AuthService, manager: GrantManager, outcomes: Outcomes): vscode.Disposable[] {
  return [
    // `accountId` signs that account in again (its session keeps its id and scopes).
    vscode.commands.registerCommand('spotify.signIn', async (scopes?: string[], accountId?: string) => {
      try {
        const g = await service.createSession(Array.isArray(scopes) ? scopes : DEFAULT_SCOPES, typeof accountId === 'string' ? { accountId } : {});
        outcomes.signedIn(g);
        return summary(g);
      } catch (e) {
        outcomes.failed(e);
        return undefined;
      }
    }),
    vscode.commands.registerCommand('spotify.signOut', async (id?: string) => {
      const g = await pick(manager, id, vscode.l10n.t('Sign out of which Spotify account?'));
      if (!g) {
        return false;
      }
      try {
        const gone = await service.removeSession(g.id);
        outcomes.signedOut(gone ?? g);
        return true;
      } catch (e) {
        outcomes.failed(e);
        return false;
      }
    }),
    vscode.commands.registerCommand('spotify.refreshSession', async (id?: string) => {
      const g = await pick(manager, id, vscode.l10n.t('Refresh which Spotify session?'));
      if (!g) {
        return undefined;
      }
      try {
        const fresh = await service.refreshSession(g.id);
        outcomes.refreshed(fresh);
        return summary(fresh);
      } catch (e) {
        outcomes.failed(e);
        return undefined;
      }
    }),
  ];
}

/** The session named by `id`, the only one, or the one the user picks. */
async function pick(manager: GrantManager, id: string | undefined, title: string): Promise<Grant | undefined> {
  const all = manager.all();
  if (typeof id === 'string') {
    return all.find((g) => g.id === id);
  }
  if (all.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('You are not signed in to Spotify.'));
    return undefined;
  }
  if (all.length === 1) {
    return all[0];
  }
  const item = await vscode.window.showQuickPick(
    all.map((g) => ({ label: g.account.label, description: g.scopes.join(' '), grant: g })),
    { title, ignoreFocusOut: true },
  );
  return item?.grant;
}
