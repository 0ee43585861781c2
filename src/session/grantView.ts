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
  /** The grants as an array, each with the scopes it answers for: what the warm path loops over. */
  private entries: Array<{ grant: Grant; answers: ReadonlySet<string> }> = [];
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
    const entries = this.entries;
    for (let i = 0; i < entries.length; i++) {
      const { grant, answers } = entries[i];
      if ((accountId === undefined || grant.account.id === accountId) && (scopes === undefined || covers(answers, scopes))) {
        out.push(grant);
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
    this.entries = [...next.values()].map((grant) => ({ grant, answers: new Set([...grant.scopes, ...(grant.refusedScopes ?? [])]) }));
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

/** Whether a grant answers for every scope asked: granted, or asked before and refused. */
function covers(answers: ReadonlySet<string>, scopes: readonly string[]): boolean {
  for (let i = 0; i < scopes.length; i++) {
    if (!answers.has(scopes[i])) {
      return false;
    }
  }
  return true;
}
