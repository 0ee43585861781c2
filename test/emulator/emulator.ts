/**
 * A local stand-in for Spotify's accounts service and the bit of the Web API we use, behaving as
 * Spotify's documentation, changelogs and client bug reports show it (re-checked November 2026),
 * and at least as strictly: exact redirect-URI matching (port-free loopback), PKCE S256,
 * single-use short-lived codes, rotating or absent refresh tokens, Spotify's error strings,
 * form-only token bodies, Development Mode allowlists. It counts requests per endpoint and can
 * inject faults. Test code only: it never ships in the extension.
 */
import { createHash, randomBytes } from 'crypto';
import * as http from 'http';
import * as https from 'https';
import { AddressInfo } from 'net';
import { SCRIPT_APPROVE_PAGE } from './pages';
import { RelayAppend, relayRedirect } from './relay';

export interface EmulatorApp {
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly name?: string;
  /** Matched exactly, as Spotify does; a port-less loopback registration accepts any port. */
  readonly redirectUris: readonly string[];
  /** Development Mode allowlist of user ids; undefined lets everyone in. */
  readonly allowlist?: readonly string[];
  /** False models an app whose owner has no Premium: the Web API answers 403. */
  readonly ownerPremium?: boolean;
}

export interface EmulatorUser {
  readonly id: string;
  readonly displayName: string | null;
  readonly accountId?: string;
  readonly imageUrl?: string;
}

export type RefreshTokenMode = 'rotate' | 'omit' | 'reuse';

export type Fault =
  | { readonly path: string; readonly kind: 'status'; readonly status: number; readonly times?: number }
  | { readonly path: string; readonly kind: 'rateLimit'; readonly retryAfter?: string; readonly times?: number; readonly quota?: boolean; readonly emptyBody?: boolean }
  | { readonly path: string; readonly kind: 'delay'; readonly ms: number; readonly times?: number }
  | { readonly path: string; readonly kind: 'reset'; readonly times?: number }
  | { readonly path: string; readonly kind: 'truncated'; readonly times?: number }
  | { readonly path: string; readonly kind: 'html'; readonly status?: number; readonly times?: number }
  /** The request is processed in full (a refresh token rotated, a code spent), then the connection drops. */
  | { readonly path: string; readonly kind: 'lostAnswer'; readonly times?: number };

export interface EmulatorConfig {
  apps: EmulatorApp[];
  users: EmulatorUser[];
  /** Approve at once as this user (true: the first user) instead of showing the consent page. */
  autoApprove: boolean | string;
  refreshTokenMode: RefreshTokenMode;
  accessTokenTtlS: number;
  codeTtlMs: number;
  /** Refresh tokens die this long after consent; refreshing does not extend it. */
  grantTtlMs: number;
  /**
   * RFC 9700 §4.14.2 reuse detection: a refresh token that was already rotated out, presented
   * again, revokes the whole grant (every refresh token of that consent). Spotify may do this.
   */
  reuseDetection: boolean;
  /**
   * What a code exchange grants: the scopes asked (`asked`), every scope the user ever consented to
   * for the app (`union`: Spotify merges earlier consents), and never those in `withheldScopes`
   * (a server may grant less, RFC 6749 §3.3).
   */
  grantedScopes: 'asked' | 'union';
  withheldScopes: string[];
  /** Refresh answers without `scope` (as Spotify's often are): the client keeps what it had. */
  omitScopeOnRefresh: boolean;
  /** Which of {@link DEV_MODE_TEXTS}.notAllowlisted the Web API sends (default: the current one). */
  notAllowlistedText: 0 | 1 | 2 | 3;
  /** Which of {@link DEV_MODE_TEXTS}.noPremium the Web API sends (default: the older one). */
  noPremiumText: 0 | 1;
  /** The page an unregistered redirect URI gets; Spotify has shown both texts. */
  redirectErrorText: 'INVALID_CLIENT: Invalid redirect URI' | 'redirect_uri: Not matching configuration';
}

interface CodeRecord {
  clientId: string;
  redirectUri: string;
  challenge: string;
  scopes: string[];
  userId: string;
  expiresAt: number;
}

