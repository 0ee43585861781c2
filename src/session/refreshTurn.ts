import { Emitter } from '../common/emitter';
import { Logger } from '../common/logger';
import { isInvalidGrant, OAuthError } from '../oauth/errors';
import { TokenEndpointResponse } from '../oauth/token';
import { CrossWindowLock, LedgerEntry } from './crossWindowLock';
import { applyRefresh, Grant, refreshTokenHash } from './grant';
import { GrantLostError, LockLostError } from './grantErrors';
import { grantKey, GrantStore } from './grantStore';
import { GrantView } from './grantView';
import { finishAnnounced, KeyTurn, sameEntry, TurnOptions } from './lockedWrites';
import { changeOf, untilSettled } from './storageWaits';
import { grantLock } from './storageSync';


/** `true`: refresh even when not due; `{ ifAccessToken }`: only while that is the stored token. */
export type RefreshForce = boolean | { readonly ifAccessToken: string };

/** What the manager needs to refresh: a refresh call bound to the grant's client. */
export type Refresher = (grant: Grant) => Promise<TokenEndpointResponse>;

/** After `invalid_grant`, how long to let another window's write of the grant reach this view before deciding. */
const REFUSAL_SETTLE_MS = 500;

export interface RefreshDeps {
  readonly store: GrantStore;
  readonly lock: CrossWindowLock;
  readonly refresher: Refresher;
  readonly logger: Logger;
  readonly view: GrantView;
  readonly turn: TurnOptions;
  readonly now: () => number;
  readonly isDue: (g: Grant) => boolean;
  /** A grant Spotify refused is gone: its key is deleted, the index must follow. */
  readonly dropFromIndex: (id: string) => void;
}

/**
 * Refresh coordination: one request per grant at a time in this window (single flight), and
 * across windows rule 2 of GrantManager: a refresh reads the grant, sends its refresh token and
 * writes the answer back in one turn of that grant's lock, so the answer lands on exactly the grant
 * whose token was used: a grant replaced (widened) or signed out meanwhile is never overwritten.
 */
export class RefreshCoordinator {
  private readonly inflight = new Map<string, Promise<Grant | undefined>>();
  private readonly _onDidLoseGrant = new Emitter<GrantLostError>();
  /** Fired once per grant that Spotify refused to refresh for good. */
  readonly onDidLoseGrant = this._onDidLoseGrant.event;

  constructor(private readonly d: RefreshDeps) {}

  refreshing(id: string): boolean {
    return this.inflight.has(id);
  }

  refresh(id: string, force: RefreshForce, settled: (error?: unknown) => void): Promise<Grant | undefined> {
    const running = this.inflight.get(id);
    if (running) {
      return running;
    }
    const p = untilSettled(() => this.turn(id, force)).then(
      (g) => {
        this.inflight.delete(id);
        settled();
        return g;
      },
      (e) => {
        this.inflight.delete(id);
        settled(e);
        throw e;
      },
    );
    this.inflight.set(id, p);
    return p;
  }

  private async turn(id: string, force: RefreshForce): Promise<Grant | undefined> {
    // A conditional force refreshes only the token the caller saw, decided under the lock, so two
    // windows asked about one refused token refresh it once between them.
    const onlyIf = typeof force === 'object' ? force.ifAccessToken : undefined;
    let late: { announced: LedgerEntry; answer?: Grant } | undefined;
    try {
      return await this.d.lock.run(grantLock(id), async (ledger, lockTurn) => {
        const kt = new KeyTurn(ledger, lockTurn, grantKey(id), () => this.d.store.readGrant(id), this.d.turn);
        const current = await kt.open();
        await this.d.turn.hook?.('locked', kt.key);
        const stored = current.value;
        this.d.view.applyOne(id, stored);
        if (!stored || (!force && !this.d.isDue(stored)) || (onlyIf !== undefined && stored.accessToken !== onlyIf)) {
          if (stored) {
            this.d.logger.info(`${stored.account.label}'s Spotify session was already refreshed in another window.`);
          }
          return stored; // signed out, or another window refreshed it
        }
        if (!stored.refreshToken) {
          throw new Error(`${stored.account.label}'s Spotify session has no refresh token and cannot be renewed. Sign in again.`);
        }
        await kt.announce(await refreshTokenHash(stored.refreshToken));
        try {
          await kt.fence(); // right before sending
          await this.d.turn.hook?.('sending', kt.key);
        } catch (e) {
          late = kt.pending && { announced: kt.pending };
          throw e;
        }
        // Rule 11 of issue 19: the token's lifetime runs from when the request left, not from the answer.
        const sentAt = this.d.now();
        let res: TokenEndpointResponse;
        try {
          this.d.logger.info(`Refreshing ${stored.account.label}'s Spotify session.`);
          res = await this.d.refresher(stored);
        } catch (e) {
          if (isInvalidGrant(e)) {
            return await this.refused(kt, id, stored, e);
          }
          await kt.withdraw();
          throw e;
        }
        const updated = applyRefresh(stored, res, sentAt);
        try {
          await this.d.turn.hook?.('answered', kt.key);
          // Rule 2: this read catches changes made past every lock (a keyring cleared by hand).
          const before = await this.d.store.readGrant(id);
          if (before.value?.refreshToken !== stored.refreshToken || before.gen !== current.gen) {
            this.d.logger.warn(`${stored.account.label}'s Spotify session changed outside this extension during its refresh; the refresh is not saved.`);
            await kt.withdraw();
            this.d.view.applyOne(id, before.value);
            return before.value;
          }
          await kt.commit((gen) => this.d.store.writeGrant(gen, updated));
        } catch (e) {
          late = e instanceof LockLostError && kt.pending ? { announced: kt.pending, answer: updated } : undefined;
          throw e;
        }
        this.d.view.applyOne(id, updated);
        this.d.logger.info(`Refreshed ${stored.account.label}'s Spotify session; the new token is valid until ${new Date(updated.expiresAt).toISOString()}.`);
        return updated;
      });
    } catch (e) {
      if (late && e instanceof LockLostError) {
        return this.finishLate(id, late, e);
      }
      throw e;
    }
  }

