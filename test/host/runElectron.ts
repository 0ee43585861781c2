/**
 * `npm run test:electron`: the same integration suites through @vscode/test-electron, for machines
 * that can download desktop VS Code (this project's CI cannot; it uses code-server instead).
 * Starts the emulator on 127.0.0.1 and points the extension at it through environment variables.
 */
import * as os from 'os';
import * as path from 'path';
import * as fs from 'fs';
import { runTests } from '@vscode/test-electron';
import { DEFAULT_CLIENT_ID, SpotifyEmulator } from '../emulator/emulator';
import { REPO } from './codeServer';

async function main(): Promise<void> {
  const emulator = new SpotifyEmulator({
    autoApprove: true,
    apps: [{ clientId: DEFAULT_CLIENT_ID, redirectUris: ['vscode://spotify-auth.spotify-authentication/callback', 'http://127.0.0.1/callback'] }],
  });
  const url = await emulator.start();
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'spotify-electron-'));
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userData, 'User/settings.json'),
    JSON.stringify({ 'spotify.clientId': DEFAULT_CLIENT_ID, 'spotify.accountsUrl': url, 'spotify.apiUrl': url }),
  );
  const env = { SPOTIFY_EMULATOR_URL: url };
  try {
    for (const suite of ['out/test/integration/index', 'out/test/integration/reload/index']) {
      await runTests({
        version: '1.100.3',
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

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
