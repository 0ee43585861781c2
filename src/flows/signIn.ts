import { CancellationError, OAuthError } from '../oauth/errors';
import { AuthorizationResult, FlowContext, SignInFlow } from './flow';

export interface SignInUi {
  /**
   * A flow failed or was cancelled and `next` remains: ask whether to try it. False stops.
   * `reason` is already safe to show (no secrets).
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
 * would not change that answer. Each flow gets its own timeout; `outer` cancels all of them.
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
  for (let i = 0; ; i++) {
    const flow = flows[i];
    const controller = new AbortController();
    const onOuter = () => controller.abort(outer.reason ?? new CancellationError());
    outer.addEventListener('abort', onOuter, { once: true });
    const timer = setTimeout(
      () => controller.abort(new SignInTimeoutError(`No answer from the browser within ${Math.round(timeoutMs / 60000)} minutes.`)),
      timeoutMs,
    );
    try {
      base.logger.info(`Signing in with the ${flow.id} flow.`);
      return await flow.authorize({ ...base, signal: controller.signal });
    } catch (e) {
      // Whatever the failed flow still waits for (its state in the router, its server) ends now,
      // before the user is asked about the next way.
      controller.abort(new CancellationError());
      const denied = e instanceof OAuthError && e.error === 'access_denied';
      const next = flows[i + 1];
      if (denied || outer.aborted || !next) {
        throw e;
      }
      const reason = e instanceof CancellationError ? 'cancelled' : (e as Error).message;
      base.logger.warn(`The ${flow.id} flow did not finish: ${reason}`);
      if (!(await ui.offerNextFlow(flow, next, reason))) {
        throw e;
      }
    } finally {
      clearTimeout(timer);
      outer.removeEventListener('abort', onOuter);
    }
  }
}
