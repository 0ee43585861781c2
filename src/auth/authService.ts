import { Logger } from '../common/logger';
import { ClientFactory } from './endpointPolicy';
import { CancellationError } from '../oauth/errors';
import { normalizeScopes, scopesCover } from '../oauth/scopes';
import { CallbackRouter } from '../flows/callbackRouter';
import { FlowHost, SignInFlow } from '../flows/flow';
import { CallbackHandoff } from '../flows/handoff';
import { authorizeWithFlows, SignInUi } from '../flows/signIn';
import { Grant, grantedScopes, grantFromTokenResponse, newSessionId } from '../session/grant';
import { GrantManager } from '../session/grantManager';

/** The editor UI the sign-in needs; the VS Code adapter implements it, unit tests script it. */
export interface AuthUi extends SignInUi {
  /** The Client ID to use: from settings, or asked for. Undefined when the user gave none. */
  resolveClientId(): Promise<string | undefined>;
  /** Spotify granted fewer scopes than asked: say which, once (the session records them). */
  scopesRefused(account: string, refused: readonly string[]): void;
}

export interface AuthServiceDeps {
  readonly manager: GrantManager;
  readonly router: CallbackRouter;
  /** Lets another window pass on a redirect that landed there (the direct URI handler flow). */
  readonly handoff?: CallbackHandoff;
  readonly host: FlowHost;
  readonly logger: Logger;
  readonly ui: AuthUi;
  /** A client for this Client ID, confidential when the user stored a client secret for it. */
  readonly createClient: ClientFactory;
  /** The flows to try now, in order (from the environment and the signInFlow setting). */
  readonly flows: () => Promise<readonly SignInFlow[]>;
  /** How long one flow waits for the browser; five minutes in the product. */
  readonly timeoutMs: number;
  readonly now?: () => number;
}

export interface CreateOptions {
  /** Sign in to this account (VS Code's `options.account`): its scopes are kept and added to. */
  readonly accountId?: string;
}

/**
 * The provider's logic without VS Code types: which grants serve a request, how a sign-in runs
 * (flows → code exchange → profile → store), sign-out and forced refresh.
 */
export class AuthService {
  private readonly now: () => number;

  constructor(private readonly d: AuthServiceDeps) {
    this.now = d.now ?? Date.now;
  }

  /** Grants that cover `scopes` (all grants when undefined), fresh, for `accountId` when given. */
  getSessions(scopes?: readonly string[], accountId?: string): Promise<Grant[]> {
    return this.d.manager.getFresh(scopes === undefined ? undefined : normalizeScopes(scopes), accountId);
  }

  async createSession(requested: readonly string[], options: CreateOptions = {}): Promise<Grant> {
    const scopes = normalizeScopes(requested);
    const clientId = await this.d.ui.resolveClientId();
    if (!clientId) {
      throw new CancellationError('Sign-in needs a Spotify Client ID; none was given.');
    }
    const client = await this.d.createClient(clientId);
    const existing = this.d.manager.all();
    // Consent for the union: the account keeps what it had and gains what is asked, in one prompt.
    const sameAccount = options.accountId !== undefined ? existing.filter((g) => g.account.id === options.accountId) : [];
    const ask = normalizeScopes([...scopes, ...sameAccount.flatMap((g) => g.scopes)]);
    // Signed in already and no account named: the user wants another account, so Spotify must
    // show its account screen instead of silently reusing the browser's login.
    const showDialog = existing.length > 0 && options.accountId === undefined;
    const flows = await this.d.flows();
    const result = await authorizeWithFlows(
      flows,
      { client, scopes: ask, showDialog, host: this.d.host, router: this.d.router, handoff: this.d.handoff, logger: this.d.logger },
      new AbortController().signal,
      this.d.timeoutMs,
      this.d.ui,
    );
    // As for a refresh: the token's lifetime runs from when the request left, so a slow answer or
    // profile fetch cannot make the session look valid after Spotify has expired it.
    const sentAt = this.now();
    const token = await client.exchangeCode(result.pending, result.code);
    const account = await client.fetchAccount(token.access_token);
    if (options.accountId !== undefined && account.id !== options.accountId) {
      this.d.logger.warn(`Asked to sign in to one account, but Spotify signed in ${account.label}; keeping that account.`);
    }
    const granted = grantedScopes(token, ask);
    // A narrower session of the same account is replaced, keeping its id so its users see a change, not a loss.
    const narrower = this.d.manager
      .all()
      .find((g) => g.account.id === account.id && g.clientId === clientId && scopesCover(granted, g.scopes));
    const grant = grantFromTokenResponse(token, account, ask, clientId, sentAt, narrower?.id ?? newSessionId(), client.endpoints.accounts);
    await this.d.manager.add(grant, narrower?.id);
    this.d.logger.info(`Signed in to Spotify as ${account.label} with scopes: ${grant.scopes.join(' ') || '(none)'}.`);
    if (grant.refusedScopes?.length) {
      this.d.logger.warn(`Spotify did not grant ${grant.refusedScopes.join(', ')} to ${account.label}; the session has what was granted.`);
      this.d.ui.scopesRefused(account.label, grant.refusedScopes);
    }
    return grant;
  }

  /** Resolves with the grant that was signed out, if there was one. */
  async removeSession(id: string): Promise<Grant | undefined> {
    const gone = await this.d.manager.remove(id);
    if (gone) {
      this.d.logger.info(`Signed out ${gone.account.label} from Spotify.`);
    }
    return gone;
  }

  /** Refreshes now, even when the token is not due. */
  async refreshSession(id: string): Promise<Grant> {
    const grant = await this.d.manager.refresh(id, true);
    if (!grant) {
      throw new Error('That Spotify session was signed out meanwhile.');
    }
    return grant;
  }
}
