import { Disposable } from '../common/emitter';
import { Logger } from '../common/logger';
import { SecretStorageLike } from '../common/secretStorage';
import { peekState } from '../oauth/callback';

/**
 * Hands a redirect from the window that received it to the window whose sign-in it belongs to.
 *
 * The direct URI handler flow sends the bare `<uriScheme>://<extension id>/callback` (the only form
 * of it that can be registered at Spotify), and VS Code gives a URI without `windowId` to the last
 * active window, which need not be the one waiting. So the waiting window announces its pending
 * state in SecretStorage (shared by every window of the profile) for as long as it waits, under a
 * key derived from a hash of the state; a window whose own router does not know a redirect's state
 * looks for that key and, only when a live announcement is there, writes the redirect into it. The
 * waiting window sees the change, reads the redirect, deletes the entry and completes as if it had
 * received the redirect itself: its own PKCE verifier never leaves it.
 *
 * Nothing is written for redirects nobody announced, so a forged link cannot fill the storage;
 * the key is unguessable without the state; an entry is read once and removed, and expires.
 */
export const HANDOFF_KEY_PREFIX = 'spotify.handoff.';

/** How long an announcement is honoured; a sign-in waits five minutes at most. */
const HANDOFF_TTL_MS = 10 * 60_000;

interface Entry {
  readonly expiresAt: number;
  /** The redirect's query, written by the window that received it. */
  readonly callback?: string;
}

export class CallbackHandoff {
  constructor(
    private readonly secrets: SecretStorageLike,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The waiting window: announces `state` until `signal` aborts, and gives every redirect another
   * window passes on to `deliver`. Resolves once the announcement is stored.
   */
  async announce(state: string, signal: AbortSignal, deliver: (query: string) => void): Promise<void> {
    const key = await handoffKey(state);
    let sub: Disposable | undefined;
    const check = async () => {
      const entry = await this.read(key);
      if (entry?.callback !== undefined && !signal.aborted) {
        await Promise.resolve(this.secrets.delete(key)).then(undefined, () => undefined);
        this.logger.info('Another window received the Spotify redirect of this sign-in and passed it on.');
        deliver(entry.callback);
      }
    };
    const end = () => {
      sub?.dispose();
      void Promise.resolve(this.secrets.delete(key)).then(undefined, () => undefined);
    };
    if (signal.aborted) {
      return;
    }
    signal.addEventListener('abort', end, { once: true });
    sub = this.secrets.onDidChange((e) => {
      if (e.key === key) {
        void check();
      }
    });
    try {
      await this.secrets.store(key, JSON.stringify({ expiresAt: this.now() + HANDOFF_TTL_MS } satisfies Entry));
    } catch (e) {
      // Without the announcement only this window can finish the sign-in; that is still a sign-in.
      this.logger.warn(`Could not share the pending sign-in with other windows: ${(e as Error).message}`);
    }
  }

  /**
   * Any window: a redirect its own router did not know. Passes it to the window that announced its
   * state; false when no live announcement exists (a forged, replayed or expired redirect).
   */
  async forward(query: string): Promise<boolean> {
    const state = peekState(query);
    if (state === undefined) {
      return false;
    }
    const key = await handoffKey(state);
    const entry = await this.read(key);
    if (!entry || entry.callback !== undefined || entry.expiresAt <= this.now()) {
      return false;
    }
    await this.secrets.store(key, JSON.stringify({ expiresAt: entry.expiresAt, callback: query } satisfies Entry));
    this.logger.info('Passed a Spotify redirect on to the window whose sign-in it belongs to.');
    return true;
  }

  private async read(key: string): Promise<Entry | undefined> {
    try {
      const text = await this.secrets.get(key);
      const v = text ? (JSON.parse(text) as Partial<Entry>) : undefined;
      if (!v || typeof v.expiresAt !== 'number' || (v.callback !== undefined && typeof v.callback !== 'string')) {
        return undefined;
      }
      return { expiresAt: v.expiresAt, ...(v.callback !== undefined ? { callback: v.callback } : {}) };
    } catch {
      return undefined; // Unreadable: no announcement.
    }
  }
}

/** `spotify.handoff.<first 128 bits of SHA-256(state), hex>`: names the entry without revealing the state. */
export async function handoffKey(state: string): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(state)));
  return HANDOFF_KEY_PREFIX + Array.from(digest.slice(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
}
