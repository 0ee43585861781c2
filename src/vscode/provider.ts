import * as vscode from 'vscode';
import { AuthService } from '../auth/authService';
import { Grant } from '../session/grant';
import { GrantManager } from '../session/grantManager';

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
  ) {
    this.subscription = manager.onDidChange((e) =>
      this._onDidChangeSessions.fire({ added: e.added.map(toSession), removed: e.removed.map(toSession), changed: e.changed.map(toSession) }),
    );
  }

  async getSessions(scopes: readonly string[] | undefined, options?: vscode.AuthenticationProviderSessionOptions): Promise<vscode.AuthenticationSession[]> {
    return (await this.service.getSessions(scopes, options?.account?.id)).map(toSession);
  }

  async createSession(scopes: readonly string[], options?: vscode.AuthenticationProviderSessionOptions): Promise<vscode.AuthenticationSession> {
    return toSession(await this.service.createSession(scopes, { accountId: options?.account?.id }));
  }

  removeSession(sessionId: string): Promise<void> {
    return this.service.removeSession(sessionId);
  }

  dispose(): void {
    this.subscription.dispose();
    this._onDidChangeSessions.dispose();
  }
}
