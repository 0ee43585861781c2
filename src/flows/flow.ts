import { Logger } from '../common/logger';
import { PendingAuthorization, SpotifyOAuthClient } from '../oauth/client';
import { CallbackRouter } from './callbackRouter';

/** The ways an authorization redirect can come back to us. */
export type FlowId = 'uriHandler' | 'loopback' | 'paste';

/** What flows need from the editor; the VS Code adapter implements it, tests fake it. */
export interface FlowHost {
  readonly extensionId: string;
  /** `vscode.env.uriScheme`: `vscode`, `vscode-insiders`, `code-oss`, a fork's own. Never assume `vscode`. */
  readonly uriScheme: string;
  asExternalUri(uri: string): Promise<string>;
  openExternal(url: string): Promise<boolean>;
  /** Translates a message with {0}-style placeholders (vscode.l10n.t in VS Code). */
  t(message: string, ...args: Array<string | number>): string;
  /** Asks the user for text; undefined when dismissed. */
  showInputBox(opts: { title: string; prompt: string; placeHolder?: string; validate(value: string): string | undefined }): Promise<string | undefined>;
}

export interface FlowContext {
  readonly client: SpotifyOAuthClient;
  readonly scopes: readonly string[];
  readonly showDialog: boolean;
  readonly host: FlowHost;
  readonly router: CallbackRouter;
  readonly logger: Logger;
  /** Aborted on cancel or timeout. */
  readonly signal: AbortSignal;
  /** Tells the UI which redirect URI this attempt uses, so it can say what to register. */
  readonly reportRedirectUri?: (redirectUri: string) => void;
}

export interface AuthorizationResult {
  readonly code: string;
  readonly pending: PendingAuthorization;
}

export interface SignInFlow {
  readonly id: FlowId;
  /** Shown when offering this flow as "another way". */
  readonly label: string;
  /** The redirect URI this flow sends, which must be registered in the Spotify app. */
  redirectUri(host: FlowHost): Promise<string>;
  /** Opens the browser and resolves with the authorization code once the genuine redirect is back. */
  authorize(ctx: FlowContext): Promise<AuthorizationResult>;
}

/**
 * The start every flow shares: tell the UI which URI to register, create the authorization
 * request, listen for its state, then open the browser. Listening comes first because an
 * auto-approving server can answer before openExternal returns. `registered` is what the user
 * registers when it differs from the URI sent (the loopback flow's port-less form).
 */
export async function openAuthorization(
  ctx: FlowContext,
  redirectUri: string,
  registered = redirectUri,
): Promise<{ pending: PendingAuthorization; code: Promise<string> }> {
  ctx.reportRedirectUri?.(registered);
  const pending = await ctx.client.createAuthorizationRequest(redirectUri, ctx.scopes, { showDialog: ctx.showDialog });
  const code = ctx.router.expect(pending.state, ctx.signal);
  ctx.logger.info(`Opening the browser for Spotify sign-in; redirect URI ${redirectUri}`);
  if (!(await ctx.host.openExternal(pending.url))) {
    ctx.logger.warn('The editor did not open the browser.');
  }
  return { pending, code };
}
