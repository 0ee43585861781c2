import * as vscode from 'vscode';
import { AuthService } from '../auth/authService';
import { Grant } from '../session/grant';
import { GrantManager } from '../session/grantManager';
import { Outcomes } from './outcomes';

export const PROVIDER_ID = 'spotify';
export const PROVIDER_LABEL = 'Spotify';

export function toSession(g: Grant): vscode.AuthenticationSession {
  return { id: g.id, accessToken: g.accessToken, account: { id: g.account.id, label: g.account.label }, scopes: g.scopes };
}

/** VS Code's view of the auth service: converts types and forwards grant changes as session events. */
export class SpotifyAuthenticationProvider implements vscode.AuthenticationProvider, vscode.Disposable {
  private readonly _onDidChangeSessions = new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>();
  readonly onDidChangeSessions = this._onDidChangeSessions.event;
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly service: AuthService,
    manager: GrantManager,
    private readonly outcomes: Outcomes,
  ) {
    this.subscription = manager.onDidChange((e) =>
      this._onDidChangeSessions.fire({ added: e.added.map(toSession), removed: e.removed.map(toSession), changed: e.changed.map(toSession) }),
    );
  }

  async getSessions(scopes: readonly string[] | undefined, options?: vscode.AuthenticationProviderSessionOptions): Promise<vscode.AuthenticationSession[]> {
    return (await this.service.getSessions(scopes, options?.account?.id)).map(toSession);
  }

  /** From the Accounts menu or another extension's getSession(…, { createIfNone: true }). */
  async createSession(scopes: readonly string[], options?: vscode.AuthenticationProviderSessionOptions): Promise<vscode.AuthenticationSession> {
    try {
      const g = await this.service.createSession(scopes, { accountId: options?.account?.id });
      this.outcomes.signedIn(g);
      return toSession(g);
    } catch (e) {
      this.outcomes.failed(e);
      throw e;
    }
  }

  async removeSession(sessionId: string): Promise<void> {
    try {
      const gone = await this.service.removeSession(sessionId);
      if (gone) {
        this.outcomes.signedOut(gone);
      }
    } catch (e) {
      this.outcomes.failed(e);
      throw e;
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this._onDidChangeSessions.dispose();
  }
}
