import { Logger } from '../common/logger';
import { Grant } from './grant';
import { SecretStorageLike } from './secretStorage';

/**
 * Format 1 (up to 0.1): all grants under one SecretStorage key as versioned JSON,
 * `{"version":1,"grants":[…]}`. Read only to migrate it to format 2 (below); its parser drops what
 * it cannot read with one log line, so one corrupt entry cannot block the others.
 */
export const GRANTS_KEY = 'spotify.grants';
export const FORMAT_VERSION = 1;

export interface ParsedGrants {
  readonly grants: Grant[];
  /** A line for the log when anything was dropped or looked odd; undefined when all was clean. */
  readonly problem?: string;
  /** True when nothing usable was there and the stored value should be removed. */
  readonly discard: boolean;
}

export function parseGrants(text: string | undefined): ParsedGrants {
  if (text === undefined || text === '') {
    return { grants: [], discard: false };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { grants: [], discard: true, problem: 'Stored Spotify sessions are not valid JSON; they were discarded. Sign in again.' };
  }
  if (!isObject(doc) || !Array.isArray(doc.grants) || typeof doc.version !== 'number') {
    return { grants: [], discard: true, problem: 'Stored Spotify sessions have an unknown shape; they were discarded. Sign in again.' };
  }
  if (doc.version < 1 || !Number.isInteger(doc.version)) {
    return { grants: [], discard: true, problem: `Stored Spotify sessions have format version ${String(doc.version)}, which this extension cannot read; they were discarded.` };
  }
  const grants: Grant[] = [];
  let dropped = 0;
  const seen = new Set<string>();
  for (const entry of doc.grants) {
    const grant = toGrant(entry);
    if (grant && !seen.has(grant.id)) {
      seen.add(grant.id);
      grants.push(grant);
    } else {
      dropped++;
    }
  }
  const notes: string[] = [];
  if (doc.version > FORMAT_VERSION) {
    // A newer extension in another window wrote this; read what we understand and do not discard.
    notes.push(`Stored Spotify sessions were written by a newer version (format ${doc.version}); reading the fields this version knows.`);
  }
  if (dropped > 0) {
    notes.push(`${dropped} stored Spotify session(s) were unreadable and were dropped.`);
  }
  return { grants, discard: false, ...(notes.length ? { problem: notes.join(' ') } : {}) };
}

export function serializeGrants(grants: readonly Grant[]): string {
  return JSON.stringify({ version: FORMAT_VERSION, grants });
}