  /**
   * This turn was fenced off (frozen past the stale time): in a new turn, if no other window has
   * touched the grant since (the ledger still shows this turn's announcement), store the answer in
   * hand (a rotated refresh token would die with it) or take the announcement back.
   */
  private async finishLate(id: string, late: { announced: LedgerEntry; answer?: Grant }, e: LockLostError): Promise<Grant | undefined> {
    const { answer, announced } = late;
    let done = false;
    // Retried while this turn's lock is taken from it again (the announcement stays until its grace ends).
    for (const giveUpAt = this.d.turn.monotonic() + this.d.turn.pendingGraceMs; !done && this.d.turn.monotonic() < giveUpAt; ) {
      const outcome = await this.d.lock.run(grantLock(id), async (ledger, lockTurn) => {
        if (answer) {
          return finishAnnounced(ledger, lockTurn, grantKey(id), announced, (gen) => this.d.store.writeGrant(gen, answer));
        }
        // Nothing was sent: hand the generation back, so the next holder need not wait out the grace.
        if ((await lockTurn.stillHeld()) && sameEntry(await ledger.read(grantKey(id)), announced)) {
          await ledger.write(grantKey(id), { gen: announced.gen, ...(announced.removed ? { removed: true } : {}) });
        }
        return 'moved';
      });
      if (outcome !== 'notHeld') {
        done = outcome === 'done';
        break;
      }
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
    }
    // Another window may have found the answer in storage and recorded it already.
    if (answer && (done || (await this.d.store.readGrant(id)).value?.accessToken === answer.accessToken)) {
      this.d.view.applyOne(id, answer);
      this.d.logger.info(`${answer.account.label}'s Spotify session was refreshed after this window stalled; the answer is saved.`);
      return answer;
    }
    throw e;
  }

  /**
   * Issue 19, rule 3: `invalid_grant` deletes the grant only when the stored refresh token is still
   * the one that was sent. A window that lost a race (or whose lock did not cover the winner) must
   * not delete the winner's valid grant.
   */
  private async refused(kt: KeyTurn<Grant>, id: string, sent: Grant, e: OAuthError): Promise<Grant | undefined> {
    await changeOf(this.d.turn.secrets, kt.key, REFUSAL_SETTLE_MS);
    await kt.fence(); // right before writing
    const now = await this.d.store.readGrant(id);
    if (now.value !== undefined && now.value.refreshToken !== sent.refreshToken) {
      await kt.withdraw();
      this.d.logger.warn(`Spotify refused a refresh token ${sent.account.label}'s session no longer uses (another window renewed it); the session is kept.`);
      this.d.view.applyOne(id, now.value);
      return now.value;
    }
    await kt.commit(() => this.d.store.deleteGrant(id), true);
    const lost = new GrantLostError(sent, e, this.d.now());
    this.d.view.applyOne(id, undefined);
    this.d.dropFromIndex(id);
    this.d.logger.warn(lost.message);
    this._onDidLoseGrant.fire(lost);
    throw lost;
  }

  dispose(): void {
    this._onDidLoseGrant.dispose();
  }
}
