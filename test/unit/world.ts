import * as sinon from 'sinon';
import { AuthService, AuthUi } from '../../src/auth/authService';
import { english } from '../../src/auth/describeError';
import { ClientFactory, refresherFor } from '../../src/auth/endpointPolicy';
import { CallbackRouter } from '../../src/flows/callbackRouter';
import { chooseFlows, chooserFacts, FlowSetting } from '../../src/flows/chooser';
import { FlowHost, RelayConfig, SignInFlow } from '../../src/flows/flow';
import { CallbackHandoff } from '../../src/flows/handoff';
import { NODE_FLOWS } from '../../src/flows/node/flows';
import { defaultRelayUrl } from '../../src/flows/relayFlow';
import { routeCallbackUri, uriHandlerFlow } from '../../src/flows/uriHandlerFlow';
import { SpotifyClientOptions, SpotifyOAuthClient } from '../../src/oauth/client';
import { GrantManager } from '../../src/session/grantManager';
import { GrantStore } from '../../src/session/grantStore';
import { FileLock } from '../../src/session/node/fileLock';
import { lockDir } from './session/fixtures';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../emulator/emulator';
import { FakeBrowser } from './fakeBrowser';
import { captureLogger, SharedSecretStorage } from './helpers';
import { desktopModel, HostModel } from './hosts/models';

export const EXT_ID = 'spotify-auth.spotify-authentication';

export interface WorldOptions {
  /**
   * The flows to try; a `spotify.signInFlow` value ('auto', or one flow forced) chooses from the
   * model's environment as the product does.
   */
  readonly flows?: SignInFlow[] | FlowSetting;
  /** How long one flow waits for the browser. */
  readonly timeoutMs?: number;
  readonly shared?: SharedSecretStorage;
  /** What resolveClientId answers; pass undefined explicitly for "the user gave none". */
  readonly clientId?: string | undefined;
  /** Extra client options (timeouts, retry, secret, sleep). */
  readonly client?: Partial<SpotifyClientOptions>;
  /** Sees (and may wrap) every client made, e.g. to log what a careless build would. */
  readonly onClient?: (client: SpotifyOAuthClient) => void;
  /** The editor this runs in; desktop VS Code (modelled) by default. */
  readonly model?: HostModel;
  /** The relay setting; VS Code's page for the model's scheme by default. */
  readonly relay?: RelayConfig;
  /** The configured Spotify endpoints; the emulator's by default. */
  readonly endpoints?: { accounts: string; api: string };
}

export type World = ReturnType<typeof makeWindow>;

/**
 * The provider's logic wired as src/vscode/activate.ts wires it, around the emulator, in a modelled
 * editor (./hosts/models.ts): a scripted browser (consent, relay page, then the model decides
 * which window's URI handler gets the redirect; a loopback address is fetched for real; anything
 * else is where a person would copy the address from) and a scripted UI (accepts "try another
 * way", records offers). Every code exchange's code and verifier are recorded for leak checks.
 */
export function world(emu: SpotifyEmulator, opts: WorldOptions = {}): World {
  return windows(emu, 1, opts)[0];
}

/** `n` windows of one editor over one SecretStorage, as a user with several windows open has. */
export function windows(emu: SpotifyEmulator, n: number, opts: WorldOptions = {}): World[] {
  const shared = opts.shared ?? new SharedSecretStorage();
  const model = opts.model ?? desktopModel('desktop VS Code (modelled)', 'vscode');
  const locks = lockDir();
  const all: World[] = [];
  for (let i = 0; i < n; i++) {
    all.push(makeWindow(emu, opts, shared, model, i, all, locks));
  }
  return all;
}

/** What the browser needs of a window: its URI handler. */
interface UriHandling {
  handleUri(path: string, query: string): Promise<void>;
}

function makeWindow(emu: SpotifyEmulator, opts: WorldOptions, shared: SharedSecretStorage, model: HostModel, index: number, all: UriHandling[], locks: string) {
  const log = captureLogger();
  const router = new CallbackRouter(log.logger);
  const storage = shared.window();
  const handoff = new CallbackHandoff(storage, log.logger);
  const exchanged: Array<{ code: string; verifier: string }> = [];
  /** What the extension's UriHandler does (activate.ts): route here, else pass to another window. */
  const handleUri = async (path: string, query: string) => {
    if (!routeCallbackUri(router, { path, query }) && !(await handoff.forward(query))) {
      router.ignore();
    }
  };
  const browser = new FakeBrowser({
    deliver: (url) => {
      const delivery = model.deliver(url);
      if (delivery) {
        void all[delivery.window].handleUri(delivery.path, delivery.query);
      } else if (/^http:\/\/127\.0\.0\.1:\d+\/callback\?/.test(url)) {
        void fetch(url).catch(() => undefined); // the loopback server, for real
      } else {
        browser.landedOn = url; // a page nobody serves: the paste flow's case
      }
    },
  }) as FakeBrowser & { landedOn?: string };
  const host: FlowHost = {
    extensionId: EXT_ID,
    t: english,
    uriScheme: model.uriScheme,
    environment: model.environment,
    relay: () => opts.relay ?? { url: defaultRelayUrl(model.uriScheme), custom: false },
    asExternalUri: async (u) => model.asExternalUri(u, index),
    openExternal: (url) => browser.open(url),
    showInputBox: sinon.stub().callsFake(async () => {
      for (let i = 0; i < 100 && !browser.landedOn; i++) {
        await new Promise((r) => setTimeout(r, 5));
      }
      return browser.landedOn;
    }),
  };
  const ui: AuthUi & { offers: string[]; attempts: string[]; refused: string[][] } = {
    offers: [],
    attempts: [],
    refused: [],
    scopesRefused: (_account, refused) => void ui.refused.push([...refused]),
    resolveClientId: async () => ('clientId' in opts ? opts.clientId : DEFAULT_CLIENT_ID),
    whileWaiting: (attempt, task) => {
      ui.attempts.push(attempt.redirectUri);
      return task(new AbortController().signal);
    },
    offerNextFlow: async (_f, next) => {
      ui.offers.push(next.id);
      return true;
    },
  };
  const configured = () => opts.endpoints ?? { accounts: emu.url, api: emu.url };
  const createClient: ClientFactory = async (clientId, accounts) => {
    const c = new SpotifyOAuthClient({
      clientId,
      endpoints: accounts ? { ...configured(), accounts } : configured(),
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
    store: new GrantStore(storage, log.logger),
    refresher: refresherFor(createClient),
    logger: log.logger,
    refreshSkewMs: () => 60_000,
    lock: new FileLock(locks),
  });
  const flows = async () =>
    typeof opts.flows === 'string' ? chooseFlows(await chooserFacts(host), opts.flows, NODE_FLOWS) : (opts.flows ?? [uriHandlerFlow]);
  const service = new AuthService({
    manager,
    router,
    handoff,
    host,
    logger: log.logger,
    ui,
    createClient,
    flows,
    timeoutMs: opts.timeoutMs ?? 5000,
  });
  return { service, manager, router, handoff, browser, host, ui, log, shared, exchanged, flows, handleUri, model };
}
