import { AuthorizationResult, FlowContext, openAuthorization, SignInFlow } from './flow';
import { peekState } from '../oauth/callback';
import { CallbackError, CancellationError } from '../oauth/errors';

/**
 * The way back that always works: Spotify redirects to a loopback URL where nothing listens, the
 * browser shows an error page, and the user copies the address (which carries `code` and `state`)
 * into VS Code. Useful when the browser never hands the link back and no local port can be opened.
 */
export const PASTE_REDIRECT_URI = 'http://127.0.0.1/callback';

export const pasteFlow: SignInFlow = {
  id: 'paste',
  label: 'paste the address from the browser',
  async redirectUri() {
    return PASTE_REDIRECT_URI;
  },
  async authorize(ctx: FlowContext): Promise<AuthorizationResult> {
    const { pending, code } = await openAuthorization(ctx, PASTE_REDIRECT_URI, PASTE_REDIRECT_URI);
    const t = ctx.host.t;
    const pasted = ctx.host.showInputBox({
      title: t('Sign in to Spotify'),
      prompt: t('After approving, the browser shows an error page at {0}. Copy that page\'s whole address here.', PASTE_REDIRECT_URI),
      placeHolder: `${PASTE_REDIRECT_URI}?code=…&state=…`,
      validate: (value) => {
        const text = value.trim();
        if (text === '' || peekState(text) === pending.state) {
          return undefined;
        }
        return t('This is not the address of this sign-in: it must contain code=… and the state of this request.');
      },
    });
    // The genuine redirect may also arrive another way (a URI handler); then `code` settles first.
    const value = await Promise.race([pasted, code.then(() => undefined, () => undefined)]);
    if (value === undefined) {
      if (ctx.router.cancel(pending.state)) {
        throw new CancellationError(); // dismissed
      }
    } else if (!ctx.router.handle(value.trim())) {
      // Validation should have stopped it; if it did not, fail clearly rather than wait forever.
      throw new CallbackError('state_mismatch', t('The pasted address does not belong to this sign-in. Sign in again and paste the address the browser shows afterwards.'));
    }
    // Cancelled or timed out meanwhile: the router's wait has already rejected with that reason.
    return { code: await code, pending };
  },
};
