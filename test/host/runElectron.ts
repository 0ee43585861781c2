/**
 * `npm run test:electron`: the same integration suites through @vscode/test-electron, for machines
 * that can download desktop VS Code (this project's CI cannot; it uses code-server instead).
 * Starts the emulator on 127.0.0.1 and points the extension at it through environment variables.
 */
import * as os from 'os';
import * as path from 'path';
import * as fs from 'fs';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../emulator/emulator';
import { REPO } from './codeServer';

async function main(): Promise<void> {
  const emulator = new SpotifyEmulator({ autoApprove: true, apps: [] });
  const url = await emulator.start();
  // The emulator's relay stands in for vscode.dev/redirect; the app registers exactly the list the
  // extension shows on desktop with that relay.
  const relayUrl = await emulator.startRelay();
  emulator.config.apps.push({
    clientId: DEFAULT_CLIENT_ID,
    redirectUris: [relayUrl, 'vscode://spotify-auth.spotify-authentication/callback', 'http://127.0.0.1/callback'],
  });
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'spotify-electron-'));
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userData, 'User/settings.json'),
    JSON.stringify({ 'spotify.clientId': DEFAULT_CLIENT_ID, 'spotify.accountsUrl': url, 'spotify.apiUrl': url, 'spotify.relayUrl': relayUrl }),
  );
  const env = { SPOTIFY_EMULATOR_URL: url, SPOTIFY_RELAY_URL: relayUrl, SPOTIFY_TEST_USER_DATA: userData };
  const vscodeExecutablePath = await downloadAndUnzipVSCode('1.100.3');
  trustConsumer(vscodeExecutablePath);
  try {
    for (const suite of ['out/test/integration/index', 'out/test/integration/reload/index']) {
      await runTests({
        vscodeExecutablePath,
        extensionDevelopmentPath: [REPO, path.join(REPO, 'test/fixtures/consumer')],
        extensionTestsPath: path.join(REPO, suite),
        launchArgs: ['--user-data-dir', userData, '--disable-workspace-trust'],
        extensionTestsEnv: env,
      });
    }
  } finally {
    await emulator.stop();
  }
}

/**
 * As in the code-server host: the test VS Code trusts the consumer fixture for silent getSession
 * (product.json's trustedExtensionAuthAccess), because the test mode refuses consent dialogs.
 * Not verified on this project's machines, which cannot download VS Code.
 */
function trustConsumer(executable: string): void {
  const candidates = [
    path.join(path.dirname(executable), 'resources/app/product.json'),
    path.join(path.dirname(executable), '../Resources/app/product.json'),
  ];
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) {
    throw new Error(`product.json not found next to ${executable}`);
  }
  const product = JSON.parse(fs.readFileSync(file, 'utf8'));
  const trusted = new Set<string>(Array.isArray(product.trustedExtensionAuthAccess) ? product.trustedExtensionAuthAccess : []);
  trusted.add('spotify-auth-tests.consumer');
  product.trustedExtensionAuthAccess = [...trusted];
  fs.writeFileSync(file, JSON.stringify(product, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
