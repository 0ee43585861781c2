import { Emitter } from '../common/emitter';
import { Grant } from './grant';

export interface GrantsChangeEvent {
  readonly added: readonly Grant[];
  readonly removed: readonly Grant[];
  readonly changed: readonly Grant[];
}

/**
 * The grants of this window in memory, and the events that report their changes. Everything the
 * warm path reads lives here, so serving a valid token needs no I/O (rule 5 of GrantManager).
 */
export class GrantView {
  private grants = new Map<string, Grant>();
  /** Bumped on every change, so callers can cache what they derived from the grants. */
  version = 0;
  /** The ids the index listed at the last good read: a grant key outside it (an orphan) is not adopted. */
  indexed = new Set<string>();
  private readonly _onDidChange = new Emitter<GrantsChangeEvent>();
  readonly onDidChange = this._onDidChange.event;

  constructor(private readonly changed: () => void) {}

  get(id: string): Grant | undefined {
    return this.grants.get(id);
  }

  has(id: string): boolean {
    return this.grants.has(id);
  }

  values(): IterableIterator<Grant> {
    return this.grants.values();
  }

  all(): readonly Grant[] {
    return [...this.grants.values()];
  }

  /**
   * Grants that cover `scopes` (all when undefined), for `accountId` when given. Scopes Spotify
   * refused for a grant count as answered: asking again would only loop through the same refusal.
   */
  find(scopes?: readonly string[], accountId?: string): Grant[] {
    const out: Grant[] = [];
    for (const g of this.grants.values()) {
      if ((accountId === undefined || g.account.id === accountId) && (scopes === undefined || answered(g, scopes))) {
        out.push(g);
      }
    }
    return out;
  }

  applyOne(id: string, grant: Grant | undefined): void {
    const next = new Map(this.grants);
    if (grant) {
      next.set(id, grant);
    } else {
      next.delete(id);
    }
    this.apply(next);
  }

  /** Replaces the in-memory grants, fires what changed and returns it. */
  apply(next: Map<string, Grant>): GrantsChangeEvent {
    const added: Grant[] = [];
    const changed: Grant[] = [];
    for (const g of next.values()) {
      const old = this.grants.get(g.id);
      if (!old) {
        added.push(g);
      } else if (old.accessToken !== g.accessToken || old.account.label !== g.account.label || old.scopes.join(' ') !== g.scopes.join(' ')) {
        changed.push(g);
      }
    }
    const removed = [...this.grants.values()].filter((g) => !next.has(g.id));
    this.grants = next;
    this.version++;
    this.changed();
    const event = { added, removed, changed };
    if (added.length || removed.length || changed.length) {
      this._onDidChange.fire(event);
    }
    return event;
  }

  dispose(): void {
    this._onDidChange.dispose();
  }
}

/** Per grant (grants are immutable), the scopes it answers for: granted, and asked but refused. */
const answeredScopes = new WeakMap<Grant, ReadonlySet<string>>();

function answered(g: Grant, scopes: readonly string[]): boolean {
  let set = answeredScopes.get(g);
  if (!set) {
    set = new Set([...g.scopes, ...(g.refusedScopes ?? [])]);
    answeredScopes.set(g, set);
  }
  for (const s of scopes) {
    if (!set.has(s)) {
      return false;
    }
  }
  return true;
}
