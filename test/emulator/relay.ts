/**
 * What `https://vscode.dev/redirect` does, for the emulator and the host models: the OAuth server
 * redirects the browser here with `code` (or `error`) and `state`; `state` is the URL of the editor's
 * callback, percent-encoded by the client (VS Code's own sign-ins send
 * `encodeURIComponent(callback)`), so the page decodes it once more; it forwards the browser there
 * with the OAuth parameters appended. It forwards only to the targets it is known to serve (VS
 * Code's desktop schemes, the vscode.dev and github.dev hosts, and loopback addresses, reported to
 * pass) and shows a page for anything else. As strict as the real page is known to be: a target it
 * is not known to serve is refused.
 *
 * How the real page appends the provider's parameters is not documented, so each way it might is
 * served, and a sign-in must work with every one ({@link RelayAppend}).
 */
const SCHEMES = ['vscode:', 'vscode-insiders:', 'vscode-wsl:', 'vscode-exploration:'];
const WEB_HOSTS = /(?:^|\.)(?:vscode|github)\.dev$/;
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * How the relay appends the provider's parameters (`code`, `state`, `error`, …) to the callback:
 * - `encoded`: each value percent-encoded again (`encodeURIComponent`), so it arrives as the
 *   provider sent it. The default, and what a careful page does.
 * - `raw`: each value as the page read it (decoded once), pasted in without encoding again, as a
 *   page that concatenates strings does: the `state` then arrives one level more decoded.
 * - `none`: like `encoded`, but without `state` (the page used it as the target and drops it).
 */
export type RelayAppend = 'encoded' | 'raw' | 'none';

export const RELAY_APPENDS: readonly RelayAppend[] = ['encoded', 'raw', 'none'];

export function isRelayAppend(v: unknown): v is RelayAppend {
  return RELAY_APPENDS.includes(v as RelayAppend);
}

export type RelayAnswer = { readonly location: string } | { readonly page: string };

export function relayRedirect(request: URL, append: RelayAppend = 'encoded'): RelayAnswer {
  const states = request.searchParams.getAll('state');
  if (states.length !== 1) {
    return refuse('This page needs exactly one state parameter.');
  }
  let decoded: string;
  let target: URL;
  try {
    decoded = decodeURIComponent(states[0]);
    target = new URL(decoded);
  } catch {
    return refuse('The state parameter is not an address.');
  }
  if (!relayServes(target)) {
    return refuse('This page does not forward to that address.');
  }
  const pairs = [...request.searchParams]
    .filter(([name]) => append !== 'none' || name !== 'state')
    .map(([name, value]) => (append === 'raw' ? `${name}=${value}` : `${encodeURIComponent(name)}=${encodeURIComponent(value)}`));
  return { location: appendQuery(decoded, pairs) };
}

/** The target exactly as the state named it (its own query untouched), with `pairs` appended before any fragment. */
function appendQuery(target: string, pairs: readonly string[]): string {
  if (pairs.length === 0) {
    return target;
  }
  const hash = target.indexOf('#');
  const base = hash < 0 ? target : target.slice(0, hash);
  const fragment = hash < 0 ? '' : target.slice(hash);
  const sep = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${sep}${pairs.join('&')}${fragment}`;
}

export function relayServes(target: URL): boolean {
  if (SCHEMES.includes(target.protocol)) {
    return true;
  }
  if (target.protocol === 'https:' && WEB_HOSTS.test(target.hostname)) {
    return true;
  }
  return (target.protocol === 'http:' || target.protocol === 'https:') && LOOPBACK_HOSTS.includes(target.hostname);
}

function refuse(reason: string): RelayAnswer {
  return { page: `<!doctype html><html><head><meta charset="utf-8"><title>Redirect</title></head><body><h1>Cannot continue</h1><p>${reason}</p></body></html>` };
}
