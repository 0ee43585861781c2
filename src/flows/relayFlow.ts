import { registrationProblem } from '../oauth/redirectUri';
import { AuthorizationResult, callbackUri, FlowContext, FlowHost, FlowUnavailableError, openAuthorization, RelayConfig, SignInFlow } from './flow';

/**
 * The redirect goes to one fixed https page, VS Code's `https://vscode.dev/redirect`, and the real
 * callback travels in `state`: the asExternalUri of `<uriScheme>://<extension id>/callback?nonce=…`,
 * percent-encoded once more, exactly as VS Code's github-authentication sends it (the page decodes
 * `state` and forwards the browser there with `code` and `state` appended). This is how
 * VS Code's own GitHub and Microsoft sign-ins come back, and the only way one registered URI covers
 * desktop (whose asExternalUri adds `windowId`), every Remote, vscode.dev and Codespaces (whose
 * callback addresses carry per-request parts that can never be registered at Spotify).
 *
 * The code passes through a third-party page and `state` is a URL that hosts change on the way
 * back (desktop VS Code decodes the query once before the URI handler sees it), so the protection
 * is the nonce in the callback URL itself (random, single use, bound to this sign-in: the router
 * files the wait under it before the browser opens, and never compares the state) and PKCE.
 */
export const DEFAULT_RELAY_URL = 'https://vscode.dev/redirect';
export const INSIDERS_RELAY_URL = 'https://insiders.vscode.dev/redirect';

/**
 * The relay from the `spotify.relayUrl` setting: empty for VS Code's page. Throws a TypeError
 * naming the setting when the value is not a URI Spotify would let the user register; only the
 * relay flow fails then (the chooser skips it and says why), never the other ways back.
 */
export function relayFromSetting(value: string | undefined, uriScheme: string): RelayConfig {
  const configured = (value ?? '').trim();
  if (!configured) {
    return { url: defaultRelayUrl(uriScheme), custom: false };
  }
  const problem = registrationProblem(configured);
  if (problem) {
    throw new TypeError(`spotify.relayUrl ${problem}: "${configured}"`);
  }
  return { url: configured, custom: configured !== defaultRelayUrl(uriScheme) };
}

/**
 * The relay callback's nonce: 192 random bits from the platform's cryptographic source, in hex, so
 * no host's decoding or encoding on the way back can change a character of it.
 */
export function generateNonce(): string {
  const bytes = new Uint8Array(NONCE_BYTES);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const NONCE_BYTES = 24;

/** The relay for this editor when the user set none: Insiders has its own. */
export function defaultRelayUrl(uriScheme: string): string {
  return uriScheme === 'vscode-insiders' ? INSIDERS_RELAY_URL : DEFAULT_RELAY_URL;
}

/**
 * Where vscode.dev/redirect forwards to: VS Code's desktop schemes and the vscode.dev and github.dev
 * web hosts (the table of VS Code's github-authentication). `code-oss` and forks' schemes are not
 * on it, nor self-hosted web workbenches such as code-server.
 */
const RELAY_SCHEMES = ['vscode', 'vscode-insiders', 'vscode-wsl', 'vscode-exploration'];
const RELAY_HOSTS = /(?:^|\.)(?:vscode|github)\.dev$/;

export function relayForwardsTo(externalCallback: string, relay: RelayConfig): boolean {
  if (relay.custom) {
    return true; // The user's own relay: configured for their setup.
  }
  let url: URL;
  try {
    url = new URL(externalCallback);
  } catch {
    return false;
  }
  const scheme = url.protocol.slice(0, -1);
  return RELAY_SCHEMES.includes(scheme) || (scheme === 'https' && RELAY_HOSTS.test(url.hostname));
}

/** This window's callback as the relay will see it in `state`. */
export function relayCallback(host: FlowHost, nonce: string): Promise<string> {
  return host.asExternalUri(callbackUri(host, `nonce=${nonce}`));
}

export const relayFlow: SignInFlow = {
  id: 'relay',
  label: 'the relay page (vscode.dev/redirect)',
  async redirectUri(host: FlowHost) {
    return host.relay().url;
  },
  async authorize(ctx: FlowContext): Promise<AuthorizationResult> {
    const relay = ctx.host.relay();
    const nonce = generateNonce();
    const callback = await relayCallback(ctx.host, nonce);
    if (!relayForwardsTo(callback, relay)) {
      throw new FlowUnavailableError(`${relay.url} does not forward to this editor's address.`);
    }
    // Encoded once more, as VS Code's own sign-ins do: the page decodes it once before forwarding
    // there. What comes back of it is not compared (see the router): the nonce binds the callback.
    const state = encodeURIComponent(callback);
    const { pending, code } = await openAuthorization(ctx, relay.url, relay.url, { state, nonce });
    return { code: await code, pending };
  },
};