interface TokenRecord {
  clientId: string;
  userId?: string;
  scopes: string[];
  expiresAt: number;
}

interface RefreshRecord {
  clientId: string;
  userId: string;
  scopes: string[];
  grantExpiresAt: number;
  revoked: boolean;
  /** Replaced by a newer token of the same grant (rotation); presenting it again is a reuse. */
  rotatedOut?: boolean;
  /** The consent this token descends from: reuse detection revokes the whole family. */
  family: string;
}

interface PendingConsent {
  app: EmulatorApp;
  params: URLSearchParams;
  scopes: string[];
}

export const SPOTIFY_SCOPES = new Set([
  'ugc-image-upload', 'user-read-playback-state', 'user-modify-playback-state', 'user-read-currently-playing',
  'app-remote-control', 'streaming', 'playlist-read-private', 'playlist-read-collaborative', 'playlist-modify-private',
  'playlist-modify-public', 'user-follow-modify', 'user-follow-read', 'user-read-playback-position', 'user-top-read',
  'user-read-recently-played', 'user-library-modify', 'user-library-read', 'user-read-email', 'user-read-private',
]);

export const DEFAULT_CLIENT_ID = '0123456789abcdef0123456789abcdef';

/** Spotify's Development Mode 403 texts, oldest first for the allowlist one (2021 to 2026). */
export const DEV_MODE_TEXTS = {
  notAllowlisted: [
    'User not approved for app',
    'User not registered in the Developer Dashboard',
    'Check settings on developer.spotify.com/dashboard, the user may not be registered.',
    'The user is not registered for this application.',
  ],
  noPremium: [
    'Active premium subscription required for the owner of the app. When the subscription status changes, it can take a few hours before requests are allowed again.',
    'Your application is blocked from accessing the Web API since you do not have a Spotify Premium subscription. When the subscription status changes, it can take a few hours before requests are allowed again.',
  ],
};

/**
 * The Web API endpoints the emulator serves besides `/v1/me`, with the scope each needs (Spotify
 * answers a token without it with a JSON 403, `Insufficient client scope`) and its success answer.
 */
const WEB_API: Record<string, { readonly scope: string; readonly status: number; readonly body?: unknown }> = {
  'GET /v1/me/top/tracks': { scope: 'user-top-read', status: 200, body: { items: [], total: 0, limit: 20, offset: 0, href: null, next: null, previous: null } },
  'PUT /v1/me/player/volume': { scope: 'user-modify-playback-state', status: 204 },
  'POST /v1/me/player/next': { scope: 'user-modify-playback-state', status: 204 },
  'DELETE /v1/me/tracks': { scope: 'user-library-modify', status: 200 },
};

export const DEFAULT_USERS: EmulatorUser[] = [
  { id: 'emu-alice', displayName: 'Alice Emulated', accountId: 'acc-alice-0001', imageUrl: 'https://i.scdn.co/image/alice' },
  { id: 'emu-bob', displayName: null },
];

export class SpotifyEmulator {
  readonly config: EmulatorConfig;
  /** Requests per `METHOD /path`, and token requests per grant type (`token:refresh_token`). */
  readonly counts: Record<string, number> = {};
  /** The parameters of every authorize request, newest last. */
  readonly authorizeRequests: URLSearchParams[] = [];
  private faults: Array<Fault & { left: number }> = [];
  private readonly codes = new Map<string, CodeRecord>();
  private readonly accessTokens = new Map<string, TokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshRecord>();
  private readonly consents = new Map<string, Set<string>>();
  private readonly pendingConsents = new Map<string, PendingConsent>();
  /** Answers to drop after processing (the lostAnswer fault). */
  private readonly losing = new WeakSet<http.ServerResponse>();
  private server?: http.Server;
  private relayServer?: http.Server;
  private scheme = 'http';
  private readonly sockets = new Set<import('net').Socket>();
  /** Every code and token ever issued, for leak checks over logs and messages. */
  readonly issued = new Set<string>();
  /** Headers of the last CORS preflight, for debugging browser callers. */
  lastPreflight?: Record<string, unknown>;
  /** Milliseconds added to the clock, to age tokens and grants without waiting. */
  clockOffsetMs = 0;

