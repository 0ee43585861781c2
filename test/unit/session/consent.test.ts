import * as assert from 'assert';
import { ConsentReminder } from '../../../src/auth/consentReminder';
import { describeError } from '../../../src/auth/describeError';
import { OAuthError } from '../../../src/oauth/errors';
import { consentEndsAt, consentState, CONSENT_WARNING_MS } from '../../../src/session/consent';
import { Grant } from '../../../src/session/grant';
import { GrantLostError } from '../../../src/session/grantManager';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../../emulator/emulator';
import { captureLogger, SharedSecretStorage } from '../helpers';
import { world } from '../world';
import { client, sampleGrant, signedInGrant, windowOn } from './fixtures';

const DAY = 86_400_000;

describe('session/consent: six months after consent, known ahead', () => {
  it('ends six calendar months after the consent; a week before is "ending soon"', () => {
    const g = { createdAt: Date.UTC(2026, 0, 31, 12) };
    assert.strictEqual(new Date(consentEndsAt(g)).toISOString(), '2026-07-31T12:00:00.000Z');
    assert.strictEqual(new Date(consentEndsAt({ createdAt: Date.UTC(2026, 4, 24) })).toISOString(), '2026-11-24T00:00:00.000Z');
    const end = consentEndsAt(g);
    assert.strictEqual(consentState(g, end - CONSENT_WARNING_MS - 1), 'valid');
    assert.strictEqual(consentState(g, end - CONSENT_WARNING_MS), 'endingSoon');
    assert.strictEqual(consentState(g, end - 1), 'endingSoon');
    assert.strictEqual(consentState(g, end), 'ended');
  });

  it('a refusal once the known end has passed is the consent\'s end; before it, whatever Spotify says, it is not', () => {
    const g = sampleGrant({ createdAt: Date.UTC(2026, 4, 24) });
    // "Refresh token expired" a week after consent: not the six-month end (which is 2026-11-24).
    const expired = new GrantLostError(g, new OAuthError('invalid_grant', 'Refresh token expired', 400), Date.UTC(2026, 5, 1));
    assert.strictEqual(expired.consentEndedAt, undefined);
    assert.match(describeError(expired), /expired or was revoked \(Refresh token expired\)\. Sign in again/);
    const ended = new GrantLostError(g, new OAuthError('invalid_grant', 'Refresh token expired', 400), Date.UTC(2026, 10, 24));
    assert.strictEqual(ended.consentEndedAt, Date.UTC(2026, 10, 24));
    assert.match(describeError(ended), /consent for Alice ended on 2026-11-24: Spotify ends every consent six months after it was given.*Sign in again/);
    const afterEnd = new GrantLostError(g, new OAuthError('invalid_grant', 'Refresh token revoked', 400), Date.UTC(2026, 10, 25));
    assert.ok(afterEnd.consentEndedAt !== undefined);
    const revoked = new GrantLostError(g, new OAuthError('invalid_grant', 'Refresh token revoked', 400), Date.UTC(2026, 5, 1));
    assert.strictEqual(revoked.consentEndedAt, undefined);
    assert.match(describeError(revoked), /expired or was revoked \(Refresh token revoked\)/);
  });

  describe('the reminder, and signing in again', () => {
    let emu: SpotifyEmulator;
    beforeEach(async () => {
      emu = new SpotifyEmulator({ autoApprove: true, apps: [{ clientId: DEFAULT_CLIENT_ID, redirectUris: ['vscode://spotify-auth.spotify-authentication/callback'] }] });
      await emu.start();
    });
    afterEach(() => emu.stop());

    it('warns once per consent a week ahead, never for a young consent, never from the clock alone removing anything', async () => {
      const shared = new SharedSecretStorage();
      const c = client(emu);
      const w = windowOn(shared, c);
      await w.manager.initialize();
      const young = await signedInGrant(emu, c, 'young');
      const old = await signedInGrant(emu, c, 'old');
      await w.manager.add(young);
      await w.manager.add({ ...old, createdAt: Date.now() - 180 * DAY });
      const warned: Array<[string, boolean]> = [];
      const reminder = new ConsentReminder(w.manager, Date.now, captureLogger().logger, (g, _end, ended) => warned.push([g.id, ended]));
      reminder.check();
      reminder.check();
      assert.deepStrictEqual(warned, [['old', false]]);
      assert.strictEqual(w.manager.all().length, 2, 'nothing removed');
      reminder.dispose();
    });

    it('"Sign in again" renews the consent and keeps the session\'s id and scopes', async () => {
      const t = world(emu);
      await t.manager.initialize();
      const first = await t.service.createSession(['user-read-private', 'user-top-read']);
      const aged: Grant = { ...first, createdAt: Date.now() - 180 * DAY };
      await t.manager.add(aged, first.id);
      const again = await t.service.createSession([...aged.scopes], { accountId: aged.account.id });
      assert.strictEqual(again.id, first.id);
      assert.deepStrictEqual(again.scopes, first.scopes);
      assert.ok(again.createdAt > aged.createdAt + 179 * DAY, 'a new consent');
      assert.strictEqual(consentState(again, Date.now()), 'valid');
      assert.deepStrictEqual(t.manager.all().map((g) => g.id), [first.id]);
    });
  });
});
