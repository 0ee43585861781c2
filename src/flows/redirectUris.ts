import { FlowHost, FlowId, SignInFlow } from './flow';

/** One redirect URI to register at Spotify, and the ways back that use it. */
export interface RegisteredRedirectUri {
  readonly uri: string;
  readonly flows: readonly FlowId[];
}

/**
 * The fixed list a user registers once for `flows` in this window: each flow's URI (none has a
 * per-request or per-window part), listed once when flows share it (the local server and pasting).
 * The walkthrough, "Copy Redirect URI" and every hint show exactly this.
 */
export async function registeredRedirectUris(flows: readonly SignInFlow[], host: FlowHost): Promise<RegisteredRedirectUri[]> {
  const byUri = new Map<string, FlowId[]>();
  for (const flow of flows) {
    const uri = await flow.redirectUri(host);
    byUri.set(uri, [...(byUri.get(uri) ?? []), flow.id]);
  }
  return [...byUri].map(([uri, ids]) => ({ uri, flows: ids }));
}
