import { randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import { asLedgerEntry, Ledger, LedgerEntry } from '../crossWindowLock';

/**
 * The ledger of one lock as a JSON file beside it (`{ key: entry }`), replaced atomically by
 * rename, so a reader sees the old file or the new one, never half of one. Entries are kept whole,
 * every field as the caller wrote it. Read and written only under the lock.
 */
export function fileLedger(file: string): Ledger {
  const readAll = async (): Promise<Record<string, unknown>> => {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      return {};
    }
    try {
      const all = JSON.parse(text) as unknown;
      return typeof all === 'object' && all !== null && !Array.isArray(all) ? (all as Record<string, unknown>) : {};
    } catch {
      return {}; // A garbled ledger only costs a wait for nothing.
    }
  };
  return {
    read: async (key) => asLedgerEntry((await readAll())[key]),
    write: async (key, entry: LedgerEntry) => {
      const all = await readAll();
      all[key] = entry;
      const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      await fs.writeFile(tmp, JSON.stringify(all));
      await fs.rename(tmp, file);
    },
  };
}
