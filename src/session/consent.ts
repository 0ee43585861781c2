import { Grant } from './grant';

/**
 * Spotify ends every refresh token six months after the user's consent, and refreshing does not
 * extend it (new apps from June 2026, all apps from July 2026). A grant's consent is its sign-in
 * (`createdAt`; signing in again, widened or not, is a new consent), so its end is known ahead.
 *
 * The local clock only decides when to warn and how to word a refusal; it never removes a grant on
 * its own (a wrong clock must not sign anyone out): only Spotify's `invalid_grant` does that.
 */
export const CONSENT_MONTHS = 6;
/** Warn this long before the end. */
export const CONSENT_WARNING_MS = 7 * 24 * 3600_000;

export function consentEndsAt(g: Pick<Grant, 'createdAt'>): number {
  const d = new Date(g.createdAt);
  d.setUTCMonth(d.getUTCMonth() + CONSENT_MONTHS);
  return d.getTime();
}

export type ConsentState = 'valid' | 'endingSoon' | 'ended';

export function consentState(g: Pick<Grant, 'createdAt'>, now: number): ConsentState {
  const end = consentEndsAt(g);
  return now >= end ? 'ended' : now >= end - CONSENT_WARNING_MS ? 'endingSoon' : 'valid';
}

/** A day as people read it in logs and messages, the same in every locale: 2026-05-24. */
export function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
