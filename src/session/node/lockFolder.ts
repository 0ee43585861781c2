import * as path from 'path';
import { StoreIdOptions, StoreScopedLock } from '../lockDomain';
import { SecretStorageLike } from '../secretStorage';
import { FileLock, FileLockOptions } from './fileLock';

/**
 * The folder for the lock files of Node extension hosts: one that every profile reaches, since
 * VS Code keeps an extension's secrets for the whole application while `globalStorageUri` is per
 * profile. From VS Code's source (userDataProfile.ts, extHostStoragePaths.ts): the default profile's
 * global storage is `<userData>/User/globalStorage/<extension id>`, another profile's is
 * `<userData>/User/profiles/<profile id>/globalStorage/<extension id>` (or the default's, when the
 * profile shares the default's state). Both map to `<userData>/User/globalStorage/<id>/locks`.
 * A path of any other shape (a fork's, a host's own layout) keeps its own folder.
 */
export function sharedLockFolder(globalStoragePath: string, p: path.PlatformPath = path): string {
  const ext = p.basename(globalStoragePath);
  const storageHome = p.dirname(globalStoragePath);
  const profile = p.dirname(storageHome);
  const profiles = p.dirname(profile);
  if (p.basename(storageHome) === 'globalStorage' && p.basename(profiles) === 'profiles') {
    return p.join(p.dirname(profiles), 'globalStorage', ext, 'locks');
  }
  return p.join(globalStoragePath, 'locks');
}

/**
 * The lock of a Node extension host: the file lock in the shared folder, in a subfolder named by
 * the secret store's id (../lockDomain.ts), so windows with another store (a second browser on one
 * code-server, another machine's VS Code on one Remote host) never share its ledger. No earlier
 * layout is bridged: no version before lock domains was released (see ../crossWindowLock.ts).
 */
export function createNodeLock(
  secrets: SecretStorageLike,
  globalStoragePath: string,
  opts: { readonly fileLock?: FileLockOptions; readonly storeId?: StoreIdOptions } = {},
): StoreScopedLock {
  const folder = sharedLockFolder(globalStoragePath);
  const storeId = { timeoutMs: opts.fileLock?.acquireTimeoutMs, ...opts.storeId };
  return new StoreScopedLock(secrets, (id) => new FileLock(path.join(folder, id), opts.fileLock), storeId);
}