  constructor(config: Partial<EmulatorConfig> = {}) {
    this.config = {
      apps: config.apps ?? [{ clientId: DEFAULT_CLIENT_ID, name: 'Emulated App', redirectUris: [] }],
      users: config.users ?? DEFAULT_USERS,
      autoApprove: config.autoApprove ?? false,
      refreshTokenMode: config.refreshTokenMode ?? 'rotate',
      accessTokenTtlS: config.accessTokenTtlS ?? 3600,
      codeTtlMs: config.codeTtlMs ?? 60_000,
      grantTtlMs: config.grantTtlMs ?? 183 * 24 * 3600 * 1000,
      redirectErrorText: config.redirectErrorText ?? 'INVALID_CLIENT: Invalid redirect URI',
      reuseDetection: config.reuseDetection ?? false,
      grantedScopes: config.grantedScopes ?? 'asked',
      withheldScopes: config.withheldScopes ?? [],
      omitScopeOnRefresh: config.omitScopeOnRefresh ?? false,
      notAllowlistedText: config.notAllowlistedText ?? 3,
      noPremiumText: config.noPremiumText ?? 0,
    };
  }

  get url(): string {
    const addr = this.server?.address() as AddressInfo | undefined;
    if (!addr) {
      throw new Error('emulator not started');
    }
    return `${this.scheme}://${addr.address}:${addr.port}`;
  }

