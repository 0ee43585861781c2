import { CancellationError, OAuthError } from '../oauth/errors';
import { relaySkipReason } from './chooser';
import { AuthorizationResult, FlowContext, SignInFlow } from './flow';

/** One attempt at signing in: a flow, the registered redirect URI it uses, what it asks for. */
export interface SignInAttempt {
  readonly flow: SignInFlow;
  readonly redirectUri: string;
  /** The Client ID sent (Spotify shows "INVALID_CLIENT: Invalid client" for an unknown one). */
  readonly clientId: string;
  /** The scopes asked (Spotify shows "Illegal scope" for one the app may not use). */
  readonly scopes: readonly string[];
  /** Why a way the user configured is not offered (a malformed relay setting), already translated. */
  readonly note?: string;
}

export interface SignInUi {
  /**
   * Shows a cancellable "waiting for the browser" notice naming `attempt`'s redirect URI while
   * `task` runs, and ends it when `task` settles. Cancelling the notice aborts the signal it gives
   * `task`, which ends this attempt only: the next way is offered at once.
   */
  whileWaiting<T>(attempt: SignInAttempt, task: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /**
   * A flow failed or was cancelled and `next` remains: ask whether to try it. False ends the
   * sign-in. `reason` is already safe to show (no secrets).
   */
  offerNextFlow(failed: SignInFlow, next: SignInFlow, reason: string): Promise<boolean>;
}

/** A sign-in that gave up: it did not get a redirect back within the time allowed. */
export class SignInTimeoutError extends Error {
  override readonly name = 'SignInTimeoutError';
}

/**
 * Runs the flows in order until one brings back an authorization code ("Having trouble? Try
 * another way"). `access_denied` (the user refused at Spotify) ends the sign-in: another way back
 * would not change that answer. Each flow gets its own notice and timeout; `outer` (a caller's
 * cancellation) ends everything.
 */
export async function authorizeWithFlows(
  flows: readonly SignInFlow[],
  base: Omit<FlowContext, 'signal'>,
  outer: AbortSignal,
  timeoutMs: number,
  ui: SignInUi,
): Promise<AuthorizationResult> {
  if (flows.length === 0) {
    throw new Error('No sign-in method is available here; check the spotify.signInFlow setting.');
  }
  const skipped = relaySkipReason(flows, base.host);
  if (skipped !== undefined) {
    base.logger.warn(`The relay page is not used for this sign-in: ${skipped}. The other ways back still work; fix or clear the setting to use the relay.`);
  }
  const note = skipped === undefined ? undefined : base.host.t('The relay page is not used: {0}.', skipped);
  for (let i = 0; ; i++) {
    const flow = flows[i];
    try {
      const attempt: SignInAttempt = { flow, redirectUri: await flow.redirectUri(base.host), clientId: base.client.clientId, scopes: base.scopes, ...(note ? { note } : {}) };
      base.logger.info(`Signing in with the ${flow.id} flow.`);
      return await ui.whileWaiting(attempt, (cancelled) => runAttempt(flow, base, [outer, cancelled], timeoutMs));
    } catch (e) {
      const denied = e instanceof OAuthError && e.error === 'access_denied';
      const next = flows[i + 1];
      if (denied || outer.aborted || !next) {
        throw e;
      }
      const reason = e instanceof CancellationError ? base.host.t('cancelled') : (e as Error).message;
      base.logger.warn(`The ${flow.id} flow did not finish: ${e instanceof CancellationError ? 'cancelled' : reason}`);
      if (!(await ui.offerNextFlow(flow, next, reason))) {
        throw e; // Declined: the sign-in ends with what stopped this way (a cancellation says nothing).
      }
    }
  }
}

/**
 * One flow with its own timeout. Whatever it still waits for (its state in the router, its server,
 * its handoff announcement) ends when it settles, before anyone is asked about the next way.
 */
async function runAttempt(flow: SignInFlow, base: Omit<FlowContext, 'signal'>, stops: AbortSignal[], timeoutMs: number): Promise<AuthorizationResult> {
  const controller = new AbortController();
  const listeners = stops.map((s) => {
    const onStop = () => controller.abort(s.reason ?? new CancellationError());
    if (s.aborted) {
      onStop();
    } else {
      s.addEventListener('abort', onStop, { once: true });
    }
    return () => s.removeEventListener('abort', onStop);
  });
  const timer = setTimeout(
    () => controller.abort(new SignInTimeoutError(`No answer from the browser within ${Math.round(timeoutMs / 60000)} minutes.`)),
    timeoutMs,
  );
  try {
    return await flow.authorize({ ...base, signal: controller.signal });
  } finally {
    clearTimeout(timer);
    listeners.forEach((off) => off());
    controller.abort(new CancellationError());
  }
}
