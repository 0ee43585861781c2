import { Logger } from '../common/logger';
import { Grant } from '../session/grant';
import { RefreshForce } from '../session/grantManager';

/** What this needs of the GrantManager: its public, in-memory view and its refresh. */
export interface RefreshableGrants {
  all(): readonly Grant[];
  refresh(id: string, force?: RefreshForce): Promise<Grant | undefined>;
}

/**
 * `refreshIfCurrent(sessionId, accessToken)` of the exported API: a consumer whose calls keep
 * getting 401 with a token asks for a new one. The provider refreshes only while that token is
 * still the session's, and all callers with the same token share one refresh, so no consumer (nor
 * a thousand of them) can make it refresh twice, and a consumer that does not know the current
 * token cannot make it refresh at all. The new token is never returned here: the consumer gets it
 * from `vscode.authentication.getSession`, through VS Code's access control.
 */
export class CurrentTokenRefresher {
  /** Per session and token: the one refresh all callers holding that token share. */
  private readonly inflight = new Map<string, Promise<boolean>>();

  constructor(
    private readonly grants: RefreshableGrants,
    private readonly logger: Logger,
  ) {}

  /**
   * Resolves true when the session now has another token than `accessToken` (refreshed by this
   * call or earlier: get the session again), false when no other token is to be had (no such
   * session: signed out).
   * Rejects when the refresh failed (offline, or the grant was lost: the user was told).
   */
  refreshIfCurrent(sessionId: unknown, accessToken: unknown): Promise<boolean> {
    if (typeof sessionId !== 'string' || sessionId === '' || typeof accessToken !== 'string' || accessToken === '') {
      return Promise.reject(new TypeError('refreshIfCurrent(sessionId, accessToken) needs the session\'s id and the access token that was refused, both non-empty strings.'));
    }
    const current = this.find(sessionId);
    if (!current) {
      return Promise.resolve(false);
    }
    if (current.accessToken !== accessToken) {
      return Promise.resolve(true); // already replaced: nothing to do
    }
    const key = `${sessionId}\n${accessToken}`;
    let running = this.inflight.get(key);
    if (!running) {
      running = this.refresh(sessionId, accessToken, current).finally(() => this.inflight.delete(key));
      this.inflight.set(key, running);
    }
    return running;
  }

  private async refresh(id: string, refused: string, grant: Grant): Promise<boolean> {
    // First without force: under the grant's cross-window lock this window's view catches up, so a
    // refresh another window already made is found instead of repeated.
    let after = await this.grants.refresh(id, false);
    if (after && after.accessToken === refused) {
      this.logger.info(`Another extension's Spotify call was refused with ${grant.account.label}'s current token (HTTP 401); refreshing it.`);
      // Decided under the grant's lock: only while the refused token is still the stored one, so
      // two windows asked about the same token refresh it once between them.
      after = await this.grants.refresh(id, { ifAccessToken: refused });
      if (after && after.accessToken === refused) {
        // Joined a refresh that was already running and did not replace the token (one that found
        // it not due): ask once more, now as the only one.
        after = await this.grants.refresh(id, { ifAccessToken: refused });
      }
    }
    if (!after) {
      return false;
    }
    return after.accessToken !== refused;
  }

  private find(id: string): Grant | undefined {
    return this.grants.all().find((g) => g.id === id);
  }
}