  /**
   * Listens on `host` (a loopback address). Runs inside code-server use 127.0.0.2: code-server
   * rewrites openExternal of `127.0.0.1:PORT` into its own port-forwarding route, which real
   * Spotify (https) never meets but the emulator would.
   */
  async start(port = 0, host = '127.0.0.1', tls?: { key: string; cert: string }): Promise<string> {
    this.scheme = tls ? 'https' : 'http';
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.dispatch(req, res).catch((e) => {
        if (!res.headersSent) {
          this.json(res, 500, { error: 'server_error', error_description: String(e) });
        }
      });
    };
    // TLS only for the web-worker run: code-server's worker CSP lets fetch reach https: anywhere.
    this.server = tls ? https.createServer(tls, handler) : http.createServer(handler);
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    return this.url;
  }

  /**
   * Serves the relay page (what `https://vscode.dev/redirect` does, see ./relay.ts) at
   * `http://<host>:<port>/redirect`, on its own listener: the accounts service may sit on
   * 127.0.0.2 for code-server's sake, but a redirect URI Spotify accepts over plain http must be on
   * 127.0.0.1 or [::1]. Returns the relay's URL, which the app registers exactly. `append` is how
   * it appends the provider's parameters (see ./relay.ts); `encoded` unless a test asks otherwise.
   */
  async startRelay(port = 0, host = '127.0.0.1', append: RelayAppend = 'encoded'): Promise<string> {
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', `http://${host}`);
      if (req.method !== 'GET' || url.pathname !== '/redirect') {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('Not found');
        return;
      }
      this.bump('GET /redirect');
      const answer = relayRedirect(url, append);
      if ('location' in answer) {
        res.writeHead(302, { Location: answer.location, 'Cache-Control': 'no-store' });
        res.end();
      } else {
        this.bump('relay:refused');
        res.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(answer.page);
      }
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.relayServer = server;
    const addr = server.address() as AddressInfo;
    return `http://${host}:${addr.port}/redirect`;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) {
      s.destroy();
    }
    await Promise.all(
      [this.server, this.relayServer].map((srv) => new Promise<void>((resolve) => (srv ? srv.close(() => resolve()) : resolve()))),
    );
    this.server = undefined;
    this.relayServer = undefined;
  }

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** Queues a fault for the next `times` (default 1) requests to `path`. */
  inject(fault: Fault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  count(key: string): number {
    return this.counts[key] ?? 0;
  }

  /** Makes every access token expired now, as if an hour had passed for them. */
  expireAccessTokens(): void {
    for (const t of this.accessTokens.values()) {
      t.expiresAt = this.now() - 1;
    }
  }

  /** Revokes every refresh token, as when a user removes the app's access. */
  revokeAllGrants(): void {
    for (const r of this.refreshTokens.values()) {
      r.revoked = true;
    }
  }

  /** Whether a given access token is one the emulator issued and still accepts. */
  isAccessTokenValid(token: string): boolean {
    const t = this.accessTokens.get(token);
    return !!t && t.expiresAt > this.now();
  }

  /** Live (unrevoked, unexpired) refresh tokens: a grant is "lost" when its user has none. */
  liveRefreshTokens(userId?: string): number {
    let n = 0;
    for (const r of this.refreshTokens.values()) {
      if (!r.revoked && !r.rotatedOut && r.grantExpiresAt > this.now() && (userId === undefined || r.userId === userId)) {
        n++;
      }
    }
    return n;
  }

  private bump(key: string): void {
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (path.startsWith('/__emulator/')) {
      return this.control(req, res, path);
    }
    if (path === '/api/token' || path.startsWith('/v1/')) {
      // Spotify allows browser callers (PKCE single-page apps, vscode.dev's web worker) by CORS.
      res.setHeader('Access-Control-Allow-Origin', '*');
      if (req.method === 'OPTIONS') {
        this.bump(`OPTIONS ${path}`);
        this.lastPreflight = { origin: req.headers.origin, ...Object.fromEntries(Object.entries(req.headers).filter(([k]) => k.startsWith('access-control'))) };
        res.writeHead(204, { 'Access-Control-Allow-Headers': 'Authorization, Content-Type', 'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE' });
        res.end();
        return;
      }
    }
    this.bump(`${req.method} ${path}`);
    const fault = this.takeFault(path);
    if (fault) {
      const handled = await this.applyFault(fault, req, res);
      if (handled) {
        return;
      }
    }
    if (path === '/authorize' && req.method === 'GET') {
      return this.authorize(req, res, url.searchParams);
    }
    if (path === '/authorize/decision' && req.method === 'POST') {
      return this.decision(res, new URLSearchParams(await readBody(req)));
    }
    if (path === '/api/token') {
      return this.token(req, res);
    }
    if (path === '/v1/me' && req.method === 'GET') {
      return this.me(req, res);
    }
    const endpoint = WEB_API[`${req.method} ${path}`];
    if (endpoint) {
      return this.webApi(req, res, endpoint);
    }
    this.json(res, 404, { error: { status: 404, message: 'Service not found' } });
  }

  private takeFault(path: string): (Fault & { left: number }) | undefined {
    const i = this.faults.findIndex((f) => f.path === path);
    if (i < 0) {
      return undefined;
    }
    const f = this.faults[i];
    if (--f.left <= 0) {
      this.faults.splice(i, 1);
    }
    return f;
  }

  /** Returns true when the fault produced the whole answer. */
  private async applyFault(f: Fault, req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
    this.bump(`fault:${f.kind}`);
    switch (f.kind) {
      case 'delay':
        await new Promise((r) => setTimeout(r, f.ms));
        return res.destroyed;
      case 'reset':
        req.socket.destroy();
        return true;
      case 'status':
        // Each service's own error shape: OAuth's on the accounts service, the Web API's on /v1/*.
        this.json(res, f.status, f.path.startsWith('/v1/') ? { error: { status: f.status, message: f.status === 401 ? 'Access token missing' : 'Server error' } } : { error: 'server_error', error_description: 'Internal server error' });
        return true;
      case 'rateLimit':
        res.writeHead(429, { 'Content-Type': 'application/json', ...(f.retryAfter !== undefined ? { 'Retry-After': f.retryAfter } : {}) });
        res.end(f.emptyBody ? '' : JSON.stringify({ error: { status: 429, message: 'API rate limit exceeded', ...(f.quota ? { reason: 'QUOTA_EXCEEDED' } : {}) } }));
        return true;
      case 'truncated':
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"access_token":"BQ');
        return true;
      case 'html':
        res.writeHead(f.status ?? 502, { 'Content-Type': 'text/html' });
        res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
        return true;
      case 'lostAnswer':
        this.losing.add(res);
        return false;
    }
  }

  // ---- accounts: /authorize ----

  private authorize(req: http.IncomingMessage, res: http.ServerResponse, p: URLSearchParams): void {
    this.authorizeRequests.push(p);
    const app = this.config.apps.find((a) => a.clientId === p.get('client_id'));
    if (!app) {
      return this.text(res, 400, 'INVALID_CLIENT: Invalid client');
    }
    const redirectUri = p.get('redirect_uri') ?? '';
    const problem = this.redirectProblem(app, redirectUri);
    if (problem) {
      return this.text(res, 400, problem);
    }
    if (p.get('response_type') !== 'code') {
      // The implicit grant (response_type=token) was removed on 27 November 2025; the refusal comes
      // back in the fragment, where that grant's answers went, not in the query.
      const url = new URL(redirectUri);
      url.hash = new URLSearchParams({ error: 'unsupported_response_type', ...(p.get('state') ? { state: p.get('state')! } : {}) }).toString();
      res.writeHead(302, { Location: url.toString() });
      res.end();
      return;
    }
    const scopes = (p.get('scope') ?? '').split(' ').filter(Boolean);
    if (scopes.some((s) => !SPOTIFY_SCOPES.has(s))) {
      return this.text(res, 400, 'Illegal scope');
    }
    if (p.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(p.get('code_challenge') ?? '')) {
      return this.redirectBack(res, redirectUri, { error: 'invalid_request', error_description: 'code_challenge_method must be S256', state: p.get('state') ?? undefined });
    }
    const auto = this.config.autoApprove;
    if (auto) {
      const user = typeof auto === 'string' ? auto : this.config.users[0].id;
      return this.approve(res, app, p, scopes, user);
    }
    const remembered = cookie(req, 'emu_user');
    const consent = remembered ? this.consents.get(`${app.clientId}|${remembered}`) : undefined;
    if (remembered && consent && scopes.every((s) => consent.has(s)) && p.get('show_dialog') !== 'true') {
      // Consent already given for these scopes: Spotify redirects without asking again.
      return this.approve(res, app, p, scopes, remembered);
    }
    const id = token('consent');
    this.pendingConsents.set(id, { app, params: p, scopes });
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(SCRIPT_APPROVE_PAGE({ id, appName: app.name ?? 'Spotify app', scopes, users: this.config.users, selected: remembered }));
  }

  private decision(res: http.ServerResponse, form: URLSearchParams): void {
    const pending = this.pendingConsents.get(form.get('id') ?? '');
    if (!pending) {
      return this.text(res, 400, 'Consent request expired. Start the sign-in again.');
    }
    this.pendingConsents.delete(form.get('id')!);
    const redirectUri = pending.params.get('redirect_uri')!;
    if (form.get('decision') !== 'approve') {
      return this.redirectBack(res, redirectUri, { error: 'access_denied', state: pending.params.get('state') ?? undefined });
    }
    const userId = form.get('user') ?? this.config.users[0].id;
    if (!this.config.users.some((u) => u.id === userId)) {
      return this.text(res, 400, 'Unknown user.');
    }
    res.setHeader('Set-Cookie', `emu_user=${encodeURIComponent(userId)}; Path=/; HttpOnly; SameSite=Lax`);
    this.approve(res, pending.app, pending.params, pending.scopes, userId);
  }

  private approve(res: http.ServerResponse, app: EmulatorApp, p: URLSearchParams, scopes: string[], userId: string): void {
    const key = `${app.clientId}|${userId}`;
    const consent = this.consents.get(key) ?? new Set<string>();
    scopes.forEach((s) => consent.add(s));
    this.consents.set(key, consent);
    const granted = (this.config.grantedScopes === 'union' ? [...consent] : scopes).filter((s) => !this.config.withheldScopes.includes(s)).sort();
    const code = token('AQ', this.issued);
    this.codes.set(code, {
      clientId: app.clientId,
      redirectUri: p.get('redirect_uri')!,
      challenge: p.get('code_challenge')!,
      scopes: granted,
      userId,
      expiresAt: this.now() + this.config.codeTtlMs,
    });
    this.redirectBack(res, p.get('redirect_uri')!, { code, state: p.get('state') ?? undefined });
  }

  /**
   * Spotify's redirect-URI rules; returns the plain-text error page or undefined when accepted.
   * Exact text match, query included (RFC 9700); the only latitude is the one Spotify documents: a
   * loopback IP literal registered without a port accepts any port. An unregistered URI is
   * `Invalid redirect URI` whatever it looks like (`http://localhost…` included); `Insecure
   * redirect URI` is for an insecure URI that is still registered from before the rules.
   */
  redirectProblem(app: EmulatorApp, redirectUri: string): string | undefined {
    // Written apart from the extension's own check (src/oauth/redirectUri.ts) on purpose: a shared
    // bug would pass both. Text only: `new URL` would add a slash to a bare origin.
    const portless = /^http:\/\/(127\.0\.0\.1|\[::1\]):([0-9]+)(?=$|[/?#])/.exec(redirectUri);
    const candidates = portless && Number(portless[2]) <= 65535 ? [redirectUri, `http://${portless[1]}${redirectUri.slice(portless[0].length)}`] : [redirectUri];
    const registered = app.redirectUris.find((r) => candidates.includes(r));
    if (registered === undefined) {
      return this.config.redirectErrorText;
    }
    const insecure = registered.startsWith('http://') && !/^http:\/\/(127\.0\.0\.1|\[::1\])(?=$|[:/?#])/.test(registered);
    return insecure ? 'INVALID_CLIENT: Insecure redirect URI' : undefined;
  }

  private redirectBack(res: http.ServerResponse, redirectUri: string, params: Record<string, string | undefined>): void {
    const url = new URL(redirectUri);
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined) {
        url.searchParams.append(k, v);
      }
    }
    res.writeHead(302, { Location: url.toString() });
    res.end();
  }

  // ---- accounts: /api/token ----

  private async token(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      return this.json(res, 405, { error: 'invalid_request', error_description: 'Only POST is supported' });
    }
    const body = await readBody(req);
    const contentType = (req.headers['content-type'] ?? '').toLowerCase();
    if (contentType === '') {
      return this.json(res, 500, { error: 'server_error' }); // what Spotify answers a body without Content-Type
    }
    if (contentType.split(';')[0].trim() !== 'application/x-www-form-urlencoded') {
      return this.json(res, 415, { error: 'server_error', error_description: 'Unexpected status: 415' });
    }
    const p = new URLSearchParams(body);
    const grantType = p.get('grant_type');
    this.bump(`token:${grantType ?? 'missing'}`);
    if (!grantType) {
      return this.oauthError(res, 'unsupported_grant_type', 'grant_type parameter is missing');
    }
    const client = this.authenticateClient(req, p);
    if (client === 'invalid') {
      return this.oauthError(res, 'invalid_client', 'Invalid client');
    }
    if (grantType === 'authorization_code') {
      return this.codeGrant(res, p, client);
    }
    if (grantType === 'refresh_token') {
      return this.refreshGrant(res, p, client);
    }
    if (grantType === 'client_credentials') {
      if (!client.confidential) {
        return this.oauthError(res, 'invalid_client', 'Invalid client');
      }
      const access = token('BQ', this.issued);
      this.accessTokens.set(access, { clientId: client.app.clientId, scopes: [], expiresAt: this.now() + this.config.accessTokenTtlS * 1000 });
      return this.json(res, 200, { access_token: access, token_type: 'Bearer', expires_in: this.config.accessTokenTtlS });
    }
    return this.oauthError(res, 'unsupported_grant_type', 'grant_type must be client_credentials, authorization_code or refresh_token');
  }

  private authenticateClient(req: http.IncomingMessage, p: URLSearchParams): { app: EmulatorApp; confidential: boolean } | 'invalid' {
    const header = req.headers.authorization;
    if (header?.startsWith('Basic ')) {
      // RFC 6749 §2.3.1: id and secret are form-urlencoded, then joined by ':' and base64-encoded.
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      const formDecode = (v: string) => new URLSearchParams(`v=${v}`).get('v') ?? '';
      const app = this.config.apps.find((a) => a.clientId === formDecode(decoded.slice(0, i)));
      if (i < 0 || !app || !app.clientSecret || app.clientSecret !== formDecode(decoded.slice(i + 1))) {
        return 'invalid';
      }
      return { app, confidential: true };
    }
    const app = this.config.apps.find((a) => a.clientId === p.get('client_id'));
    return app ? { app, confidential: false } : 'invalid';
  }

  private codeGrant(res: http.ServerResponse, p: URLSearchParams, client: { app: EmulatorApp; confidential: boolean }): void {
    const code = p.get('code') ?? '';
    const record = this.codes.get(code);
    // Single use: a code is consumed the first time it is presented, whatever happens next.
    this.codes.delete(code);
    if (!record || record.clientId !== client.app.clientId) {
      return this.oauthError(res, 'invalid_grant', 'Invalid authorization code');
    }
    if (record.expiresAt < this.now()) {
      return this.oauthError(res, 'invalid_grant', 'Authorization code expired');
    }
    if (p.get('redirect_uri') !== record.redirectUri) {
      return this.oauthError(res, 'invalid_grant', 'Invalid redirect URI');
    }
    const verifier = p.get('code_verifier');
    if (!verifier) {
      return this.oauthError(res, 'invalid_request', 'code_verifier required');
    }
    if (createHash('sha256').update(verifier).digest('base64url') !== record.challenge) {
      return this.oauthError(res, 'invalid_grant', 'code_verifier was incorrect');
    }
    const refresh = token('AQ', this.issued);
    this.refreshTokens.set(refresh, {
      clientId: record.clientId,
      userId: record.userId,
      scopes: record.scopes,
      grantExpiresAt: this.now() + this.config.grantTtlMs,
      revoked: false,
      family: refresh,
    });
    this.json(res, 200, { ...this.issueAccess(record.clientId, record.userId, record.scopes), refresh_token: refresh });
  }

  private refreshGrant(res: http.ServerResponse, p: URLSearchParams, client: { app: EmulatorApp }): void {
    const old = p.get('refresh_token') ?? '';
    const record = this.refreshTokens.get(old);
    if (!record) {
      return this.oauthError(res, 'invalid_grant', 'Invalid refresh token');
    }
    if (record.rotatedOut) {
      // The same refresh token sent a second time: what a client must never do.
      this.bump('refresh:reused');
      if (this.config.reuseDetection && !record.revoked) {
        this.bump('reuse:detected');
        for (const r of this.refreshTokens.values()) {
          if (r.family === record.family) {
            r.revoked = true;
          }
        }
      }
    }
    if (record.revoked || record.rotatedOut) {
      return this.oauthError(res, 'invalid_grant', 'Refresh token revoked');
    }
    if (record.grantExpiresAt < this.now()) {
      // Six months after consent, whatever refreshes happened in between.
      return this.oauthError(res, 'invalid_grant', 'Refresh token expired');
    }
    if (record.clientId !== client.app.clientId) {
      return this.oauthError(res, 'invalid_client', 'Invalid client');
    }
    const answer: Record<string, unknown> = this.issueAccess(record.clientId, record.userId, record.scopes);
    if (this.config.omitScopeOnRefresh) {
      delete answer.scope;
    }
    if (this.config.refreshTokenMode === 'rotate') {
      record.rotatedOut = true;
      const next = token('AQ', this.issued);
      this.refreshTokens.set(next, { ...record, revoked: false, rotatedOut: false });
      answer.refresh_token = next;
    } else if (this.config.refreshTokenMode === 'reuse') {
      answer.refresh_token = old;
    }
    this.json(res, 200, answer);
  }

  private issueAccess(clientId: string, userId: string, scopes: string[]) {
    const access = token('BQ', this.issued);
    this.accessTokens.set(access, { clientId, userId, scopes, expiresAt: this.now() + this.config.accessTokenTtlS * 1000 });
    return { access_token: access, token_type: 'Bearer', expires_in: this.config.accessTokenTtlS, scope: scopes.join(' ') };
  }

  // ---- Web API: /v1/me and a few scope-checked endpoints ----

  /**
   * Spotify's checks before any Web API answer, in its order: the token (401, JSON), then the
   * Development Mode refusals (403, plain text, their wording keeps changing), then the scope
   * (403, JSON). Returns the token's record, or undefined when the answer was sent.
   */
  private authorizeApi(req: http.IncomingMessage, res: http.ServerResponse, scope?: string): { record: TokenRecord; user: EmulatorUser } | undefined {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Bearer ')) {
      this.json(res, 401, { error: { status: 401, message: 'No token provided' } });
      return undefined;
    }
    const record = this.accessTokens.get(header.slice(7));
    if (!record) {
      this.json(res, 401, { error: { status: 401, message: 'Invalid access token' } });
      return undefined;
    }
    if (record.expiresAt <= this.now()) {
      this.json(res, 401, { error: { status: 401, message: 'The access token expired' } });
      return undefined;
    }
    const app = this.config.apps.find((a) => a.clientId === record.clientId)!;
    const user = this.config.users.find((u) => u.id === record.userId);
    if (!user) {
      this.json(res, 401, { error: { status: 401, message: 'Unauthorized' } });
      return undefined;
    }
    if (app.ownerPremium === false) {
      this.text(res, 403, DEV_MODE_TEXTS.noPremium[this.config.noPremiumText]);
      return undefined;
    }
    if (app.allowlist && !app.allowlist.includes(user.id)) {
      this.text(res, 403, DEV_MODE_TEXTS.notAllowlisted[this.config.notAllowlistedText]);
      return undefined;
    }
    if (scope !== undefined && !record.scopes.includes(scope)) {
      this.json(res, 403, { error: { status: 403, message: 'Insufficient client scope' } });
      return undefined;
    }
    return { record, user };
  }

  private webApi(req: http.IncomingMessage, res: http.ServerResponse, endpoint: (typeof WEB_API)[string]): void {
    if (!this.authorizeApi(req, res, endpoint.scope)) {
      return;
    }
    if (endpoint.body === undefined) {
      res.writeHead(endpoint.status);
      res.end();
      return;
    }
    this.json(res, endpoint.status, endpoint.body);
  }

  private me(req: http.IncomingMessage, res: http.ServerResponse): void {
    const allowed = this.authorizeApi(req, res);
    if (!allowed) {
      return;
    }
    const { user } = allowed;
    this.json(res, 200, {
      id: user.id,
      display_name: user.displayName,
      ...(user.accountId ? { account_id: user.accountId } : {}),
      images: user.imageUrl ? [{ url: user.imageUrl, height: 300, width: 300 }] : [],
      type: 'user',
      uri: `spotify:user:${user.id}`,
      followers: { href: null, total: 0 },
      external_urls: { spotify: `https://open.spotify.com/user/${user.id}` },
      href: `${this.url}/v1/users/${user.id}`,
    });
  }

  // ---- control API, for tests that run in another process (the VS Code host) ----

  private async control(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
    const body = req.method === 'POST' ? await readBody(req) : '';
    const input = body ? JSON.parse(body) : {};
    switch (path) {
      case '/__emulator/stats':
        return this.json(res, 200, { counts: this.counts, liveRefreshTokens: this.liveRefreshTokens(), authorizeRequests: this.authorizeRequests.map((p) => Object.fromEntries(p)) });
      case '/__emulator/fault':
        this.inject(input as Fault);
        return this.json(res, 200, { ok: true });
      case '/__emulator/config':
        Object.assign(this.config, input);
        return this.json(res, 200, { ok: true });
      case '/__emulator/expire-access-tokens':
        this.expireAccessTokens();
        return this.json(res, 200, { ok: true });
      case '/__emulator/revoke-all':
        this.revokeAllGrants();
        return this.json(res, 200, { ok: true });
      case '/__emulator/check-token':
        return this.json(res, 200, { valid: this.isAccessTokenValid(String(input.token ?? '')) });
      default:
        return this.json(res, 404, { error: 'unknown control path' });
    }
  }

  private oauthError(res: http.ServerResponse, error: string, description: string): void {
    this.bump(`error:${error}`);
    this.json(res, 400, { error, error_description: description });
  }

  private json(res: http.ServerResponse, status: number, body: unknown): void {
    if (this.losing.has(res)) {
      res.socket?.destroy();
      return;
    }
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private text(res: http.ServerResponse, status: number, body: string): void {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(body);
  }
}

function token(prefix: string, issued?: Set<string>): string {
  const value = prefix + randomBytes(48).toString('base64url');
  issued?.add(value);
  return value;
}

function cookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) {
      return decodeURIComponent(v.join('='));
    }
  }
  return undefined;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}
