import { Logger } from '../common/logger';
import { Grant } from './grant';
import { SecretStorageLike } from './secretStorage';

/**
 * All grants live under one SecretStorage key as versioned JSON:
 * `{"version":1,"grants":[…]}`. Unreadable data is logged in one line and discarded, never thrown:
 * a corrupt entry must not stop sign-in from working again.
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
    accessToken: v.accessToken as string,
    ...(v.refreshToken ? { refreshToken: v.refreshToken as string } : {}),
    expiresAt: v.expiresAt as number,
    createdAt: v.createdAt as number,
    clientId: v.clientId as string,
  };
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nonEmpty(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

/** Reads and writes the grants key. Reads never throw for bad data; they log and discard. */
export class GrantStore {
  constructor(
    readonly secrets: SecretStorageLike,
    private readonly logger: Logger,
  ) {}

  async read(): Promise<Grant[]> {
    let text: string | undefined;
    try {
      text = await this.secrets.get(GRANTS_KEY);
    } catch (e) {
      this.logger.error(`Could not read Spotify sessions from secret storage: ${(e as Error).message}`);
      return [];
    }
    const parsed = parseGrants(text);
    if (parsed.problem) {
      this.logger.warn(parsed.problem);
    }
    if (parsed.discard) {
      await Promise.resolve(this.secrets.delete(GRANTS_KEY)).catch(() => undefined);
    }
    return parsed.grants;
  }

  async write(grants: readonly Grant[]): Promise<void> {
    if (grants.length === 0) {
      await this.secrets.delete(GRANTS_KEY);
    } else {
      await this.secrets.store(GRANTS_KEY, serializeGrants(grants));
    }
  }
}