function toGrant(v: unknown): Grant | undefined {
  if (!isObject(v) || !isObject(v.account)) {
    return undefined;
  }
  const ok =
    nonEmpty(v.id) &&
    nonEmpty(v.account.id) &&
    typeof v.account.label === 'string' &&
    Array.isArray(v.scopes) &&
    v.scopes.every((s) => typeof s === 'string') &&
    nonEmpty(v.accessToken) &&
    (v.refreshToken === undefined || nonEmpty(v.refreshToken)) &&
    Number.isFinite(v.expiresAt) &&
    Number.isFinite(v.createdAt) &&
    nonEmpty(v.clientId);
  if (!ok) {
    return undefined;
  }
  return {
    id: v.id as string,
    account: { id: v.account.id as string, label: v.account.label as string },
    scopes: [...(v.scopes as string[])].sort(),
    ...(Array.isArray(v.refusedScopes) && v.refusedScopes.length > 0 && v.refusedScopes.every((x: unknown) => typeof x === 'string')
      ? { refusedScopes: [...(v.refusedScopes as string[])].sort() }
      : {}),
    accessToken: v.accessToken as string,
    ...(v.refreshToken ? { refreshToken: v.refreshToken as string } : {}),
    expiresAt: v.expiresAt as number,
    createdAt: v.createdAt as number,
    clientId: v.clientId as string,
    ...(nonEmpty(v.issuer) ? { issuer: v.issuer } : {}),
  };
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonEmpty(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

/** Secret storage itself failed (locked keyring, lost connection): not the same as "no grants". */
export class StorageReadError extends Error {
  override readonly name = 'StorageReadError';
}

/**
 * Since format 2 each grant has a key of its own, `spotify.grant.<id>`:
 * `{"version":2,"gen":N,"grant":{…}}`, and `spotify.grants.index` lists the ids:
 * `{"version":2,"gen":N,"ids":[…]}`. A write touches one grant (or the index) and never another
 * grant, and `gen` grows with every write of a key, so a window can tell whether its (lagging) view
 * has caught up with what the lock holder before it wrote. The single key of format 1 is migrated
 * on first start ({@link GrantManager.initialize}).
 */
export const INDEX_KEY = 'spotify.grants.index';
export const GRANT_KEY_PREFIX = 'spotify.grant.';
export const GRANT_FORMAT_VERSION = 2;
export const grantKey = (id: string) => GRANT_KEY_PREFIX + id;

/** A key as this window's view has it: its generation (0 when absent) and value. */
export interface Stored<T> {
  readonly gen: number;
  readonly value?: T;
  /** Present but unreadable: nothing to wait for, nothing to use. */
  readonly corrupt?: boolean;
}

export class GrantStore {
  constructor(
    readonly secrets: SecretStorageLike,
    private readonly logger: Logger,
  ) {}

  readIndex(): Promise<Stored<string[]>> {
    return this.readDoc(INDEX_KEY, (doc) =>
      Array.isArray(doc.ids) && doc.ids.every((i: unknown) => nonEmpty(i)) ? [...new Set(doc.ids as string[])] : undefined,
    );
  }

  readGrant(id: string): Promise<Stored<Grant>> {
    return this.readDoc(grantKey(id), (doc) => {
      const grant = toGrant(doc.grant);
      return grant && grant.id === id ? grant : undefined;
    });
  }

  writeIndex(gen: number, ids: readonly string[]): Promise<void> {
    return Promise.resolve(this.secrets.store(INDEX_KEY, JSON.stringify({ version: GRANT_FORMAT_VERSION, gen, ids })));
  }

  writeGrant(gen: number, grant: Grant): Promise<void> {
    return Promise.resolve(this.secrets.store(grantKey(grant.id), JSON.stringify({ version: GRANT_FORMAT_VERSION, gen, grant })));
  }

  deleteGrant(id: string): Promise<void> {
    return Promise.resolve(this.secrets.delete(grantKey(id)));
  }

  /** The format-1 key, for migration. Throws {@link StorageReadError} when storage fails. */
  async readLegacy(): Promise<ParsedGrants> {
    const parsed = parseGrants(await this.get(GRANTS_KEY));
    if (parsed.problem) {
      this.logger.warn(parsed.problem);
    }
    return parsed;
  }

  deleteLegacy(): Promise<void> {
    return Promise.resolve(this.secrets.delete(GRANTS_KEY));
  }

  private async get(key: string): Promise<string | undefined> {
    try {
      return await this.secrets.get(key);
    } catch (e) {
      throw new StorageReadError(`Could not read Spotify sessions from secret storage: ${(e as Error).message}`);
    }
  }

  private async readDoc<T>(key: string, read: (doc: Record<string, any>) => T | undefined): Promise<Stored<T>> {
    const text = await this.get(key);
    if (text === undefined || text === '') {
      return { gen: 0 };
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      doc = undefined;
    }
    const value = isObject(doc) && Number.isInteger(doc.gen) && typeof doc.version === 'number' && doc.version >= 2 ? read(doc) : undefined;
    if (value === undefined) {
      this.logger.warn(`Stored Spotify data under ${key.startsWith(GRANT_KEY_PREFIX) ? 'a session key' : 'the session index'} is unreadable; it is ignored until written again.`);
      return { gen: 0, corrupt: true };
    }
    return { gen: (doc as { gen: number }).gen, value };
  }
}
