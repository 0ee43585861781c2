import { AccountRefusedError, CancellationError, HttpError, OAuthError, TransportError } from '../oauth/errors';
import { GrantLostError } from '../session/grantManager';
import { day } from '../session/consent';
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
  if (e instanceof GrantLostError && e.consentEndedAt !== undefined) {
    return t(
      'Your Spotify consent for {0} ended on {1}: Spotify ends every consent six months after it was given, whatever the refreshes. Sign in again to renew it for six months.',
      e.grant.account.label,
      day(e.consentEndedAt),
    );
  }
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
  if (e instanceof AccountRefusedError) {
    // Classified by status alone (Spotify's wording changed four times); its own text goes beside.
    return t(
      'Spotify let you approve, then refused this account for the app (HTTP 403). In Development Mode that means the account is not on the app\'s "User Management" list at developer.spotify.com/dashboard (add its e-mail, at most 5 users), or the app\'s owner has no Premium subscription (a change of subscription can take a few hours to apply). Spotify said: "{0}"',
      e.spotifyText ?? t('nothing'),
    );
  }
  if (e instanceof HttpError && e.quotaExceeded) {
    return t('Spotify\'s request quota for this app\'s developer is used up (QUOTA_EXCEEDED; Development Mode apps of one developer share it). This is not a passing rate limit: try again later, in hours rather than seconds.');
  }
  if (e instanceof SignInTimeoutError) {
    return t('No answer from the browser in time. If it showed "INVALID_CLIENT: Invalid client", check the Client ID ("Spotify: Set Client ID"); if it showed "Invalid redirect URI" or "Not matching configuration", register the redirect URI ("Spotify: Copy Redirect URI"); if it showed "Illegal scope", the app may not use a scope asked for. Then sign in again.');
  }
  if (e instanceof TransportError || e instanceof HttpError || e instanceof CancellationError) {
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}
