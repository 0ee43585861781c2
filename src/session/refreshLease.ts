import { SecretStorageLike } from './secretStorage';

/**
 * An advisory, per-grant lease in SecretStorage saying "window W is refreshing grant G until T".
 *
 * SecretStorage has no compare-and-swap, so a lease cannot be a real lock: two windows can both
 * believe they hold it when their write/read-back pairs interleave. It only makes races rare (and
 * saves token requests); correctness never depends on it. See GrantManager.recoverFromInvalidGrant
 * for what keeps a lost race from losing the grant.
 */
export const LEASE_KEY_PREFIX = 'spotify.refreshLease.';

interface LeaseRecord {
  readonly owner: string;
  readonly until: number;
}

export type LeaseResult =
  | { readonly acquired: true; release(): Promise<void> }
  | { readonly acquired: false; readonly owner: string; readonly until: number };

export class RefreshLease {
  constructor(
    private readonly secrets: SecretStorageLike,
    private readonly owner: string,
    private readonly now: () => number,
  ) {}

  async acquire(grantId: string, ttlMs: number): Promise<LeaseResult> {
    const key = LEASE_KEY_PREFIX + grantId;
    const held = await this.read(key);
    if (held && held.owner !== this.owner && held.until > this.now()) {
      return { acquired: false, owner: held.owner, until: held.until };
    }
    await this.secrets.store(key, JSON.stringify({ owner: this.owner, until: this.now() + ttlMs }));
    // Read back: of windows that wrote at about the same time, the last writer wins and the others
    // see its record here and stand back.
    const back = await this.read(key);
    if (back && back.owner !== this.owner) {
      return { acquired: false, owner: back.owner, until: back.until };
    }
    return {
      acquired: true,
      release: async () => {
        const current = await this.read(key);
        if (current?.owner === this.owner) {
          await this.secrets.delete(key);
        }
      },
    };
  }

  private async read(key: string): Promise<LeaseRecord | undefined> {
    try {
      const text = await this.secrets.get(key);
      if (!text) {
        return undefined;
      }
      const v = JSON.parse(text) as Partial<LeaseRecord>;
      return typeof v.owner === 'string' && typeof v.until === 'number' ? { owner: v.owner, until: v.until } : undefined;
    } catch {
      return undefined; // A garbled lease is no lease.
    }
  }
}
