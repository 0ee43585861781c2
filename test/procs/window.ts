/**
 * One window (extension host) of the real-process suite, run by child_process.fork from out/.
 * Production code throughout (GrantManager, FileLock, the OAuth client against the emulator);
 * only the secret store is the driver's, reached over IPC, and a turn hook lets the driver
 * crash (SIGKILL) or freeze (SIGSTOP) this process at a chosen point of a refresh turn.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Emitter } from '../../src/common/emitter';
import { Logger, nullLogger } from '../../src/common/logger';
import { SpotifyOAuthClient } from '../../src/oauth/client';
import { SecretStorageLike } from '../../src/common/secretStorage';
import { Grant, refreshTokenHash } from '../../src/session/grant';
import { GrantManager } from '../../src/session/grantManager';
import { GRANT_KEY_PREFIX, GrantStore } from '../../src/session/grantStore';
import { CrossWindowLock } from '../../src/session/crossWindowLock';
import { FileLock } from '../../src/session/node/fileLock';
import { DEFAULT_CLIENT_ID } from '../emulator/emulator';
import { FromWindow, Point, ToWindow, WindowConfig } from './protocol';

const config = JSON.parse(process.env.SPOTIFY_TEST_WINDOW ?? '{}') as WindowConfig;
const send = (m: FromWindow) => process.send!(m);
/** SPOTIFY_PROCS_DEBUG=1: each window's log on stderr, with its index and the time. */
const line = (level: string) => (m: string) => process.stderr.write(`${Date.now() % 100000} w${config.index} ${level} ${m}\n`);
const logger: Logger = process.env.SPOTIFY_PROCS_DEBUG ? { trace: line('trace'), debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') } : nullLogger;

/** This window's view: its own writes at once, others' when the driver delivers them (late). */
const view = new Map<string, string>();
const changes = new Emitter<{ key: string }>();
const acks = new Map<number, () => void>();
let nextId = 1;
const write = (key: string, value: string | undefined): Promise<void> => {
  const id = nextId++;
  if (value === undefined) {
    view.delete(key);
  } else {
    view.set(key, value);
  }
  changes.fire({ key });
  return new Promise<void>((resolve) => {
    acks.set(id, resolve);
    send({ t: 'store', id, key, ...(value === undefined ? {} : { value }) });
  });
};
const secrets: SecretStorageLike = {
  get: async (key) => view.get(key),
  store: (key, value) => write(key, value),
  delete: (key) => write(key, undefined),
  onDidChange: (l) => changes.event(l),
};

/** With SPOTIFY_PROCS_DEBUG, each turn's start, end and fence answers in the log. */
function debugLock(lock: CrossWindowLock): CrossWindowLock {
  if (!process.env.SPOTIFY_PROCS_DEBUG) {
    return lock;
  }
  return {
    run: (name, fn) => {
      logger.debug(`${name}: waiting`);
      return lock.run(name, async (ledger, turn) => {
        logger.debug(`${name}: in`);
        try {
          return await fn(ledger, {
            stillHeld: async () => {
              const held = await turn.stillHeld();
              logger.debug(`${name}: stillHeld ${held}`);
              return held;
            },
          });
        } finally {
          logger.debug(`${name}: out`);
        }
      });
    },
  };
}

let armed: Point | undefined;
let alignToHeartbeat = false;

/**
 * Waits until this window's lock file has just been rewritten by its heartbeat, so a freeze that
 * follows finds no heartbeat half done. Needed while FileLock's heartbeat is a read then a plain
 * write (issue 19 item 5, fixed on the lock's side): one caught between the two by SIGSTOP
 * writes the frozen holder's record over the next holder's lock when it resumes.
 */
async function justAfterHeartbeat(key: string): Promise<void> {
  const file = path.join(config.lockDir, `grant-${key.slice(GRANT_KEY_PREFIX.length)}.lock`);
  const read = () => fs.promises.readFile(file, 'utf8').catch(() => '');
  const first = await read();
  for (let i = 0; i < 200 && (await read()) === first; i++) {
    await new Promise((r) => setTimeout(r, 1));
  }
}
let go: (() => void) | undefined;

const client = new SpotifyOAuthClient({ clientId: DEFAULT_CLIENT_ID, endpoints: { accounts: config.emulatorUrl, api: config.emulatorUrl }, timeoutMs: 3000 });
const manager = new GrantManager({
  store: new GrantStore(secrets, logger),
  refresher: async (g: Grant) => {
    const hash = await refreshTokenHash(g.refreshToken!);
    logger.debug(`sending ${hash.slice(0, 8)}`);
    send({ t: 'sent', hash });
    return client.refresh(g.refreshToken!);
  },
  logger,
  refreshSkewMs: () => config.refreshSkewMs,
  lock: debugLock(new FileLock(config.lockDir, { staleAfterMs: config.staleAfterMs, heartbeatMs: config.heartbeatMs, acquireTimeoutMs: config.acquireTimeoutMs })),
  pendingGraceMs: config.pendingGraceMs,
  proactive: config.proactive,
  turnHook: async (point, key) => {
    logger.debug(`at ${point}`);
    if (armed === point) {
      armed = undefined;
      if (alignToHeartbeat) {
        await justAfterHeartbeat(key);
      }
      await new Promise<void>((resolve) => {
        go = resolve;
        send({ t: 'at', point });
      });
    }
  },
});

async function serve(): Promise<void> {
  const started = Date.now();
  const grants = await manager.getFresh(['user-read-private']);
  send({ t: 'served', tokens: grants.map((g) => ({ token: g.accessToken, grantId: g.id })), startedAt: started, servedAt: Date.now(), waitedMs: Date.now() - started });
}

const done = (id: number, p: Promise<unknown>) =>
  p.then(
    () => send({ t: 'done', id, ok: true }),
    (e: Error) => send({ t: 'done', id, ok: false, error: e.message, name: e.name }),
  );

process.on('message', (m: ToWindow) => {
  switch (m.t) {
    case 'snapshot':
      m.data.forEach(([k, v]) => view.set(k, v));
      void manager.initialize().then(() => {
        send({ t: 'ready' });
        if (config.pollMs > 0) {
          const poll = () => void serve().catch(() => undefined).finally(() => setTimeout(poll, config.pollMs));
          poll();
        }
      });
      break;
    case 'change':
      if (m.value === undefined) {
        view.delete(m.key);
      } else {
        view.set(m.key, m.value);
      }
      changes.fire({ key: m.key });
      break;
    case 'ack':
      acks.get(m.id)?.();
      acks.delete(m.id);
      break;
    case 'arm':
      armed = m.point;
      alignToHeartbeat = m.alignToHeartbeat ?? false;
      break;
    case 'go':
      go?.();
      go = undefined;
      break;
    case 'refresh':
      void done(m.id, manager.refresh(m.grantId, m.force));
      break;
    case 'getFresh':
      void done(m.id, serve());
      break;
    case 'add':
      void done(m.id, manager.add(m.grant as Grant));
      break;
  }
});
process.on('disconnect', () => process.exit(0));
