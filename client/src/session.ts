import * as vscode from 'vscode';
import { PROVIDER_EXTENSION_ID, SpotifyProviderMissingError } from './errors';

/** The sign-in's id in `vscode.authentication`. */
export const PROVIDER_ID = 'spotify';

export interface SpotifySessionOptions {
  /** Never show anything; resolve undefined when no session has the scopes. */
  readonly silent?: boolean;
  /** Ask the user to sign in when no session has the scopes; `detail` says why, in VS Code's dialog. */
  readonly createIfNone?: boolean | { readonly detail?: string };
  /** The account to use, of those the user signed in with (VS Code's `account` option). */
  readonly account?: vscode.AuthenticationSessionAccountInformation;
  /** Let the user pick the account again instead of the one they chose for this extension before. */
  readonly clearSessionPreference?: boolean;
}

/**
 * `vscode.authentication.getSession('spotify', scopes, …)`, typed, with a clear
 * {@link SpotifyProviderMissingError} when the Spotify Authentication extension is not there.
 * Without `createIfNone`, resolves undefined when no session has the scopes.
 */
export function getSpotifySession(scopes: readonly string[], options: SpotifySessionOptions & { readonly createIfNone: true | { readonly detail?: string } }): Promise<vscode.AuthenticationSession>;
export function getSpotifySession(scopes: readonly string[], options?: SpotifySessionOptions): Promise<vscode.AuthenticationSession | undefined>;
export async function getSpotifySession(scopes: readonly string[], options: SpotifySessionOptions = {}): Promise<vscode.AuthenticationSession | undefined> {
  if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string' || s.trim() === '' || /\s/.test(s))) {
    throw new TypeError('getSpotifySession(scopes) needs an array of Spotify scope names, such as ["user-read-private"].');
  }
  if (options.silent && options.createIfNone) {
    throw new TypeError('getSpotifySession: "silent" and "createIfNone" exclude each other.');
  }
  const create = options.createIfNone;
  const vsOptions: vscode.AuthenticationGetSessionOptions = {
    ...(options.silent ? { silent: true } : {}),
    ...(create ? { createIfNone: typeof create === 'object' && create.detail ? { detail: create.detail } : true } : {}),
    ...(options.account ? { account: options.account } : {}),
    ...(options.clearSessionPreference ? { clearSessionPreference: true } : {}),
  };
  try {
    return await vscode.authentication.getSession(PROVIDER_ID, scopes, vsOptions);
  } catch (e) {
    // Asked only after a failure: in a Remote window the provider may run in the other extension
    // host, where getExtension cannot see it, yet its sessions reach this one; so a refusal there
    // (a declined consent) must stay what it is. Only VS Code's "no provider" failure (its own
    // wording, the same from 1.100 to 1.139) means the extension is missing.
    if (!vscode.extensions.getExtension(PROVIDER_EXTENSION_ID) && /No authentication provider/i.test((e as Error)?.message ?? '')) {
      throw new SpotifyProviderMissingError((e as Error)?.message);
    }
    throw e;
  }
}
