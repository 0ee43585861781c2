import * as assert from 'assert';
import { describeError } from '../../../src/auth/describeError';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../../emulator/emulator';
import { world } from '../world';

const REDIRECT = 'vscode://spotify-auth.spotify-authentication/callback';
const SECRET = 'abcdef0123456789abcdef0123456789';

describe('hardening: no secret in logs, errors or notifications', () => {
  it('a whole sign-in, refresh, failure and sign-out cycle at trace level leaks nothing', async () => {
    const emu = new SpotifyEmulator({ autoApprove: true, apps: [{ clientId: DEFAULT_CLIENT_ID, clientSecret: SECRET, redirectUris: [REDIRECT] }] });
    await emu.start();
    const verifiers: string[] = [];
    const shown: string[] = [];
    const { service, manager, log } = world(emu, {
      client: { clientSecret: SECRET, timeoutMs: 300 },
      onClient: (c) => {
        const create = c.createAuthorizationRequest.bind(c);
        c.createAuthorizationRequest = async (...args) => {
          const p = await create(...args);
          verifiers.push(p.codeVerifier);
          // What a verbose build might log: the full authorize URL and the pending request.
          log.logger.trace(`authorize ${p.url} pending ${JSON.stringify(p)}`);
          return p;
        };
      },
    });
    manager.onDidLoseGrant((e) => shown.push(e.message));
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
