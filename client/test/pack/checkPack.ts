/**
 * What `npm pack` of the package publishes, checked as test/package/checkVsix.ts checks the .vsix:
 * only the built files, their types, README, LICENSE and package.json; no runtime dependency; the
 * SDK neither bundled nor required. Then the tarball is installed into an empty folder and used as
 * an extension author would: required (CommonJS), imported (ESM), type-checked from both, and
 * bundled with esbuild into an extension that requires nothing but `vscode`.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const CLIENT = path.resolve(__dirname, '../../../..'); // from out/client/test/pack
const ROOT = path.resolve(CLIENT, '..');

interface PackEntry {
  filename: string;
  files: Array<{ path: string; size: number }>;
  size: number;
  unpackedSize: number;
}

export function checkPack(): { passed: number; failed: number } {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spotify-client-pack-'));
  try {
    return run(tmp);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function run(tmp: string): { passed: number; failed: number } {
  // Built by scripts/test.js just before; --ignore-scripts keeps prepack from building again.
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: CLIENT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [entry] = JSON.parse(out) as PackEntry[];
  const files = entry.files.map((f) => f.path).sort();
  console.log(`\nnpm pack contents (${files.length} files, ${(entry.size / 1024).toFixed(1)} KB packed, ${(entry.unpackedSize / 1024).toFixed(1)} KB unpacked):\n  ${files.join('\n  ')}`);
  const pkg = JSON.parse(fs.readFileSync(path.join(CLIENT, 'package.json'), 'utf8'));
  const js = files.filter((f) => /\.(c|m)?js$/.test(f));
  const required = new Set<string>();
  for (const f of js) {
    const text = fs.readFileSync(path.join(CLIENT, f), 'utf8');
    for (const m of text.matchAll(/require\(["']([^"']+)["']\)|\bfrom\s*["']([^"']+)["']|\bimport\(["']([^"']+)["']\)/g)) {
      required.add(m[1] ?? m[2] ?? m[3]);
    }
  }

  // Installed into an empty folder, next to the host module only an extension host provides.
  const app = path.join(tmp, 'app');
  const installed = path.join(app, 'node_modules/@spotify-auth/vscode-client');
  fs.mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', path.join(tmp, entry.filename), '-C', installed, '--strip-components=1']);
  const fakeVscode = path.join(app, 'node_modules/vscode');
  fs.mkdirSync(fakeVscode, { recursive: true });
  fs.writeFileSync(path.join(fakeVscode, 'package.json'), JSON.stringify({ name: 'vscode', version: '1.100.0', main: 'index.js' }));
  fs.writeFileSync(path.join(fakeVscode, 'index.js'), 'module.exports = { authentication: {}, extensions: {} };\n');
  const exported = (code: string, esm: boolean) =>
    execFileSync(process.execPath, esm ? ['--input-type=module', '-e', code] : ['-e', code], { cwd: app, encoding: 'utf8' }).trim();
  const cjsNames = exported("console.log(Object.keys(require('@spotify-auth/vscode-client')).sort().join(' '))", false);
  const esmNames = exported("const m = await import('@spotify-auth/vscode-client'); console.log(Object.keys(m).sort().join(' '))", true);
  const expectedNames = ['createSpotifyFetch', 'getSpotifySession', 'vscodeAuthStrategy', 'SpotifyApiError', 'SpotifyUnauthorizedError', 'SpotifyRateLimitError', 'SpotifyQuotaExceededError', 'SpotifyServerError', 'SpotifyNetworkError', 'SpotifyDevelopmentModeError', 'SpotifyNotAllowlistedError', 'SpotifyOwnerPremiumRequiredError', 'SpotifyInsufficientScopeError', 'SpotifyProviderMissingError', 'SpotifyNotSignedInError'];

  // Types, as a CommonJS and an ESM extension see them (node16 resolution follows `exports`).
  for (const dep of ['@types/vscode', '@types/node', 'undici-types', '@spotify/web-api-ts-sdk']) {
    fs.mkdirSync(path.dirname(path.join(app, 'node_modules', dep)), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules', dep), path.join(app, 'node_modules', dep));
  }
  const consumer = `import * as vscode from 'vscode';
import { SpotifyApi } from '@spotify/web-api-ts-sdk';
import { createSpotifyFetch, getSpotifySession, vscodeAuthStrategy, SpotifyApiError, SpotifyRateLimitError } from '@spotify-auth/vscode-client';
export async function use(token: vscode.CancellationToken): Promise<string> {
  const session: vscode.AuthenticationSession = await getSpotifySession(['user-read-private'], { createIfNone: { detail: 'why' } });
  const spotifyFetch = createSpotifyFetch({ scopes: ['user-read-private'] });
  try {
    const me = (await (await spotifyFetch('/v1/me', { cancellationToken: token })).json()) as { id: string };
    const sdk = new SpotifyApi(vscodeAuthStrategy(['user-read-private']));
    return me.id + session.id + (await sdk.currentUser.profile()).id;
  } catch (e) {
    if (e instanceof SpotifyRateLimitError) { return String(e.retryAfterMs); }
    if (e instanceof SpotifyApiError) { return e.status + (e.spotifyMessage ?? ''); }
    throw e;
  }
}
`;
  fs.writeFileSync(path.join(app, 'consumer.cts'), consumer);
  // The SDK's own ESM declarations do not pass node16 resolution (extensionless relative imports),
  // so the ESM consumer checks this package's types alone, library checks included.
  const withoutSdk = consumer.replace(/^import \{ SpotifyApi \}.*\n/m, '').replace(/^.*new SpotifyApi.*\n/m, '').replace(" + (await sdk.currentUser.profile()).id", '');
  fs.writeFileSync(path.join(app, 'consumer.mts'), withoutSdk);
  // The SDK's types need the DOM's; this package's must not.
  fs.writeFileSync(path.join(app, 'consumer-node.cts'), withoutSdk);
  // With the DOM's types, or (as most extensions compile) with Node's only.
  const tsc = (file: string, lib = 'es2022,dom', types = 'vscode') => {
    try {
      execFileSync(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [ROOT] }), '--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2022', '--lib', lib, '--types', types, file], { cwd: app, encoding: 'utf8' });
      return true;
    } catch (e) {
      console.log(String((e as { stdout?: string }).stdout ?? e));
      return false;
    }
  };

  // Bundled into an extension: nothing but `vscode` stays outside.
  fs.writeFileSync(path.join(app, 'extension.js'), "const { createSpotifyFetch } = require('@spotify-auth/vscode-client');\nexports.activate = () => createSpotifyFetch({ scopes: ['user-read-private'] });\n");
  const esbuild = require(require.resolve('esbuild', { paths: [ROOT] }));
  esbuild.buildSync({ entryPoints: [path.join(app, 'extension.js')], bundle: true, platform: 'node', format: 'cjs', external: ['vscode'], outfile: path.join(app, 'bundle.js'), logLevel: 'silent' });
  const bundle = fs.readFileSync(path.join(app, 'bundle.js'), 'utf8');
  const bundleRequires = new Set([...bundle.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]));

  const checks: Array<[string, boolean]> = [
    ['holds the CommonJS and ESM builds and their types', ['dist/index.cjs', 'dist/index.mjs', 'dist/index.d.ts', 'dist/index.d.mts', 'dist/types/index.d.ts'].every((f) => files.includes(f))],
    ['holds README.md, LICENSE and package.json', ['README.md', 'LICENSE', 'package.json'].every((f) => files.includes(f))],
    ['holds nothing else (no sources, tests, maps, build scripts)', files.every((f) => /^dist\/.+\.(cjs|mjs|d\.ts|d\.mts)$/.test(f) || ['README.md', 'LICENSE', 'package.json'].includes(f))],
    ['no runtime dependency', pkg.dependencies === undefined && pkg.optionalDependencies === undefined && pkg.bundleDependencies === undefined && pkg.bundledDependencies === undefined],
    ['the SDK is an optional peer only', JSON.stringify(Object.keys(pkg.peerDependencies ?? {})) === '["@spotify/web-api-ts-sdk"]' && pkg.peerDependenciesMeta?.['@spotify/web-api-ts-sdk']?.optional === true],
    ['the built code requires nothing but vscode', [...required].join() === 'vscode'],
    ['the SDK is not bundled', js.every((f) => !/AuthorizationCodeWithPKCEStrategy|web-api-ts-sdk|DefaultResponseValidator/.test(fs.readFileSync(path.join(CLIENT, f), 'utf8')))],
    ['main, module, types and exports point at packed files', [pkg.main, pkg.module, pkg.types, pkg.exports['.'].import.types, pkg.exports['.'].import.default, pkg.exports['.'].require.types, pkg.exports['.'].require.default].every((p: string) => files.includes(p.replace(/^\.\//, '')))],
    ['installed: require() gives the API', expectedNames.every((n) => cjsNames.split(' ').includes(n))],
    ['installed: import gives the same API', esmNames === cjsNames],
    ['installed: a CommonJS extension type-checks against it (with the SDK)', tsc('consumer.cts')],
    ['installed: an ESM extension type-checks against it', tsc('consumer.mts')],
    ['installed: a CommonJS extension without the DOM\'s types (lib es2022, @types/node) type-checks against it', tsc('consumer-node.cts', 'es2022', 'vscode,node')],
    ['bundled into an extension, only vscode stays outside', [...bundleRequires].join() === 'vscode'],
  ];
  let passed = 0;
  for (const [name, ok] of checks) {
    console.log(`  ${ok ? '✔' : '✘'} ${name}`);
    passed += Number(ok);
  }
  console.log(`pack: ${passed} passed, ${checks.length - passed} failed`);
  return { passed, failed: checks.length - passed };
}
