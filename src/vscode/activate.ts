import * as vscode from 'vscode';
import { SpotifyAuthApi } from '../api';
import { AppTokens } from '../auth/appTokens';
import { AuthService } from '../auth/authService';
import { CurrentTokenRefresher } from '../auth/currentTokenRefresh';
import { describeError } from '../auth/describeError';
import { Logger } from '../common/logger';
import { Redactor } from '../common/redactor';
import { CrossWindowLock } from '../session/crossWindowLock';
import { CallbackRouter } from '../flows/callbackRouter';
import { chooseFlows, chooserFacts } from '../flows/chooser';
import { CallbackHandoff } from '../flows/handoff';
import { SignInFlow } from '../flows/flow';
import { routeCallbackUri } from '../flows/uriHandlerFlow';
import { SpotifyOAuthClient } from '../oauth/client';
import { GrantLostError, GrantManager } from '../session/grantManager';
import { GrantStore } from '../session/grantStore';
import { registerCommands } from './commands';
import { ConsentReminder } from '../auth/consentReminder';
import { consentEndsAt, day } from '../session/consent';
import { Outcomes } from './outcomes';
import { VscodeFlowHost } from './flowHost';
import { promptClientSecret } from './clientSecret';
import { createLogChannelLogger } from './log';
import { PROVIDER_ID, PROVIDER_LABEL, SpotifyAuthenticationProvider } from './provider';
import { readClientId, readEndpoints, readRefreshSkewMs, readSignInFlow, runMode } from './settings';
import { ClientFactory, refresherFor, RunMode } from '../auth/endpointPolicy';
import { copyRedirectUri, redirectUrisFor } from './redirectUris';
import { SpotifyStatusBar } from './statusBar';
import { VscodeAuthUi } from './ui';

const SIGN_IN_TIMEOUT_MS = 5 * 60_000;
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * Wires the pieces together; all behaviour lives in them. The Node and browser entry points differ
 * only in the flows they can offer (the browser has no local HTTP server).
 */
