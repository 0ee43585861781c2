/**
 * Every browser scenario, once: the test run (test/run-all.sh) and the flake soak (./soak.ts) read
 * this list, so a scenario added here runs in both.
 *
 * CLI: `node out/test/e2e/catalog.js` prints one scenario a line, `id<TAB>script<TAB>env<TAB>title`,
 * env as space-separated NAME=VALUE pairs (or `-`).
 */
export interface ScenarioEntry {
  /** Short name: log files, soak lines. */
  readonly id: string;
  /** Compiled script under out/test/e2e. */
  readonly script: string;
  readonly env: Readonly<Record<string, string>>;
  /** What run-all prints before it. */
  readonly title: string;
}

export const SCENARIOS: readonly ScenarioEntry[] = [
  { id: 'auto', script: 'accountsMenu.js', env: { SPOTIFY_SIGN_IN_FLOW: 'auto' }, title: 'browser scenario, signInFlow=auto (Accounts menu, emulator consent page, back to VS Code)' },
  { id: 'loopback', script: 'accountsMenu.js', env: { SPOTIFY_SIGN_IN_FLOW: 'loopback' }, title: 'browser scenario, signInFlow=loopback' },
  { id: 'paste', script: 'accountsMenu.js', env: { SPOTIFY_SIGN_IN_FLOW: 'paste' }, title: 'browser scenario, signInFlow=paste' },
  { id: 'cancel-first', script: 'accountsMenu.js', env: { SPOTIFY_E2E_CANCEL_FIRST: '1' }, title: 'browser scenario: cancel the first way (the relay) and finish through the one offered next (paste)' },
  { id: 'web', script: 'accountsMenu.js', env: { SPOTIFY_E2E_HOST: 'web' }, title: 'browser scenario with the browser bundle in the web worker host (as on vscode.dev)' },
  { id: 'walkthrough', script: 'walkthrough.js', env: {}, title: 'walkthrough scenario (a newcomer with nothing configured follows only the walkthrough)' },
  { id: 'unknown-client', script: 'unknownClient.js', env: {}, title: 'browser scenario: an unknown Client ID, named by the waiting notice' },
  { id: 'consent-expiry', script: 'consentExpiry.js', env: {}, title: "browser scenario: a consent's six-month end, warned a week ahead (time moved by the test), renewed in place" },
];

if (require.main === module) {
  for (const s of SCENARIOS) {
    const env = Object.entries(s.env).map(([k, v]) => `${k}=${v}`).join(' ') || '-';
    console.log([s.id, s.script, env, s.title].join('\t'));
  }
}
