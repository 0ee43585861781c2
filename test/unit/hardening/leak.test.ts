import * as assert from 'assert';
import { AuthService } from '../../../src/auth/authService';
import { CallbackRouter } from '../../../src/flows/callbackRouter';
import { FlowHost } from '../../../src/flows/flow';
import { routeCallbackUri, uriHandlerFlow } from '../../../src/flows/uriHandlerFlow';
import { SpotifyOAuthClient } from '../../../src/oauth/client';
import { GrantManager } from '../../../src/session/grantManager';
import { GrantStore } from '../../../src/session/grantStore';
import { describeError } from '../../../src/auth/describeError';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../../emulator/emulator';
import { FakeBrowser } from '../fakeBrowser';
import { captureLogger, SharedSecretStorage } from '../helpers';

const REDIRECT = 'vscode://spotify-auth.spotify-authentication/callback';
const SECRET = 'abcdef0123456789abcdef0123456789';

describe('hardening: no secret in logs, errors or notifications', () => {
  it('a whole sign-in, refresh, failure and sign-out cycle at trace level leaks nothing', async () => {
    const emu = new SpotifyEmulator({ autoApprove: true, apps: [{ clientId: DEFAULT_CLIENT_ID, clientSecret: SECRET, redirectUris: [REDIRECT] }] });
    await emu.start();
    const log = captureLogger();
    const verifiers: string[] = [];
    const shown: string[] = [];
    const router = new CallbackRouter(log.logger);
    const browser = new FakeBrowser({ deliver: (url) => routeCallbackUri(router, { path: new URL(url).pathname, query: new URL(url).search.slice(1) }) });
    const createClient = async (clientId: string) => {
      const c = new SpotifyOAuthClient({
        clientId, clientSecret: SECRET, endpoints: { accounts: emu.url, api: emu.url }, logger: log.logger, redactor: log.redactor,
        sleep: async () => undefined, timeoutMs: 300,
      });
      const create = c.createAuthorizationRequest.bind(c);
      c.createAuthorizationRequest = async (...args) => {
        const p = await create(...args);
        verifiers.push(p.codeVerifier);
        // What a verbose build might log: the full authorize URL and the pending request.
        log.logger.trace(`authorize ${p.url} pending ${JSON.stringify(p)}`);
        return p;
      };
      return c;
    };
    const manager = new GrantManager({
      store: new GrantStore(new SharedSecretStorage().window(), log.logger),
      refresher: async (g) => (await createClient(g.clientId)).refresh(g.refreshToken!),
      logger: log.logger, refreshSkewMs: () => 60_000, raceGraceMs: 100, windowId: 'w',
    });
    manager.onDidLoseGrant((e) => shown.push(e.message));
    const host: FlowHost = { extensionId: 'spotify-auth.spotify-authentication', uriScheme: 'vscode', asExternalUri: async (u) => u, openExternal: (u) => browser.open(u), showInputBox: async () => undefined };
    const service = new AuthService({
      manager, router, host, logger: log.logger, createClient, flows: () => [uriHandlerFlow], timeoutMs: 5000,
      ui: { resolveClientId: async () => DEFAULT_CLIENT_ID, whileWaiting: (t) => t(new AbortController().signal, () => undefined), offerNextFlow: async () => false },
    });
    const errors: string[] = [];
    const attempt = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (e) {
        errors.push(String(e), (e as Error).stack ?? '', describeError(e));
        shown.push(describeError(e));
      }
    };
    try {
      const grant = await service.createSession(['user-read-private', 'user-top-read']);
      log.logger.debug(`session ${JSON.stringify(grant)}`); // as a careless debug line would
      await service.refreshSession(grant.id);
      emu.inject({ path: '/api/token', kind: 'status', status: 503, times: 10 });
      await attempt(() => service.refreshSession(grant.id));
      emu.clearFaults();
      emu.inject({ path: '/api/token', kind: 'truncated', times: 10 });
      await attempt(() => service.refreshSession(grant.id));
      emu.clearFaults();
      const second = await service.createSession(['user-read-private']);
      emu.revokeAllGrants();
      await attempt(() => service.refreshSession(second.id));
      await service.removeSession(grant.id);
      await attempt(() => service.createSession(['user-read-private'], {}).then(() => emu.inject({ path: '/v1/me', kind: 'html', times: 10 })));
      emu.inject({ path: '/v1/me', kind: 'status', status: 403, times: 10 });
      await attempt(() => service.createSession(['user-read-private']));
    } finally {
      emu.clearFaults();
      await emu.stop();
    }
    const secrets = [...emu.issued, ...verifiers, SECRET, Buffer.from(`${DEFAULT_CLIENT_ID}:${SECRET}`).toString('base64')];
    const surfaces = { log: log.lines.join('\n'), errors: errors.join('\n'), notifications: shown.join('\n') };
    let found = 0;
    for (const [where, text] of Object.entries(surfaces)) {
      for (const s of secrets) {
        if (text.includes(s)) {
          found++;
          console.log(`      LEAK in ${where}: a ${s.slice(0, 2)}… value`);
        }
      }
    }
    console.log(`      leak check: ${secrets.length} secret values, ${log.lines.length} log lines, ${errors.length} error texts, ${shown.length} notifications: ${found} leaks`);
    assert.ok(log.lines.some((l) => l.startsWith('trace ')), 'trace lines were logged');
    assert.ok(errors.length >= 4 && shown.length >= 4, 'failures were exercised');
    assert.ok(secrets.length > 10);
    assert.strictEqual(found, 0);
  });
});
