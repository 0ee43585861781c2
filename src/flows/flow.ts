import { Logger } from '../common/logger';
import { PendingAuthorization, SpotifyOAuthClient } from '../oauth/client';
import { redirectUriMatches } from '../oauth/redirectUri';
import { CallbackRouter } from './callbackRouter';
import { CallbackHandoff } from './handoff';

/** The ways an authorization redirect can come back to us. */
export type FlowId = 'relay' | 'uriHandler' | 'loopback' | 'paste';

/** Where the extension runs, as far as choosing a way back is concerned. */
export interface FlowEnvironment {
  /** The extension host is not on the user's machine (a `workspace` extension in Remote, code-server). */
  readonly remoteExtensionHost: boolean;
  /** The workbench is a web page (vscode.dev, code-server, Codespaces in the browser). */
  readonly webUi: boolean;
  /** The extension runs in a web worker: no Node APIs, so no local HTTP server. */
  readonly webWorkerExtensionHost: boolean;
}

/** The relay page the relay flow redirects through, from the `spotify.relayUrl` setting or its default. */
export interface RelayConfig {
  readonly url: string;
  /** Set by the user: then the user vouches that it forwards to this window, wherever it runs. */
  readonly custom: boolean;
}

/** What flows need from the editor; the VS Code adapter implements it, tests model each host. */
export interface FlowHost {
  readonly extensionId: string;
  /** `vscode.env.uriScheme`: `vscode`, `vscode-insiders`, `code-oss`, a fork's own. Never assume `vscode`. */
  readonly uriScheme: string;
  readonly environment: FlowEnvironment;
  relay(): RelayConfig;
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
  /** Lets another window that receives our redirect pass it to us (the direct URI handler flow). */
  readonly handoff?: CallbackHandoff;
  readonly logger: Logger;
  /** Aborted on cancel or timeout. */
  readonly signal: AbortSignal;
}

export interface AuthorizationResult {
  readonly code: string;
  readonly pending: PendingAuthorization;
}

export interface SignInFlow {
  readonly id: FlowId;
  /** For the log. */
  readonly label: string;
  /**
   * The redirect URI the user registers at Spotify for this flow: fixed for a window, with no
   * per-request or per-window part. What the flow sends equals it (the loopback flow adds a port,
   * which a port-less loopback registration accepts).
   */
  redirectUri(host: FlowHost): Promise<string>;
  /** Opens the browser and resolves with the authorization code once the genuine redirect is back. */
  authorize(ctx: FlowContext): Promise<AuthorizationResult>;
}

/** A flow cannot work in this window (say the browser cannot reach its address); the next one may. */
export class FlowUnavailableError extends Error {
  override readonly name = 'FlowUnavailableError';
}

export interface OpenOptions {
  /** The state to send instead of a random one (the relay flow's callback URL). */
  readonly state?: string;
  /** What the router files the wait under, when not the state (the relay flow's nonce). */
  readonly nonce?: string;
  /** Runs after the wait is filed and before the browser opens (the handoff announcement). */
  readonly beforeOpen?: (pending: PendingAuthorization) => Promise<void>;
}

/**
 * The start every flow shares: check that the URI about to be sent is the registered one, create
 * the authorization request, listen for its redirect, then open the browser. Listening comes first
 * because an auto-approving server can answer before openExternal returns.
 */
export async function openAuthorization(
  ctx: FlowContext,
  redirectUri: string,
  registered: string,
  opts: OpenOptions = {},
): Promise<{ pending: PendingAuthorization; code: Promise<string> }> {
  if (!redirectUriMatches(registered, redirectUri)) {
    // The guarantee users rely on: every sign-in sends one of the URIs they were told to register.
    throw new FlowUnavailableError(`This sign-in would send the redirect URI ${redirectUri}, which is not the registered ${registered}.`);
  }
  const pending = await ctx.client.createAuthorizationRequest(redirectUri, ctx.scopes, { showDialog: ctx.showDialog, state: opts.state });
  const code = ctx.router.expect(pending.state, ctx.signal, opts.nonce);
  await opts.beforeOpen?.(pending);
  ctx.logger.info(`Opening the browser for Spotify sign-in; redirect URI ${redirectUri}`);
  if (!(await ctx.host.openExternal(pending.url))) {
    ctx.logger.warn('The editor did not open the browser.');
  }
  return { pending, code };
}

/** `<uriScheme>://<extension id>/callback`: the extension's URI handler, before asExternalUri. */
export function callbackUri(host: FlowHost, query = ''): string {
  return `${host.uriScheme}://${host.extensionId}${CALLBACK_PATH}${query ? `?${query}` : ''}`;
}

/** Path of the callback on our URI handler. */
export const CALLBACK_PATH = '/callback';
