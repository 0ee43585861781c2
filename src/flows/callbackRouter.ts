import { Logger } from '../common/logger';
import { peekState, validateAuthorizationResponse } from '../oauth/callback';
import { CancellationError } from '../oauth/errors';

/**
 * Routes redirects that come back (through the URI handler, the loopback server or a pasted URL) to
 * the sign-in waiting for them, by `state`. Any web page can open our callback URI, so a redirect
 * whose state matches no pending sign-in is ignored (and counted), never an error that would cancel
 * the genuine sign-in. A state is single use: once its redirect arrived it is forgotten, so a
 * replay finds nothing.
 */
export class CallbackRouter {
  private readonly pending = new Map<string, { resolve(code: string): void; reject(e: unknown): void }>();
  /** Redirects ignored since start: unknown, replayed, forged or malformed. */
  ignored = 0;

  constructor(private readonly logger: Logger) {}

  /**
   * Waits for the redirect carrying `state`. Rejects on abort; the caller owns the timeout signal.
   * The promise is marked handled at once: it may reject (a denial arriving fast) while the flow
   * is still opening the browser, before anyone awaits it.
   */
  expect(state: string, signal: AbortSignal): Promise<string> {
    const waiting = new Promise<string>((resolve, reject) => {
      if (signal.aborted) {
        reject(abortReason(signal));
        return;
      }
      const onAbort = () => {
        this.pending.delete(state);
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(state, {
        resolve: (code) => {
          signal.removeEventListener('abort', onAbort);
          resolve(code);
        },
        reject: (e) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
    });
    waiting.catch(() => undefined);
    return waiting;
  }

  /** Offers a redirect. Returns true when it completed (or failed) a pending sign-in. */
  handle(uri: string | URL | URLSearchParams): boolean {
    const state = peekState(uri);
    const waiter = state === undefined ? undefined : this.pending.get(state);
    if (state === undefined || !waiter) {
      this.ignored++;
      this.logger.warn('Ignored a Spotify redirect that belongs to no sign-in in progress (unknown, reused or missing state).');
      return false;
    }
    this.pending.delete(state);
    try {
      waiter.resolve(validateAuthorizationResponse(uri, state).code);
    } catch (e) {
      waiter.reject(e);
    }
    return true;
  }

  /** Ends the wait for `state` (the user dismissed the sign-in); false when it is not pending. */
  cancel(state: string): boolean {
    const waiter = this.pending.get(state);
    if (!waiter) {
      return false;
    }
    this.pending.delete(state);
    waiter.reject(new CancellationError());
    return true;
  }

  get size(): number {
    return this.pending.size;
  }
}

/**
 * The error an aborted wait rejects with: the reason given to abort() (a timeout, a cancellation),
 * or a cancellation when there was none (abort() alone gives a DOMException named AbortError).
 */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error && reason.name !== 'AbortError' ? reason : new CancellationError();
}
