import { FlowEnvironment, FlowHost, FlowId, SignInFlow } from './flow';
import { relayCallback, relayForwardsTo } from './relayFlow';

/** What decides which ways back can work in a window. */
export interface ChooserFacts extends FlowEnvironment {
  /** The relay page forwards to this window's external callback address. */
  readonly relayForwards: boolean;
}

interface FlowCapabilities {
  readonly id: FlowId;
  readonly supportsWebUi: boolean;
  readonly supportsWebWorkerExtensionHost: boolean;
  /** Only where the relay page forwards to this window. */
  readonly needsRelay: boolean;
}

/**
 * The capability table, in order of preference (the shape of VS Code's github-authentication
 * `flows.ts`). Every row's redirect URI is fixed, so each is registered once at Spotify:
 * - relay: `https://vscode.dev/redirect`, wherever that page forwards (desktop VS Code and
 *   Insiders, every Remote, vscode.dev, Codespaces), or wherever the user's own relay does;
 * - uriHandler: `<uriScheme>://<extension id>/callback`, desktop only (a web page cannot open a
 *   custom scheme back into itself): forks and OSS builds the relay does not serve;
 * - loopback: `http://127.0.0.1/callback` at a free port, with a Node extension host on a desktop
 *   (in a Remote window it checks at run time that the forwarded port is a 127.0.0.1 address);
 * - paste: the same URI with no server behind it; works everywhere.
 * No row needs a column for a remote extension host: every flow works there (the relay and the
 * links through asExternalUri, the local server through a forwarded port, checked at run time).
 */
export const FLOW_CAPABILITIES: readonly FlowCapabilities[] = [
  { id: 'relay', supportsWebUi: true, supportsWebWorkerExtensionHost: true, needsRelay: true },
  { id: 'uriHandler', supportsWebUi: false, supportsWebWorkerExtensionHost: true, needsRelay: false },
  { id: 'loopback', supportsWebUi: false, supportsWebWorkerExtensionHost: false, needsRelay: false },
  { id: 'paste', supportsWebUi: true, supportsWebWorkerExtensionHost: true, needsRelay: false },
];

export type FlowSetting = 'auto' | FlowId;

/**
 * The flows to try, in order. `auto` keeps every flow the window supports; a forced flow is used
 * alone, even where the table would skip it (the user knows their setup), if it is available in
 * this build at all.
 */
export function chooseFlows(facts: ChooserFacts, setting: FlowSetting, available: readonly SignInFlow[]): SignInFlow[] {
  const byId = new Map(available.map((f) => [f.id, f]));
  if (setting !== 'auto') {
    const forced = byId.get(setting);
    return forced ? [forced] : [];
  }
  return FLOW_CAPABILITIES.filter(
    (c) =>
      (!facts.webUi || c.supportsWebUi) &&
      (!facts.webWorkerExtensionHost || c.supportsWebWorkerExtensionHost) &&
      (!c.needsRelay || facts.relayForwards),
  )
    .map((c) => byId.get(c.id))
    .filter((f): f is SignInFlow => f !== undefined);
}

/** The facts for `host` now: its environment, and whether the relay reaches its callback. */
export async function chooserFacts(host: FlowHost): Promise<ChooserFacts> {
  const relay = host.relay();
  return { ...host.environment, relayForwards: relay.custom || relayForwardsTo(await relayCallback(host, 'probe'), relay) };
}

export function isFlowSetting(v: unknown): v is FlowSetting {
  return v === 'auto' || FLOW_CAPABILITIES.some((c) => c.id === v);
}
