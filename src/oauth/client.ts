import { Logger, nullLogger } from '../common/logger';
import { Redactor } from '../common/redactor';
import { buildAuthorizationUrl } from './authorize';
import { SpotifyEndpoints } from './endpoints';
import { DEFAULT_RETRY, defaultSleep, FetchLike, HttpContext, RetryPolicy } from './http';
import { calculatePKCECodeChallenge, generateRandomCodeVerifier, generateRandomState } from './pkce';
import { fetchUserProfile, SpotifyAccount } from './profile';
import { unknownScopes } from './scopes';
import {
  authorizationCodeGrantRequest,
  clientCredentialsGrantRequest,
  refreshTokenGrantRequest,
  TokenEndpointResponse,
} from './token';

export interface SpotifyClientOptions {
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly endpoints: SpotifyEndpoints;
  readonly fetch?: FetchLike;
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly logger?: Logger;
  /** Every secret value this client sees is registered here, so logs and messages can mask it. */
  readonly redactor?: Redactor;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** What a pending sign-in must remember between the authorize redirect and the code exchange. */
export interface PendingAuthorization {
  readonly url: string;
  readonly state: string;
  readonly codeVerifier: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
}

export const CLIENT_ID_PATTERN = /^[0-9a-fA-F]{32}$/;

/**
 * The Spotify OAuth client: configuration bound to the pure request functions. No VS Code in here,
 * so all of it runs in plain Node tests and in a browser extension host.
 */
export class SpotifyOAuthClient {
  readonly clientId: string;
  readonly endpoints: SpotifyEndpoints;
  private readonly clientSecret?: string;
  private readonly http: HttpContext;
  private readonly redactor?: Redactor;

  constructor(opts: SpotifyClientOptions) {
    this.clientId = opts.clientId;
    this.clientSecret = opts.clientSecret;
    this.endpoints = opts.endpoints;
    this.redactor = opts.redactor;
    this.redactor?.add(opts.clientSecret);
    this.http = {
      fetch: opts.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      timeoutMs: opts.timeoutMs ?? 15_000,
      retry: { ...DEFAULT_RETRY, ...opts.retry },
      logger: opts.logger ?? nullLogger,
      sleep: opts.sleep ?? defaultSleep,
      random: opts.random ?? Math.random,
    };
  }

  get logger(): Logger {
    return this.http.logger;
  }

  /** The per-attempt request timeout; refresh coordination derives its grace period from it. */
  get timeoutMs(): number {
    return this.http.timeoutMs;
  }

  get isConfidential(): boolean {
    return this.clientSecret !== undefined;
  }

  /**
   * `opts.state` replaces the random state when a flow needs a value of its own: the relay flow
   * sends its callback URL there, as VS Code's own sign-ins do (its nonce carries the randomness).
   */
  async createAuthorizationRequest(
    redirectUri: string,
    scopes: readonly string[],
    opts: { showDialog?: boolean; state?: string } = {},
  ): Promise<PendingAuthorization> {
    const unknown = unknownScopes(scopes);
    if (unknown.length > 0) {
      this.logger.warn(`Requesting scopes Spotify does not document (passed through): ${unknown.join(', ')}`);
    }
    const codeVerifier = generateRandomCodeVerifier();
    const state = opts.state ?? generateRandomState();
    this.redactor?.add(codeVerifier);
    if (opts.state === undefined) {
      // A random state is a secret of this sign-in; a caller's state (a callback URL) is not, and
      // masking it would hide the very address the log must show.
      this.redactor?.add(state);
    }
    const codeChallenge = await calculatePKCECodeChallenge(codeVerifier);
    const url = buildAuthorizationUrl(this.endpoints, {
      clientId: this.clientId,
      redirectUri,
      scopes,
      state,
      codeChallenge,
      showDialog: opts.showDialog,
    });
    return { url, state, codeVerifier, redirectUri, scopes };
  }

  async exchangeCode(pending: PendingAuthorization, code: string): Promise<TokenEndpointResponse> {
    this.redactor?.add(code);
    const res = await authorizationCodeGrantRequest(this.http, this.endpoints, this.auth(), {
      code,
      redirectUri: pending.redirectUri,
      codeVerifier: pending.codeVerifier,
    });
    return this.remember(res);
  }

  async refresh(refreshToken: string): Promise<TokenEndpointResponse> {
    this.redactor?.add(refreshToken);
    return this.remember(await refreshTokenGrantRequest(this.http, this.endpoints, this.auth(), refreshToken));
  }

  async clientCredentials(): Promise<TokenEndpointResponse> {
    return this.remember(await clientCredentialsGrantRequest(this.http, this.endpoints, this.auth()));
  }

  fetchAccount(accessToken: string): Promise<SpotifyAccount> {
    return fetchUserProfile(this.http, this.endpoints, accessToken);
  }

  private auth() {
    return { clientId: this.clientId, clientSecret: this.clientSecret };
  }

  private remember(res: TokenEndpointResponse): TokenEndpointResponse {
    this.redactor?.add(res.access_token);
    this.redactor?.add(res.refresh_token);
    return res;
  }
}
