import { CrossWindowLock } from '../crossWindowLock';
import { StoreIdOptions, StoreScopedLock } from '../lockDomain';
import { SecretLock, SecretLockOptions } from '../secretLock';
import { SecretStorageLike } from '../secretStorage';

/**
 * The cross-window lock of web worker extension hosts (vscode.dev). Its domain is the secret store
 * (see ../crossWindowLock.ts), and the only thing every window of that store reaches is the store
 * itself: Web Locks and IndexedDB belong to the worker's origin, which differs per workspace. So
 * the lock and the ledger live in SecretStorage (../secretLock.ts). Web Locks, where the browser
 * has them, only line up the tabs of one origin first, so they do not contend through storage.
 */
interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

export interface WebLockOptions {
  /** This origin's Web Locks; `null` for none. Defaults to `navigator.locks`. */
  readonly locks?: LockManagerLike | null;
  readonly secretLock?: SecretLockOptions;
  readonly storeId?: StoreIdOptions;
}

export function createWebLock(secrets: SecretStorageLike, opts: WebLockOptions = {}): StoreScopedLock {
  const locks = opts.locks === undefined ? (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks : opts.locks;
  return new StoreScopedLock(
    secrets,
    (storeId): CrossWindowLock => {
      const shared = new SecretLock(secrets, storeId, opts.secretLock);
      if (!locks) {
        return shared;
      }
      return { run: (name, fn) => locks.request(`spotify-authentication:${storeId}:${name}`, () => shared.run(name, fn)) };
    },
    { timeoutMs: opts.secretLock?.acquireTimeoutMs, ...opts.storeId },
  );
}
