import { Disposable } from '../common/emitter';
import { Logger } from '../common/logger';
import { consentEndsAt, consentState, day } from '../session/consent';
import { Grant } from '../session/grant';
import { GrantManager } from '../session/grantManager';

/** Look again this often, so a long-lived window still warns in time. */
const CHECK_EVERY_MS = 6 * 3600_000;

/**
 * Warns once per consent (per window) when a grant's six-month consent ends within a week, or
 * has ended without Spotify having said so yet, so the user can sign in again at a moment of their
 * choosing instead of being stopped mid-work. Checks at start, on every change of grants, on a
 * timer, and when asked (the test clock).
 */
export class ConsentReminder implements Disposable {
  private readonly warned = new Set<string>();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly sub: Disposable;

  constructor(
    private readonly manager: GrantManager,
    private readonly now: () => number,
    private readonly logger: Logger,
    private readonly warn: (grant: Grant, endsAt: number, ended: boolean) => void,
  ) {
    this.sub = manager.onDidChange(() => this.check());
    this.timer = setInterval(() => this.check(), CHECK_EVERY_MS);
    (this.timer as { unref?: () => void }).unref?.();
  }

  check(): void {
    const now = this.now();
    for (const g of this.manager.all()) {
      const state = consentState(g, now);
      const key = `${g.id}@${g.createdAt}`;
      if (state === 'valid' || this.warned.has(key)) {
        continue;
      }
      this.warned.add(key);
      const end = consentEndsAt(g);
      this.logger.warn(`${g.account.label}'s Spotify consent ${state === 'ended' ? 'ended' : 'ends'} on ${day(end)} (six months after ${day(g.createdAt)}).`);
      this.warn(g, end, state === 'ended');
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    this.sub.dispose();
  }
}
