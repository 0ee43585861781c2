import { FlowId, SignInFlow } from './flow';

/** Where the extension runs, as far as choosing a way back is concerned. */
export interface FlowEnvironment {
  /** The extension host is not on the user's machine (Remote SSH, WSL, Codespaces, code-server). */
  readonly remoteExtensionHost: boolean;
  /** The workbench is a web page (vscode.dev, code-server). */
  readonly webUi: boolean;
  /** The extension runs in a web worker: no Node APIs, so no local HTTP server. */
  readonly webWorkerExtensionHost: boolean;
}

interface FlowCapabilities {
  readonly id: FlowId;
  /** Works when the extension host is on another machine than the browser. */
  readonly supportsRemoteExtensionHost: boolean;
  readonly supportsWebUi: boolean;
  readonly supportsWebWorkerExtensionHost: boolean;
}

/**
 * The capability table, in order of preference (the shape of VS Code's github-authentication
 * `flows.ts`). The loopback server only helps when the browser and the extension host share a
 * machine: then 127.0.0.1 is the same place for both.
 */
export const FLOW_CAPABILITIES: readonly FlowCapabilities[] = [
  { id: 'uriHandler', supportsRemoteExtensionHost: true, supportsWebUi: true, supportsWebWorkerExtensionHost: true },
  { id: 'loopback', supportsRemoteExtensionHost: false, supportsWebUi: false, supportsWebWorkerExtensionHost: false },
  { id: 'paste', supportsRemoteExtensionHost: true, supportsWebUi: true, supportsWebWorkerExtensionHost: true },
];

export type FlowSetting = 'auto' | FlowId;

/**
 * The flows to try, in order. `auto` keeps every flow the environment supports; a forced flow is
 * used alone, even where the table would skip it (the user knows their setup), if it is available
 * in this build at all.
 */
export function chooseFlows(env: FlowEnvironment, setting: FlowSetting, available: readonly SignInFlow[]): SignInFlow[] {
  const byId = new Map(available.map((f) => [f.id, f]));
  if (setting !== 'auto') {
    const forced = byId.get(setting);
    return forced ? [forced] : [];
  }
  return FLOW_CAPABILITIES.filter(
    (c) =>
      (!env.remoteExtensionHost || c.supportsRemoteExtensionHost) &&
      (!env.webUi || c.supportsWebUi) &&
      (!env.webWorkerExtensionHost || c.supportsWebWorkerExtensionHost),
  )
    .map((c) => byId.get(c.id))
    .filter((f): f is SignInFlow => f !== undefined);
}

export function isFlowSetting(v: unknown): v is FlowSetting {
  return v === 'auto' || FLOW_CAPABILITIES.some((c) => c.id === v);
}
