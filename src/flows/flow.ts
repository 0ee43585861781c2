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
