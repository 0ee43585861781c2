import { CancellationError, HttpError, OAuthError, TransportError } from '../oauth/errors';
import { GrantLostError } from '../session/grantManager';
import { SignInTimeoutError } from '../flows/signIn';

/** `vscode.l10n.t`'s shape: a message with {0}-style placeholders and its arguments. */
export type Localize = (message: string, ...args: Array<string | number>) => string;

/** The default when no translation layer is given (unit tests, logs). */
export const english: Localize = (message, ...args) => message.replace(/\{(\d+)\}/g, (_m, i: string) => String(args[Number(i)]));

/**
 * Spotify's failures in plain words, each with what to do about it. Built only from error kinds,
 * statuses and Spotify's descriptions, so no message can carry a token. Pure, so it is tested in
 * Node; the VS Code layer passes `vscode.l10n.t` to translate.
 */
export function describeError(e: unknown, t: Localize = english): string {
  if (e instanceof GrantLostError) {
    return t('Your Spotify sign-in for {0} has expired or was revoked ({1}). Sign in again.', e.grant.account.label, e.reason.errorDescription ?? e.reason.error);
  }
  if (e instanceof OAuthError) {
    switch (e.error) {
      case 'access_denied':
        return t('Spotify sign-in was declined in the browser. Sign in again and choose "Agree" to continue.');
      case 'invalid_client':
        return t('Spotify does not accept this Client ID. Check "spotify.clientId" against your app at developer.spotify.com/dashboard.');
      case 'invalid_grant':
        return t('Spotify refused the sign-in ({0}). Sign in again.', e.errorDescription ?? 'invalid_grant');
      default:
        return t('Spotify sign-in failed: {0}', e.message);
    }
  }
  if (e instanceof HttpError && e.status === 403) {
    if (/not registered/i.test(e.message)) {
      return t('Your Spotify account is not on this app\'s user list. The app is in Development Mode: add your Spotify e-mail under "User Management" at developer.spotify.com/dashboard, then sign in again.');
    }
    if (/premium/i.test(e.message)) {
      return t('Spotify refuses this app because its owner has no Premium subscription, which Development Mode apps need.');
    }
  }
  if (e instanceof SignInTimeoutError) {
    return t('No answer from the browser in time. If it showed "INVALID_CLIENT: Invalid redirect URI", register the redirect URI ("Spotify: Copy Redirect URI") and sign in again.');
  }
  if (e instanceof TransportError || e instanceof HttpError || e instanceof CancellationError) {
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}
