import { Logger } from '../common/logger';
import { CrossWindowLock } from './crossWindowLock';
import { Grant } from './grant';
import { grantKey, GrantStore, GRANT_KEY_PREFIX, INDEX_KEY, StorageReadError } from './grantStore';
import { GrantView } from './grantView';
import { KeyTurn, TurnOptions } from './lockedWrites';
import { untilSettled } from './storageWaits';

export const INDEX_LOCK = 'index';
export const grantLock = (id: string) => `grant-${id}`;
/** Pause before a failed storage read is tried again. */
const RELOAD_RETRY_MS = 30_000;

export interface SyncDeps {
  readonly store: GrantStore;
  readonly lock: CrossWindowLock;
  readonly logger: Logger;
  readonly view: GrantView;
  readonly turn: TurnOptions;
  readonly disposed: () => boolean;
}

/**
 * Keeps this window's view in step with secret storage (reloads on other windows' writes, format
 * migration) and makes the plain locked writes of grant keys and the index.
 */
export class StorageSync {
  private retryReload?: ReturnType<typeof setTimeout>;
  /** Storage change events arrive per key; reloads are serialized so events apply in order. */
  private reloads: Promise<unknown> = Promise.resolve();

  constructor(private readonly d: SyncDeps) {}

  /**
   * Re-reads the index and every grant from this window's view and reports the difference. Rule 4:
   * a storage read that fails is an error (logged and retried), never taken for "no grants"; and an
   * index that cannot be read is rebuilt, never taken for an empty one.
   */
  reload(): Promise<void> {
    return this.serial(async () => {
      let next: Map<string, Grant>;
      try {
        const index = await this.d.store.readIndex();
        const ids = index.corrupt ? await this.rebuiltIds() : index.value ?? [];
        this.d.view.indexed = new Set(ids);
        next = new Map();
        for (const id of ids) {
          const g = (await this.d.store.readGrant(id)).value;
          if (g) {
            next.set(id, g);
          }
        }
      } catch (e) {
        this.storageFailed(e);
        return;
      }
      const { removed } = this.d.view.apply(next);
      if (removed.length > 0) {
        this.d.logger.info(`${removed.length} Spotify session(s) were signed out in another window.`);
      }
    });
  }

  /** Another window changed one grant: take it from this window's view. */
  reloadGrant(id: string): Promise<void> {
    return this.serial(async () => {
      try {
        const stored = await this.d.store.readGrant(id);
        // A key the index does not list is an orphan (an index write that failed); if the index
        // event is merely late, the reload it triggers picks the grant up.
        if ((stored.value && this.d.view.indexed.has(id)) || this.d.view.has(id)) {
          this.d.view.applyOne(id, stored.value);
        }
      } catch (e) {
        this.storageFailed(e);
      }
    });
  }

  /** Rule 3: replaces (or with undefined, deletes) one grant's key under its lock, never another's; returns what was there. */
  writeGrant(id: string, next: (current: Grant | undefined) => Grant | undefined, lagMessage?: string): Promise<Grant | undefined> {
    return untilSettled(() => this.d.lock.run(grantLock(id), async (ledger, turn) => {
      const kt = new KeyTurn(ledger, turn, grantKey(id), () => this.d.store.readGrant(id), this.d.turn);
      const current = await kt.open(lagMessage);
      const value = next(current.value);
      if (value === undefined) {
        await kt.commit(() => this.d.store.deleteGrant(id), true);
      } else {
        await kt.commit((gen) => this.d.store.writeGrant(gen, value));
      }
      return current.value;
    }));
  }

  /** Changes the index under its lock. An unreadable index is rebuilt first, never shrunk to the change alone. */
  updateIndex(change: (ids: readonly string[]) => string[], lagMessage?: string): Promise<void> {
    return untilSettled(() => this.d.lock.run(INDEX_LOCK, async (ledger, turn) => {
      const kt = new KeyTurn(ledger, turn, INDEX_KEY, () => this.d.store.readIndex(), this.d.turn);
      const current = await kt.open(lagMessage);
      const base = current.corrupt ? await this.rebuiltIds() : current.value ?? [];
      const ids = change(base);
      await kt.commit((gen) => this.d.store.writeIndex(gen, ids));
      this.d.view.indexed = new Set(ids);
    }));
  }

  /** Fails with StorageLagError, changing nothing, when this window's view of the index is behind. */
  checkIndex(lagMessage: string): Promise<void> {
    return untilSettled(() => this.d.lock.run(INDEX_LOCK, async (ledger, turn) => {
      await new KeyTurn(ledger, turn, INDEX_KEY, () => this.d.store.readIndex(), this.d.turn).open(lagMessage);
    }));
  }

  /** Moves format-1 grants to their own keys (once). */
  async migrate(): Promise<void> {
    const legacy = await this.d.store.readLegacy();
    if (legacy.grants.length === 0) {
      if (legacy.discard) {
        await this.d.store.deleteLegacy();
      }
      return;
    }
    // Each grant is written before the index lists it, and the old key goes only once all are in.
    for (const g of legacy.grants) {
      await this.writeGrant(g.id, (current) => current ?? g);
    }
    await this.updateIndex((ids) => [...new Set([...ids, ...legacy.grants.map((g) => g.id)])]);
    await this.d.store.deleteLegacy();
    this.d.logger.info(`Moved ${legacy.grants.length} stored Spotify session(s) to one secret per session.`);
  }

  dispose(): void {
    clearTimeout(this.retryReload);
  }

  /**
   * The ids an unreadable index should list: the last good index this window read, the grants it
   * holds, and every grant key storage has (where it can list its keys).
   */
  private async rebuiltIds(): Promise<string[]> {
    const ids = new Set([...this.d.view.indexed, ...[...this.d.view.values()].map((g) => g.id)]);
    if (!this.d.store.secrets.keys && ids.size === 0) {
      // VS Code before SecretStorage.keys() cannot list what is stored, and this window never read
      // a good index: writing one now would list only the change and orphan every other session.
      throw new Error('The list of stored Spotify sessions is unreadable and this VS Code cannot rebuild it, so nothing was changed (no stored session is forgotten). Reload a window that was open before, or update VS Code, and try again.');
    }
    const keys = this.d.store.secrets.keys ? await this.d.store.secrets.keys() : [];
    for (const k of keys) {
      if (k.startsWith(GRANT_KEY_PREFIX)) {
        ids.add(k.slice(GRANT_KEY_PREFIX.length));
      }
    }
    this.d.logger.warn(`The Spotify session index is unreadable; using the ${ids.size} session(s) ${keys.length ? 'stored' : 'known in this window'} instead.`);
    return [...ids];
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const run = this.reloads.then(fn, fn);
    this.reloads = run.catch(() => undefined);
    return run;
  }

  private storageFailed(e: unknown): void {
    this.d.logger.error(`${e instanceof StorageReadError ? e.message : `Reading Spotify sessions failed: ${(e as Error).message}`} Keeping the sessions known so far; trying again in ${RELOAD_RETRY_MS / 1000} s.`);
    if (!this.d.disposed() && this.retryReload === undefined) {
      this.retryReload = setTimeout(() => {
        this.retryReload = undefined;
        void this.reload();
      }, RELOAD_RETRY_MS);
      (this.retryReload as { unref?: () => void }).unref?.();
    }
  }
}
