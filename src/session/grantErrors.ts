import { OAuthError } from '../oauth/errors';
import { consentEndsAt, day } from './consent';
import { Grant } from './grant';

/** A grant is gone for good: Spotify answered `invalid_grant` to its newest refresh token. */
export class GrantLostError extends Error {
  override readonly name = 'GrantLostError';
  /** Set when the refusal came once the consent's known six-month end had passed: the end, in ms since the epoch. */
  readonly consentEndedAt?: number;
  constructor(
    readonly grant: Grant,
    readonly reason: OAuthError,
    now: number = Date.now(),
  ) {
    // Classified by the OAuth error (the caller only builds this for invalid_grant) and the known
    // end date, never by Spotify's description: its texts drift, and "Refresh token expired" has
    // been seen long before the end.
    const end = consentEndsAt(grant);
    const ended = now >= end;
    super(
      ended
        ? `Your Spotify consent for ${grant.account.label} ended on ${day(end)}: Spotify ends every consent six months after it was given. Sign in again.`
        : `Your Spotify sign-in for ${grant.account.label} has expired or was revoked (${reason.errorDescription ?? reason.error}). Sign in again.`,
    );
    if (ended) {
      this.consentEndedAt = end;
    }
  }
}

/** The message of a sign-in or sign-out that met a lagging view: nothing was changed, and what to do. */
export const lagMessage = (what: string) =>
  `Secret storage in this window is behind the other windows that share its sign-in lock, so ${what}. Try again; if it keeps happening, reload this window.`;

/** This window's view of secret storage stayed behind another window's write for too long; nothing was changed. */
export class StorageLagError extends Error {
  override readonly name = 'StorageLagError';
}

/**
 * This turn's lock was broken as stale (the window was frozen past the stale time) or the ledger
 * moved under it: it must neither send nor write. Passing: the caller may try again.
 */
export class LockLostError extends Error {
  override readonly name = 'LockLostError';
}

/**
 * Another window announced a write of this key and has not finished it yet (it may be frozen with
 * the answer in hand); the turn gives the lock back so that window can finish. Passing.
 */
export class PendingWriteError extends Error {
  override readonly name = 'PendingWriteError';
}
