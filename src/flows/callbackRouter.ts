import { Logger } from '../common/logger';
import { peekAll, peekParam, readRelayedResponse, validateAuthorizationResponse } from '../oauth/callback';
import { CancellationError } from '../oauth/errors';

interface Waiter {
  /** The state sent. Compared for a wait filed by state; only carried for one filed by nonce. */
  readonly state: string;
  readonly byNonce: boolean;
  resolve(code: string): void;
  reject(e: unknown): void;
}

/**
 * Routes redirects that come back (through the URI handler, the loopback server or a pasted URL) to
 * the sign-in waiting for them, by `state`, or by `nonce` for the relay flow. The relay's state is
 * its callback URL, which hosts change on the way (desktop decodes it once more, Codespaces adds a
 * state of its own, a relay may drop it), so a relay callback is bound by the nonce in the callback
 * URL alone, as VS Code's own GitHub sign-in does, and its state is never compared. Any web page
 * can open our callback URI, so a redirect that matches no pending sign-in (a missing, unknown,
 * repeated or already used nonce or state) is ignored and counted, never an error that would
 * cancel the genuine sign-in. A key is single use: once its redirect arrived it is forgotten, so a
 * replay finds nothing.
 */
export class CallbackRouter {
  private readonly pending = new Map<string, Waiter>();
  /** Redirects ignored since start: unknown, replayed, forged or malformed. */
  ignored = 0;

  constructor(private readonly logger: Logger) {}

  /**
   * Waits for the redirect carrying `state`. Rejects on abort; the caller owns the timeout signal.
   * The promise is marked handled at once: it may reject (a denial arriving fast) while the flow
   * is still opening the browser, before anyone awaits it.
   */
  expect(state: string, signal: AbortSignal, nonce?: string): Promise<string> {
    const key = nonce === undefined ? state : NONCE_KEY + nonce;
    const waiting = new Promise<string>((resolve, reject) => {
      if (signal.aborted) {
        reject(abortReason(signal));
        return;
      }
      const onAbort = () => {
        this.pending.delete(key);
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(key, {
        state,
        byNonce: nonce !== undefined,
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
  handle(uri: string | URL | URLSearchParams, quiet = false): boolean {
    const key = this.keyOf(uri);
    const waiter = key === undefined ? undefined : this.pending.get(key);
    if (key === undefined || !waiter) {
      if (!quiet) {
        this.ignore();
      }
      return false;
    }
    this.pending.delete(key);
    try {
      waiter.resolve((waiter.byNonce ? readRelayedResponse(uri) : validateAuthorizationResponse(uri, waiter.state)).code);
    } catch (e) {
      waiter.reject(e);
    }
    return true;
  }

  /** Counts and logs a redirect that no sign-in (here or in another window) was waiting for. */
  ignore(): void {
    this.ignored++;
    this.logger.warn('Ignored a Spotify redirect that belongs to no sign-in in progress (unknown, reused or missing state or nonce).');
  }

  /** Ends the wait for `state` (the user dismissed the sign-in); false when it is not pending. */
  cancel(state: string): boolean {
    for (const [key, waiter] of this.pending) {
      if (waiter.state === state) {
        this.pending.delete(key);
        waiter.reject(new CancellationError());
        return true;
      }
    }
    return false;
  }

  /**
   * A redirect with a `nonce` is a relay callback: its key is that nonce, and it has none when the
   * nonce is repeated (ambiguous), so it never falls back to a state. Any other redirect: its state.
   */
  private keyOf(uri: string | URL | URLSearchParams): string | undefined {
    const nonces = peekAll(uri, 'nonce');
    if (nonces.length > 0) {
      return nonces.length === 1 && nonces[0] !== '' ? NONCE_KEY + nonces[0] : undefined;
    }
    return peekParam(uri, 'state');
  }

  get size(): number {
    return this.pending.size;
  }
}

/** Keeps nonce keys apart from states, so a state can never be taken for a nonce. */
const NONCE_KEY = 'nonce:';

/**
 * The error an aborted wait rejects with: the reason given to abort() (a timeout, a cancellation),
 * or a cancellation when there was none (abort() alone gives a DOMException named AbortError).
 */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error && reason.name !== 'AbortError' ? reason : new CancellationError();
}
