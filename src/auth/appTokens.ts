import { AppToken } from '../api';
import { SpotifyOAuthClient } from '../oauth/client';

/**
 * App-only tokens from the client-credentials grant, cached per client until `skewMs` before
 * expiry, with one request in flight at a time.
 */
export class AppTokens {
  private cached?: { clientId: string; token: AppToken };
  private inflight?: Promise<AppToken>;

  constructor(
    private readonly client: () => Promise<SpotifyOAuthClient>,
    private readonly skewMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<AppToken> {
    const client = await this.client();
    if (!client.isConfidential) {
      throw new Error('An app-only Spotify token needs your app\'s client secret: run "Spotify: Set Client Secret".');
    }
    const c = this.cached;
    if (c && c.clientId === client.clientId && c.token.expiresAt - this.skewMs > this.now()) {
      return c.token;
    }
    this.inflight ??= (async () => {
      try {
        // The lifetime runs from when the request left, as for user tokens.
        const sentAt = this.now();
        const res = await client.clientCredentials();
        const token = { accessToken: res.access_token, expiresAt: sentAt + res.expires_in * 1000 };
        this.cached = { clientId: client.clientId, token };
        return token;
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }

  /** Forget the cached token, e.g. after the secret changed. */
  clear(): void {
    this.cached = undefined;
  }
}
