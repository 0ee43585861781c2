/**
 * The Spotify emulator (the repository's test/emulator) and a provider double in front of it: a
 * signed-in session, `getSession` and `refreshIfCurrent` as the Spotify Authentication extension
 * answers them (refreshing at the emulator's token endpoint). No code of the extension is used:
 * this package must work with any provider that keeps that contract.
 */
import { createHash, randomBytes } from 'crypto';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../../test/emulator/emulator';
import { Sleep } from '../src/abort';
import { SessionHost, SessionLike } from '../src/host';

export const REDIRECT = 'http://127.0.0.1/callback';

export class World {
  session!: SessionLike & { refreshToken: string };
  getSessionCalls: Array<{ scopes: readonly string[]; interactive: boolean }> = [];
  refreshIfCurrentCalls = 0;
  refreshes = 0;
  /** False models a provider without refreshIfCurrent (older, or in another extension host). */
  providerReachable = true;
  signedIn = true;

  private constructor(readonly emu: SpotifyEmulator) {}

  static async start(over: ConstructorParameters<typeof SpotifyEmulator>[0] = {}, scopes = ['user-read-private']): Promise<World> {
    const emu = new SpotifyEmulator({ autoApprove: true, refreshTokenMode: 'omit', apps: [{ clientId: DEFAULT_CLIENT_ID, redirectUris: [REDIRECT] }], ...over });
    await emu.start();
    const w = new World(emu);
    w.session = await w.signIn(scopes);
    return w;
  }

  get url(): string {
    return this.emu.url;
  }

  stop(): Promise<void> {
    return this.emu.stop();
  }

  count(key: string): number {
    return this.emu.count(key);
  }

  host(): SessionHost {
    return {
      getSession: async (scopes, interactive) => {
        this.getSessionCalls.push({ scopes, interactive });
        return this.signedIn && scopes.every((s) => this.session.scopes.includes(s)) ? this.publicSession() : undefined;
      },
      refreshIfCurrent: async (id, token) => {
        if (!this.providerReachable) {
          return undefined;
        }
        this.refreshIfCurrentCalls++;
        if (id !== this.session.id) {
          return false;
        }
        if (token === this.session.accessToken) {
          await this.refresh();
        }
        return true;
      },
    };
  }

  /** What VS Code hands out: no refresh token. */
  publicSession(): SessionLike {
    const { id, accessToken, account, scopes } = this.session;
    return { id, accessToken, account, scopes };
  }

  async refresh(): Promise<void> {
    this.refreshes++;
    const res = await fetch(`${this.url}/api/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: this.session.refreshToken, client_id: DEFAULT_CLIENT_ID }),
    });
    const t = (await res.json()) as { access_token: string; refresh_token?: string };
    if (!res.ok) {
      throw new Error(`refresh failed: HTTP ${res.status}`);
    }
    this.session = { ...this.session, accessToken: t.access_token, refreshToken: t.refresh_token ?? this.session.refreshToken };
  }

  private async signIn(scopes: string[]): Promise<SessionLike & { refreshToken: string }> {
    const verifier = randomBytes(48).toString('base64url');
    const q = new URLSearchParams({
      client_id: DEFAULT_CLIENT_ID, response_type: 'code', redirect_uri: REDIRECT, state: 's', scope: scopes.join(' '),
      code_challenge_method: 'S256', code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    });
    const auth = await fetch(`${this.url}/authorize?${q}`, { redirect: 'manual' });
    const code = new URL(auth.headers.get('location')!).searchParams.get('code')!;
    const res = await fetch(`${this.url}/api/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: DEFAULT_CLIENT_ID, code_verifier: verifier }),
    });
    const t = (await res.json()) as { access_token: string; refresh_token: string; scope: string };
    return { id: 'session-1', accessToken: t.access_token, refreshToken: t.refresh_token, account: { id: 'acc-alice-0001', label: 'Alice Emulated' }, scopes: t.scope.split(' ') };
  }
}

/** A sleep that records each wait and returns at once (honouring an abort), with a clock it moves. */
export function fastClock(random: () => number = () => 0.5) {
  let t = 1_700_000_000_000;
  const waits: number[] = [];
  const sleep: Sleep = async (ms, signal) => {
    waits.push(ms);
    t += ms;
    if (signal?.aborted) {
      throw signal.reason;
    }
  };
  return { waits, clock: { now: () => t, sleep, random }, advance: (ms: number) => (t += ms) };
}

/**
 * The global fetch with at most `n` requests open at once, as an HTTP agent's connection pool
 * would: a thousand simultaneous connects would overflow a listen backlog and wait out TCP's
 * retransmission timers, which tests the machine rather than the package.
 */
export function pooledFetch(n: number): (input: string, init: RequestInit) => Promise<Response> {
  let open = 0;
  const waiting: Array<() => void> = [];
  return async (input, init) => {
    if (open >= n) {
      await new Promise<void>((r) => waiting.push(r));
    }
    open++;
    try {
      const res = await fetch(input, init);
      const body = await res.arrayBuffer();
      return new Response(body.byteLength === 0 && [204, 304].includes(res.status) ? null : body, { status: res.status, statusText: res.statusText, headers: res.headers });
    } finally {
      open--;
      waiting.shift()?.();
    }
  };
}
