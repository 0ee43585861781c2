import { SpotifyOAuthClient } from '../../../src/oauth/client';
import { Grant, grantFromTokenResponse } from '../../../src/session/grant';
import { GrantManager, GrantManagerOptions } from '../../../src/session/grantManager';
import { GrantStore } from '../../../src/session/grantStore';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../../emulator/emulator';
import { captureLogger, SharedSecretStorage } from '../helpers';

export const REDIRECT = 'vscode://spotify-auth.spotify-authentication/callback';

export function emulator(over: ConstructorParameters<typeof SpotifyEmulator>[0] = {}): SpotifyEmulator {
  return new SpotifyEmulator({ autoApprove: true, apps: [{ clientId: DEFAULT_CLIENT_ID, redirectUris: [REDIRECT] }], ...over });
}

export function client(emu: SpotifyEmulator, over: Partial<ConstructorParameters<typeof SpotifyOAuthClient>[0]> = {}): SpotifyOAuthClient {
  return new SpotifyOAuthClient({
    clientId: DEFAULT_CLIENT_ID,
    endpoints: { accounts: emu.url, api: emu.url },
    timeoutMs: 2000,
    sleep: async () => undefined,
    ...over,
  });
}

/** A grant obtained through the emulator, as a sign-in would (auto-approval). */
export async function signedInGrant(emu: SpotifyEmulator, c: SpotifyOAuthClient, id = 'g1', scopes = ['user-read-private']): Promise<Grant> {
  const pending = await c.createAuthorizationRequest(REDIRECT, scopes);
  const res = await fetch(pending.url, { redirect: 'manual' });
  const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
  const token = await c.exchangeCode(pending, code);
  const account = await c.fetchAccount(token.access_token);
  return grantFromTokenResponse(token, account, scopes, DEFAULT_CLIENT_ID, Date.now(), id);
}

/** One window: a GrantManager over its view of the shared storage. */
export function windowOn(shared: SharedSecretStorage, c: SpotifyOAuthClient, over: Partial<GrantManagerOptions> = {}) {
  const log = captureLogger();
  const manager = new GrantManager({
    store: new GrantStore(shared.window(), log.logger),
    refresher: (g) => c.refresh(g.refreshToken!),
    logger: log.logger,
    refreshSkewMs: () => 60_000,
    raceGraceMs: 500,
    windowId: `w-${Math.random().toString(36).slice(2)}`,
    ...over,
  });
  return { manager, log };
}

/** A stored grant with fixed, fake values, for storage and wording tests. */
export const sampleGrant = (over: Partial<Grant> = {}): Grant => ({
  id: 'g1',
  account: { id: 'acc-1', label: 'Alice' },
  scopes: ['user-read-private'],
  accessToken: 'access-token-value-1',
  refreshToken: 'refresh-token-value-1',
  expiresAt: 2_000_000_000_000,
  createdAt: 1_700_000_000_000,
  clientId: '0123456789abcdef0123456789abcdef',
  ...over,
});
