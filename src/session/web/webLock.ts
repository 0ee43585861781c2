import { CrossWindowLock, InProcessLock, Ledger, LedgerEntry } from '../crossWindowLock';

/**
 * The cross-window lock of web worker extension hosts (vscode.dev): Web Locks, shared by every tab
 * of the origin and released by the browser when a tab dies; the ledger in IndexedDB, which workers
 * can reach. Where either is missing, one tab's own lock (and a line in the log) is the fallback.
 */
interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

const DB = 'spotify-authentication';
const STORE = 'ledger';

export function createWebLock(warn: (message: string) => void): CrossWindowLock {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!locks || !idb) {
    warn('This editor offers no Web Locks or IndexedDB: Spotify token refreshes are coordinated within this tab only.');
    return new InProcessLock();
  }
  const ledger = idbLedger(idb);
  return {
    run: (name, fn) => locks.request(`${DB}:${name}`, () => fn(ledger, { stillHeld: async () => true })),
  };
}

function idbLedger(idb: IDBFactory): Ledger {
  let db: Promise<IDBDatabase> | undefined;
  const open = () =>
    (db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = idb.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    }));
  const tx = async <T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const store = (await open()).transaction(STORE, mode).objectStore(STORE);
    return new Promise<T>((resolve, reject) => {
      const req = op(store);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  };
  return {
    read: async (key) => {
      const v = (await tx('readonly', (s) => s.get(key))) as LedgerEntry | undefined;
      return v && Number.isInteger(v.gen) ? v : undefined;
    },
    write: async (key, entry) => void (await tx('readwrite', (s) => s.put(entry, key))),
  };
}
