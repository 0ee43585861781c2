import { CrossWindowLock, Ledger, LedgerEntry } from './crossWindowLock';

/**
 * While a window may still run a version from before lock domains (an extension update applies
 * to each window only when it restarts its extensions), that window takes only the old lock and
 * ledger (per profile, unnamed by any store). A new window therefore takes the old lock too, always
 * first and then its domain's (one order, so no two new windows wait on each other crosswise),
 * reads both ledgers (the higher generation wins) and writes both. Remove once no such version can
 * be running.
 */
export function alongsideLegacy(legacy: CrossWindowLock, current: CrossWindowLock): CrossWindowLock {
  return {
    run: (name, fn) =>
      legacy.run(name, (old, oldTurn) =>
        current.run(name, (ledger, turn) =>
          fn(merged(old, ledger), { stillHeld: async () => (await turn.stillHeld()) && (await oldTurn.stillHeld()) }),
        ),
      ),
  };
}

function merged(old: Ledger, current: Ledger): Ledger {
  return {
    read: async (key) => {
      const [a, b] = await Promise.all([old.read(key), current.read(key)]);
      return a && (!b || a.gen > b.gen) ? a : b;
    },
    write: async (key, entry: LedgerEntry) => {
      await current.write(key, entry);
      await old.write(key, entry);
    },
  };
}
