/**
 * `npm start`: a sandbox VS Code (code-server in your browser) with this extension loaded.
 * Without a real Client ID it signs in against the built-in Spotify emulator (consent page and
 * all); with SPOTIFY_CLIENT_ID set it talks to real Spotify. Runs until Ctrl-C.
 * SPOTIFY_RELAY_APPEND=encoded|raw|none picks how its relay page appends Spotify's parameters
 * (see ../emulator/relay.ts; `encoded` by default), to try each way vscode.dev/redirect might.
 */
import * as net from 'net';
import * as path from 'path';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../emulator/emulator';
import { isRelayAppend, RELAY_APPENDS } from '../emulator/relay';
import { freePort, REPO, startCodeServer } from './codeServer';

async function main(): Promise<void> {
  const port = Number(process.env.PORT) || 8080;
  if (!(await portIsFree(port))) {
    console.error(`Port ${port} is already in use (another sandbox, or another program). Stop that, or choose another port: PORT=${port + 1} npm start`);
    process.exit(1);
  }
  const append = process.env.SPOTIFY_RELAY_APPEND || 'encoded';
  if (!isRelayAppend(append)) {
    console.error(`SPOTIFY_RELAY_APPEND must be one of ${RELAY_APPENDS.join(', ')}, not "${append}".`);
    process.exit(1);
  }
  const realClientId = process.env.SPOTIFY_CLIENT_ID;
  let emulator: SpotifyEmulator | undefined;
  // The sandbox folder sits inside this repository: keep VS Code's git from offering to open it.
  const settings: Record<string, unknown> = { 'workbench.startupEditor': 'none', 'git.openRepositoryInParentFolders': 'never' };
  if (realClientId) {
    settings['spotify.clientId'] = realClientId;
  } else {
    emulator = new SpotifyEmulator({ apps: [] });
    // 127.0.0.2: code-server would rewrite links to 127.0.0.1:PORT into its port-forwarding route.
    const url = await emulator.start(Number(process.env.EMULATOR_PORT) || (await freePort()), '127.0.0.2');
    // The relay page stands in for vscode.dev/redirect, which does not serve code-server; the app
    // registers exactly the URIs the extension lists here, as a user would.
    const relayUrl = await emulator.startRelay(0, '127.0.0.1', append);
    emulator.config.apps.push({ clientId: DEFAULT_CLIENT_ID, name: 'Sandbox app (emulated)', redirectUris: [relayUrl, 'http://127.0.0.1/callback'] });
    Object.assign(settings, { 'spotify.clientId': DEFAULT_CLIENT_ID, 'spotify.accountsUrl': url, 'spotify.apiUrl': url, 'spotify.relayUrl': relayUrl });
  }
  const server = await startCodeServer({
    dir: path.join(REPO, '.vscode-test/sandbox'),
    keep: true,
    port,
    extensions: [REPO, path.join(REPO, 'test/fixtures/consumer')],
    settings,
    trustedDomains: emulator ? [emulator.url] : [],
  });
  console.log(`\nSandbox VS Code: ${server.url}/?folder=${encodeURIComponent(server.workspace)}`);
  console.log(
    emulator
      ? `Spotify emulator: ${emulator.url} (Client ID ${DEFAULT_CLIENT_ID}; its app registers exactly ${emulator.config.apps[0].redirectUris.join(' and ')}; ` +
          `the relay appends Spotify's parameters ${append}, SPOTIFY_RELAY_APPEND=${RELAY_APPENDS.join('|')} to change)`
      : 'Using real Spotify with your Client ID.',
  );
  console.log('Open the Accounts menu (bottom left) and choose "Sign in with Spotify". Ctrl-C stops.\n');
  const stop = async () => {
    await server.stop();
    await emulator?.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