export async function activateWith(
  context: vscode.ExtensionContext,
  availableFlows: readonly SignInFlow[],
  createLock: (context: vscode.ExtensionContext, logger: Logger) => CrossWindowLock & Partial<vscode.Disposable>,
) {
  const started = Date.now();
  const channel = vscode.window.createOutputChannel('Spotify Authentication', { log: true });
  const redactor = new Redactor();
  const logger = createLogChannelLogger(channel, redactor);
  const host = new VscodeFlowHost(context.extension);
  const router = new CallbackRouter(logger);
  const handoff = new CallbackHandoff(context.secrets, logger);

  const mode = runMode(context.extensionMode);
  const createClient: ClientFactory = async (clientId, accounts) => {
    const configured = readEndpoints(mode).endpoints;
    return new SpotifyOAuthClient({
      clientId,
      clientSecret: (await context.secrets.get(clientSecretKey(clientId))) || undefined,
      // A grant's refresh goes to the accounts service that issued it, never to another.
      endpoints: accounts ? { ...configured, accounts } : configured,
      logger,
      redactor,
      timeoutMs: REQUEST_TIMEOUT_MS,
    });
  };
  announceEndpoints(mode, logger);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('spotify.accountsUrl') || e.affectsConfiguration('spotify.apiUrl')) {
        announceEndpoints(mode, logger);
      }
    }),
  );

  // Cached: getSessions is a hot path and must not read configuration on every call.
  let refreshSkewMs = readRefreshSkewMs();
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('spotify.refreshSkewSeconds')) {
        refreshSkewMs = readRefreshSkewMs();
      }
    }),
  );

  // One clock for every part: a development or test run can move it (spotify.test.setClockOffset)
  // to bring the six-month consent end near; an installed extension cannot.
  const clock = { offsetMs: 0 };
  const now = () => Date.now() + clock.offsetMs;

  // One lock domain per secret store (the contract in session/crossWindowLock.ts).
  const lock = createLock(context, logger);
  if (lock.dispose) {
    context.subscriptions.push({ dispose: () => lock.dispose?.() });
  }
  const manager = new GrantManager({
    now,
    store: new GrantStore(context.secrets, logger),
    refresher: refresherFor(createClient),
    logger,
    refreshSkewMs: () => refreshSkewMs,
    lock,
    proactive: true,
  });
  await manager.initialize();

  const flowsNow = async () => chooseFlows(await chooserFacts(host), readSignInFlow(), availableFlows);
  const ui = new VscodeAuthUi();
  const service = new AuthService({
    manager,
    router,
    handoff,
    host,
    logger,
    ui,
    createClient,
    flows: flowsNow,
    timeoutMs: SIGN_IN_TIMEOUT_MS,
    now,
  });

  const outcomes = new Outcomes(logger);

  const provider = new SpotifyAuthenticationProvider(service, manager, outcomes);
  context.subscriptions.push(channel, manager, provider);
  try {
    context.subscriptions.push(
      vscode.authentication.registerAuthenticationProvider(PROVIDER_ID, PROVIDER_LABEL, provider, { supportsMultipleAccounts: true }),
    );
  } catch (e) {
    const message = vscode.l10n.t(
      'Another extension already provides the "{0}" sign-in, so Spotify Authentication cannot. Disable one of them. ({1})',
      PROVIDER_ID,
      (e as Error).message,
    );
    logger.error(message);
    void vscode.window.showErrorMessage(message);
  }

  context.subscriptions.push(
    vscode.window.registerUriHandler({
      // A redirect no sign-in of this window waits for may belong to another window's (the direct
      // flow's link lands in the last active window): pass it on, or count it as ignored.
      handleUri: (uri: vscode.Uri) => {
        if (!routeCallbackUri(router, uri)) {
          void handoff.forward(uri.query).then((passed) => passed || router.ignore(), () => router.ignore());
        }
      },
    }),
    manager.onDidLoseGrant(async (e: GrantLostError) => {
      const again = vscode.l10n.t('Sign In Again');
      const choice = await vscode.window.showWarningMessage(describeError(e, vscode.l10n.t), again);
      if (choice === again) {
        void vscode.commands.executeCommand('spotify.signIn', [...e.grant.scopes], e.grant.account.id);
      }
    }),
    ...registerCommands(service, manager, outcomes),
  );

  const reminder = new ConsentReminder(manager, now, logger, async (g, endsAt, ended) => {
    const again = vscode.l10n.t('Sign In Again');
    const message = ended
      ? vscode.l10n.t('Your Spotify consent for {0} ended on {1} (Spotify ends every consent six months after it was given). Sign in again to keep using it.', g.account.label, day(endsAt))
      : vscode.l10n.t('Your Spotify consent for {0} ends on {1}: Spotify ends every consent six months after it was given, and refreshing does not extend it. Sign in again now to renew it for six months.', g.account.label, day(endsAt));
    if ((await vscode.window.showWarningMessage(message, again)) === again) {
      await vscode.commands.executeCommand('spotify.signIn', [...g.scopes], g.account.id);
    }
  });
  context.subscriptions.push(reminder);
  for (const g of manager.all()) {
    logger.info(`${g.account.label}: Spotify consent given ${day(g.createdAt)}, ends ${day(consentEndsAt(g))}.`);
  }
  reminder.check();
  if (context.extensionMode !== vscode.ExtensionMode.Production) {
    // Not contributed, so never in the palette: tests move time with it.
    context.subscriptions.push(
      vscode.commands.registerCommand('spotify.test.setClockOffset', (ms: number) => {
        clock.offsetMs = Number(ms) || 0;
        logger.info(`Test clock moved by ${Math.round(clock.offsetMs / 86_400_000)} days.`);
        reminder.check();
      }),
    );
  }

  const appTokens = new AppTokens(async () => {
    const clientId = readClientId();
    if (!clientId) {
      throw new Error('Set "spotify.clientId" (and a client secret) before asking for an app-only Spotify token.');
    }
    return createClient(clientId);
  });
  context.subscriptions.push(
    new SpotifyStatusBar(manager),
    vscode.commands.registerCommand('spotify.showLog', () => channel.show()),
    vscode.commands.registerCommand('spotify.setClientId', () => ui.promptClientId()),
    vscode.commands.registerCommand('spotify.copyRedirectUri', async () => copyRedirectUri(await redirectUrisFor(await flowsNow(), host))),
    vscode.commands.registerCommand('spotify.setClientSecret', async () => {
      const clientId = await ui.resolveClientId();
      if (clientId && (await promptClientSecret(context.secrets, clientSecretKey(clientId)))) {
        appTokens.clear();
      }
    }),
  );
  const env = host.environment;
  logger.info(
    `Spotify Authentication activated in ${Date.now() - started} ms (${vscode.env.appName}, ${vscode.env.uriScheme}, ${env.webUi ? 'web' : 'desktop'} UI, ` +
      `${env.webWorkerExtensionHost ? 'web worker' : env.remoteExtensionHost ? 'remote' : 'local'} extension host).`,
  );
  const tokens = new CurrentTokenRefresher(manager, logger);
  const api: SpotifyAuthApi = {
    version: 1,
    getAppToken: () => appTokens.get(),
    refreshIfCurrent: (sessionId, accessToken) => tokens.refreshIfCurrent(sessionId, accessToken),
  };
  return api;
}

/** Says, visibly, when tokens go anywhere but Spotify, and which environment overrides are ignored. */
function announceEndpoints(mode: RunMode, logger: Logger): void {
  let resolved;
  try {
    resolved = readEndpoints(mode);
  } catch (e) {
    logger.error((e as Error).message);
    void vscode.window.showErrorMessage((e as Error).message);
    return;
  }
  if (resolved.ignoredEnv.length > 0) {
    logger.warn(`Ignored ${resolved.ignoredEnv.join(' and ')}: environment overrides of Spotify's addresses apply only in development and test mode.`);
  }
  if (resolved.custom) {
    const { accounts, api } = resolved.endpoints;
    logger.warn(`Spotify sign-ins go to ${accounts} and ${api}, not to Spotify (settings spotify.accountsUrl, spotify.apiUrl).`);
    void vscode.window.showWarningMessage(
      vscode.l10n.t('Spotify sign-ins go to {0}, not to Spotify (setting "spotify.accountsUrl"). Change it back unless you use a Spotify emulator on purpose.', accounts),
    );
  }
}

/** Client secrets are kept per Client ID in SecretStorage, never in settings. */
const clientSecretKey = (clientId: string) => `spotify.clientSecret.${clientId}`;
