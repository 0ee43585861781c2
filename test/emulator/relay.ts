/**
 * What `https://vscode.dev/redirect` does, for the emulator and the host models: the OAuth server
 * redirects the browser here with `code` (or `error`) and `state`; `state` is the URL of the editor's
 * callback, percent-encoded by the client (VS Code's own sign-ins send
 * `encodeURIComponent(callback)`), so the page decodes it once more; it forwards the browser there
 * with the OAuth parameters appended (`code`, `state` as received, …). It forwards only to the targets it is known to serve (VS Code's desktop schemes,
 * the vscode.dev and github.dev hosts, and loopback addresses, reported to pass) and shows a page
 * for anything else. As strict as the real page is known to be: a target it is not known to serve
 * is refused.
 */
const SCHEMES = ['vscode:', 'vscode-insiders:', 'vscode-wsl:', 'vscode-exploration:'];
const WEB_HOSTS = /(?:^|\.)(?:vscode|github)\.dev$/;
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

export type RelayAnswer = { readonly location: string } | { readonly page: string };

export function relayRedirect(request: URL): RelayAnswer {
  const states = request.searchParams.getAll('state');
  if (states.length !== 1) {
    return refuse('This page needs exactly one state parameter.');
  }
  let target: URL;
  try {
    target = new URL(decodeURIComponent(states[0]));
  } catch {
    return refuse('The state parameter is not an address.');
  }
  if (!relayServes(target)) {
    return refuse('This page does not forward to that address.');
  }
  for (const [name, value] of request.searchParams) {
    target.searchParams.append(name, value);
  }
  return { location: target.toString() };
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
