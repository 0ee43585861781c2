import { base64url } from './base64url';

/**
 * PKCE (RFC 7636) with the Web Crypto API, present in Node 18+ and every browser, so the same code
 * runs in desktop, remote and web extension hosts. Spotify's own SDK uses Math.random(); we use a
 * cryptographic source, as RFC 7636 §7.1 asks.
 */

/** 32 random bytes → 43 base64url characters: the shortest verifier RFC 7636 allows, 256 bits. */
const VERIFIER_BYTES = 32;

export const CODE_VERIFIER_PATTERN = /^[A-Za-z0-9\-._~]{43,128}$/;

function randomBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  globalThis.crypto.getRandomValues(bytes);
  return bytes;
}

export function generateRandomCodeVerifier(): string {
  return base64url(randomBytes(VERIFIER_BYTES));
}

/** An unguessable `state`, bound to one pending authorization request (RFC 6749 §10.12). */
export function generateRandomState(): string {
  return base64url(randomBytes(24));
}

/** `code_challenge` for `code_challenge_method=S256`: base64url(SHA-256(ASCII(verifier))). */
export async function calculatePKCECodeChallenge(codeVerifier: string): Promise<string> {
  if (!CODE_VERIFIER_PATTERN.test(codeVerifier)) {
    throw new TypeError('code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~');
  }
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(codeVerifier));
  return base64url(new Uint8Array(digest));
}
