import { CancellationError, HttpError, OAuthError, TransportError } from '../oauth/errors';
import { GrantLostError } from '../session/grantManager';
import { SignInTimeoutError } from '../flows/signIn';

/**
 * Spotify's failures in plain words, each with what to do about it. Built only from error kinds,
 * statuses and Spotify's descriptions, so no message can carry a token.
 */
export function describeError(e: unknown): string {
  if (e instanceof GrantLostError) {
    return e.message;
  }
  if (e instanceof OAuthError) {
    switch (e.error) {
      case 'access_denied':
        return 'Spotify sign-in was declined in the browser. Sign in again and choose "Agree" to continue.';
      case 'invalid_client':
        return 'Spotify does not accept this Client ID. Check "spotify.clientId" against your app at developer.spotify.com/dashboard.';
      case 'invalid_grant':
        return `Spotify refused the sign-in (${e.errorDescription ?? 'invalid_grant'}). Sign in again.`;
      default:
        return `Spotify sign-in failed: ${e.message}`;
    }
  }
  if (e instanceof HttpError && e.status === 403) {
    if (/not registered/i.test(e.message)) {
      return 'Your Spotify account is not on this app\'s user list. The app is in Development Mode: add your Spotify email under "User Management" at developer.spotify.com/dashboard, then sign in again.';
    }
    if (/premium/i.test(e.message)) {
      return 'Spotify refuses this app because its owner has no Premium subscription, which Development Mode apps need.';
    }
  }
  if (e instanceof TransportError || e instanceof HttpError || e instanceof SignInTimeoutError || e instanceof CancellationError) {
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}
