import * as assert from 'assert';
import { describeError, english } from '../../../src/auth/describeError';
import { SignInTimeoutError } from '../../../src/flows/signIn';
import { CancellationError, HttpError, OAuthError, TransportError } from '../../../src/oauth/errors';
import { GrantLostError } from '../../../src/session/grantManager';
import { sampleGrant } from '../session/fixtures';

describe('auth/describeError: Spotify\'s failures in plain words', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['user not on the allowlist (403)', new HttpError(403, 'Reading your Spotify profile failed: User not registered in the Developer Dashboard (HTTP 403)'), /not on this app's user list.*User Management/],
    ['app owner without Premium (403)', new HttpError(403, 'Reading your Spotify profile failed: Active premium subscription required for the owner of the app. (HTTP 403)'), /owner has no Premium/],
    ['invalid_client', new OAuthError('invalid_client', 'Invalid client', 400), /does not accept this Client ID.*spotify\.clientId/],
    ['denied consent', new OAuthError('access_denied', undefined), /declined in the browser.*"Agree"/],
    ['dead code or refresh token', new OAuthError('invalid_grant', 'Invalid authorization code', 400), /refused the sign-in \(Invalid authorization code\)\. Sign in again/],
    ['revoked grant', new GrantLostError(sampleGrant(), new OAuthError('invalid_grant', 'Refresh token revoked', 400)), /Alice has expired or was revoked \(Refresh token revoked\)\. Sign in again/],
    ['no answer from the browser', new SignInTimeoutError('x'), /INVALID_CLIENT: Invalid redirect URI.*Copy Redirect URI/],
    ['network', new TransportError('network', 'Token refresh: could not reach Spotify (ECONNREFUSED).'), /could not reach Spotify/],
    ['cancelled', new CancellationError(), /cancelled/],
  ];
  for (const [name, error, expected] of cases) {
    it(name, () => assert.match(describeError(error), expected));
  }

  it('passes every message through the localizer with its arguments', () => {
    const seen: string[] = [];
    const t = (m: string, ...args: Array<string | number>) => {
      seen.push(m);
      return english(m, ...args);
    };
    assert.match(describeError(new OAuthError('invalid_grant', 'Refresh token revoked'), t), /Refresh token revoked/);
    assert.deepStrictEqual(seen, ['Spotify refused the sign-in ({0}). Sign in again.']);
  });
});
