import * as vscode from 'vscode';
import { AuthService } from '../auth/authService';
import { Grant } from '../session/grant';
import { GrantManager } from '../session/grantManager';
import { Outcomes } from './outcomes';

export const PROVIDER_ID = 'spotify';
export const PROVIDER_LABEL = 'Spotify';

/**
 * A grant as VS Code sees it. For a request, the session carries the scopes as they were requested
 * (the grant covers them, perhaps with more): VS Code's Accounts menu clears its "Sign in to use X"
 * badge only for an added session whose scope list, joined, equals the requested one.
 */
export function toSession(g: Grant, requested?: readonly string[]): vscode.AuthenticationSession {
  // Never claim a scope Spotify refused (the grant may answer a request through refusedScopes).
  const asRequested = requested !== undefined && requested.every((s) => g.scopes.includes(s));
  return { id: g.id, accessToken: g.accessToken, account: { id: g.account.id, label: g.account.label }, scopes: asRequested ? [...requested] : g.scopes };
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
      this._onDidChangeSessions.fire({ added: e.added.map((g) => toSession(g)), removed: e.removed.map((g) => toSession(g)), changed: e.changed.map((g) => toSession(g)) }),
    );
  }

  async getSessions(scopes: readonly string[] | undefined, options?: vscode.AuthenticationProviderSessionOptions): Promise<vscode.AuthenticationSession[]> {
    return (await this.service.getSessions(scopes, options?.account?.id)).map((g) => toSession(g, scopes));
  }

  /** From the Accounts menu or another extension's getSession(…, { createIfNone: true }). */
  async createSession(scopes: readonly string[], options?: vscode.AuthenticationProviderSessionOptions): Promise<vscode.AuthenticationSession> {
    try {
      const g = await this.service.createSession(scopes, { accountId: options?.account?.id });
      this.outcomes.signedIn(g);
      const session = toSession(g, scopes);
      // Added, even when a wider grant replaced a narrower one in place (the store then reports a
      // change): the badge of the request that led here clears only on an added session.
      this._onDidChangeSessions.fire({ added: [session], removed: [], changed: [] });
      return session;
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
