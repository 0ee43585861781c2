/**
 * Spotify's redirect-URI rules (enforced for all apps since 27 November 2025), as pure functions
 * shared by the extension (which checks every URI it is about to send) and the test emulator
 * (which refuses what Spotify refuses).
 *
 * - A redirect URI must equal a registered one exactly: case, trailing slash and query included.
 * - Exception (RFC 8252 §7.3, documented by Spotify): a loopback IP literal registered without a
 *   port accepts any port. The comparison is on the text, because `new URL('http://127.0.0.1')`
 *   serialises with a trailing slash and would make `http://127.0.0.1` match `…:8000/`.
 * - HTTPS, or plain HTTP on a loopback IP literal (127.0.0.1, [::1]); `localhost` is not one.
 */

/** `http://127.0.0.1:PORT…` or `http://[::1]:PORT…`, split into the port-less text and the port. */
const LOOPBACK_WITH_PORT = /^(http:\/\/(?:127\.0\.0\.1|\[::1\])):(\d{1,5})((?:[/?#].*)?)$/;

/** The text of `uri` without its port when it is a loopback literal with one, else undefined. */
export function withoutLoopbackPort(uri: string): string | undefined {
  const m = LOOPBACK_WITH_PORT.exec(uri);
  return m && Number(m[2]) <= 65535 ? m[1] + m[3] : undefined;
}

/** True when Spotify would accept `sent` for an app that registered `registered`. */
export function redirectUriMatches(registered: string, sent: string): boolean {
  return sent === registered || withoutLoopbackPort(sent) === registered;
}

/** True for the hosts Spotify lets use plain HTTP: loopback IP literals, never `localhost`. */
export function isLoopbackLiteral(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === '[::1]';
}

/** Why Spotify's dashboard would refuse to register `uri`, or undefined when it can be registered. */
export function registrationProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not a URL';
  }
  if (url.hash) {
    return 'must not have a fragment';
  }
  if (url.protocol === 'http:' && !isLoopbackLiteral(url.hostname)) {
    return 'must use https (plain http only on 127.0.0.1 or [::1]; Spotify refuses localhost)';
  }
  return undefined;
}
