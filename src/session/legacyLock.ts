import { CrossWindowLock, Ledger, LedgerEntry } from './crossWindowLock';

/**
 * While a window may still run a version from before lock domains (an extension update applies
 * to each window only when it restarts its extensions), that window takes only the old lock and
 * ledger (per profile, unnamed by any store). A new window therefore takes the old lock too, always
 * first and then its domain's (one order, so no two new windows wait on each other crosswise),
 * reads both ledgers (the higher generation wins) and writes both. The old ledger is not scoped to
 * a store (two browsers on one code-server share it), so what a new window writes there carries its
 * store id, and entries another store wrote are ignored: only an old version's own, untagged
 * entries count. Remove once no such version can be running.
 */
export function alongsideLegacy(legacy: CrossWindowLock, current: CrossWindowLock, storeId: string): CrossWindowLock {
  return {
    run: (name, fn) =>
      legacy.run(name, (old, oldTurn) =>
        current.run(name, (ledger, turn) =>
          fn(merged(old, ledger, storeId), { stillHeld: async () => (await turn.stillHeld()) && (await oldTurn.stillHeld()) }),
        ),
      ),
  };
}

const TAG = 'lockDomain';

function merged(old: Ledger, current: Ledger, storeId: string): Ledger {
  return {
    read: async (key) => {
      const [a, b] = await Promise.all([old.read(key), current.read(key)]);
      if (!a || (a[TAG] !== undefined && a[TAG] !== storeId) || (b && a.gen <= b.gen)) {
        return b;
      }
      const { [TAG]: _tag, ...entry } = a;
      return entry as LedgerEntry;
    },
    write: async (key, entry: LedgerEntry) => {
      await current.write(key, entry);
      await old.write(key, { ...entry, [TAG]: storeId });
    },
  };
}
