import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SpotifyOAuthClient } from '../../../src/oauth/client';
import { FileLock } from '../../../src/session/node/fileLock';
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

/** A folder for the cross-window lock files of one test's windows (as globalStorageUri is for a profile). */
export function lockDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'spotify-locks-'));
}

/**
 * One window: a GrantManager over its view of the shared storage (lagging behind other windows'
 * writes when `lagMs` is given), with the real file lock in `locks` (shared by the test's windows).
 */
export function windowOn(
  shared: SharedSecretStorage,
  c: SpotifyOAuthClient,
  over: Partial<GrantManagerOptions> & { locks?: string; lagMs?: () => number } = {},
) {
  const log = captureLogger();
  const { locks, lagMs, ...options } = over;
  const secrets = shared.window({ lagMs });
  const manager = new GrantManager({
    store: new GrantStore(secrets, log.logger),
    refresher: (g) => c.refresh(g.refreshToken!),
    logger: log.logger,
    refreshSkewMs: () => 60_000,
    lock: new FileLock(locks ?? lockDir()),
    ...options,
  });
  return { manager, log, secrets };
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
