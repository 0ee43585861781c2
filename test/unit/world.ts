import * as sinon from 'sinon';
import { AuthService, AuthUi } from '../../src/auth/authService';
import { english } from '../../src/auth/describeError';
import { CallbackRouter } from '../../src/flows/callbackRouter';
import { FlowHost, SignInFlow } from '../../src/flows/flow';
import { routeCallbackUri, uriHandlerFlow } from '../../src/flows/uriHandlerFlow';
import { SpotifyClientOptions, SpotifyOAuthClient } from '../../src/oauth/client';
import { GrantManager } from '../../src/session/grantManager';
import { GrantStore } from '../../src/session/grantStore';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../emulator/emulator';
import { FakeBrowser } from './fakeBrowser';
import { captureLogger, SharedSecretStorage } from './helpers';

export const EXT_ID = 'spotify-auth.spotify-authentication';

export interface WorldOptions {
  readonly flows?: SignInFlow[];
  /** How long one flow waits for the browser. */
  readonly timeoutMs?: number;
  readonly shared?: SharedSecretStorage;
  /** What resolveClientId answers; pass undefined explicitly for "the user gave none". */
  readonly clientId?: string | undefined;
  /** Extra client options (timeouts, retry, secret, sleep). */
  readonly client?: Partial<SpotifyClientOptions>;
  readonly raceGraceMs?: number;
  /** Sees (and may wrap) every client made, e.g. to log what a careless build would. */
  readonly onClient?: (client: SpotifyOAuthClient) => void;
}

/**
 * The provider's logic wired as src/vscode/activate.ts wires it, around the emulator, with a
 * scripted browser (vscode:// links go to the URI handler; other redirects are where a person
 * would copy the address from) and a scripted UI (accepts "try another way", records offers).
 * Every code exchange's code and verifier are recorded for leak checks.
 */
export function world(emu: SpotifyEmulator, opts: WorldOptions = {}) {
  const shared = opts.shared ?? new SharedSecretStorage();
  const log = captureLogger();
  const router = new CallbackRouter(log.logger);
  const exchanged: Array<{ code: string; verifier: string }> = [];
  const browser = new FakeBrowser({
    deliver: (url) => {
      const u = new URL(url);
      if (u.protocol === 'vscode:') {
        routeCallbackUri(router, { path: u.pathname, query: u.search.slice(1) });
      } else {
        browser.landedOn = url; // a loopback page nobody serves: the paste flow's case
      }
    },
  }) as FakeBrowser & { landedOn?: string };
  const host: FlowHost = {
    extensionId: EXT_ID,
    t: english,
    uriScheme: 'vscode',
    asExternalUri: async (u) => u,
    openExternal: (url) => browser.open(url),
    showInputBox: sinon.stub().callsFake(async () => {
      for (let i = 0; i < 100 && !browser.landedOn; i++) {
        await new Promise((r) => setTimeout(r, 5));
      }
      return browser.landedOn;
    }),
  };
  const ui: AuthUi & { offers: string[] } = {
    offers: [],
    resolveClientId: async () => ('clientId' in opts ? opts.clientId : DEFAULT_CLIENT_ID),
    whileWaiting: (task) => task(new AbortController().signal, () => undefined),
    offerNextFlow: async (_f, next) => {
      ui.offers.push(next.id);
      return true;
    },
  };
  const createClient = async (clientId: string) => {
    const c = new SpotifyOAuthClient({
      clientId,
      endpoints: { accounts: emu.url, api: emu.url },
      logger: log.logger,
      redactor: log.redactor,
      sleep: async () => undefined,
      ...opts.client,
    });
    const original = c.exchangeCode.bind(c);
    c.exchangeCode = (pending, code) => {
      exchanged.push({ code, verifier: pending.codeVerifier });
      return original(pending, code);
    };
    opts.onClient?.(c);
    return c;
  };
  const manager = new GrantManager({
    store: new GrantStore(shared.window(), log.logger),
    refresher: async (g) => (await createClient(g.clientId)).refresh(g.refreshToken!),
    logger: log.logger,
    refreshSkewMs: () => 60_000,
    raceGraceMs: opts.raceGraceMs ?? 300,
    windowId: 'w1',
  });
  const service = new AuthService({
    manager,
    router,
    host,
    logger: log.logger,
    ui,
    createClient,
    flows: () => opts.flows ?? [uriHandlerFlow],
    timeoutMs: opts.timeoutMs ?? 5000,
  });
  return { service, manager, router, browser, host, ui, log, shared, exchanged };
}
