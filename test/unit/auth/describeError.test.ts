import * as assert from 'assert';
import { describeError, english } from '../../../src/auth/describeError';
import { SignInTimeoutError } from '../../../src/flows/signIn';
import { AccountRefusedError, CancellationError, HttpError, OAuthError, TransportError } from '../../../src/oauth/errors';
import { GrantLostError } from '../../../src/session/grantManager';
import { sampleGrant } from '../session/fixtures';

describe('auth/describeError: Spotify\'s failures in plain words', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    // Any 403 right after consent, whatever its wording (four texts so far), names both causes and shows Spotify's text.
    ['a 403 after consent (2026 wording)', new AccountRefusedError('The user is not registered for this application.'), /refused this account.*"User Management".*no Premium.*few hours.*Spotify said: "The user is not registered for this application\."/],
    ['a 403 after consent (unknown future wording)', new AccountRefusedError('Something new'), /"User Management".*no Premium.*Spotify said: "Something new"/],
    ['a quota, not a rate limit', new HttpError(429, 'x', undefined, 'QUOTA_EXCEEDED', true), /quota.*QUOTA_EXCEEDED.*hours rather than seconds/],
    ['invalid_client', new OAuthError('invalid_client', 'Invalid client', 400), /does not accept this Client ID.*spotify\.clientId/],
    ['denied consent', new OAuthError('access_denied', undefined), /declined in the browser.*"Agree"/],
    ['dead code or refresh token', new OAuthError('invalid_grant', 'Invalid authorization code', 400), /refused the sign-in \(Invalid authorization code\)\. Sign in again/],
    ['revoked grant (consent days old)', new GrantLostError(sampleGrant({ createdAt: Date.now() - 86_400_000 }), new OAuthError('invalid_grant', 'Refresh token revoked', 400)), /Alice has expired or was revoked \(Refresh token revoked\)\. Sign in again/],
    ['the six-month end of a consent', new GrantLostError(sampleGrant({ createdAt: Date.UTC(2026, 4, 24) }), new OAuthError('invalid_grant', 'Refresh token expired', 400)), /consent for Alice ended on 2026-11-24.*six months/],
    ['no answer from the browser: each page Spotify may show, with its fix', new SignInTimeoutError('x'), /Invalid client.*Set Client ID.*Invalid redirect URI.*Copy Redirect URI.*Illegal scope/],
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
