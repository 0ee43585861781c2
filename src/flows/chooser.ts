import { FlowEnvironment, FlowHost, FlowId, SignInFlow } from './flow';
import { relayCallback, relayForwardsTo } from './relayFlow';

/** What decides which ways back can work in a window. */
export interface ChooserFacts extends FlowEnvironment {
  /** The relay page forwards to this window's external callback address. */
  readonly relayForwards: boolean;
  /** Why the relay cannot be used at all (a malformed `spotify.relayUrl`); undefined when it can. */
  readonly relayProblem?: string;
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

/**
 * The facts for `host` now: its environment, and whether the relay reaches its callback. A relay
 * setting that cannot be used fails the relay row only: every other way back is still chosen.
 */
export async function chooserFacts(host: FlowHost): Promise<ChooserFacts> {
  const problem = relayProblem(host);
  if (problem !== undefined) {
    return { ...host.environment, relayForwards: false, relayProblem: problem };
  }
  const relay = host.relay();
  return { ...host.environment, relayForwards: relay.custom || relayForwardsTo(await relayCallback(host, 'probe'), relay) };
}

/** Why `host`'s relay setting cannot be used (the message names the setting); undefined when it can. */
export function relayProblem(host: FlowHost): string | undefined {
  try {
    host.relay();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Why the relay is missing from `flows` when a broken setting is the cause, for the log and the
 * waiting notice: a user who set `spotify.relayUrl` wants that relay, and must learn why another
 * way is used.
 */
export function relaySkipReason(flows: readonly SignInFlow[], host: FlowHost): string | undefined {
  return flows.some((f) => f.id === 'relay') ? undefined : relayProblem(host);
}

export function isFlowSetting(v: unknown): v is FlowSetting {
  return v === 'auto' || FLOW_CAPABILITIES.some((c) => c.id === v);
}
