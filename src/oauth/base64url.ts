/** base64url without padding (RFC 4648 §5), as RFC 7636 requires for `code_challenge`. */
export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) {
    binary += String.fromCharCode(b);
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Standard base64 of a UTF-8 string, for HTTP Basic credentials. Works in Node and browsers. */
export function base64Utf8(text: string): string {
  let binary = '';
  for (const b of new TextEncoder().encode(text)) {
    binary += String.fromCharCode(b);
  }
  return btoa(binary);
}
