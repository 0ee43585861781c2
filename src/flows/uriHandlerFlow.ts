import { CallbackRouter } from './callbackRouter';
import { AuthorizationResult, CALLBACK_PATH, callbackUri, FlowContext, FlowHost, openAuthorization, SignInFlow } from './flow';

/**
 * The redirect comes straight to the extension's URI handler at the bare
 * `<uriScheme>://<extension id>/callback`, for desktop editors the relay does not forward to (forks
 * such as Cursor or VSCodium, OSS builds). It is deliberately not passed through asExternalUri:
 * desktop would add `windowId`, which no registration can match. Without it, VS Code hands the
 * link to the last active window; if that is not this one, the other window passes the redirect
 * on through the {@link CallbackHandoff}.
 */
export const uriHandlerFlow: SignInFlow = {
  id: 'uriHandler',
  label: 'the VS Code link (URI handler)',
  async redirectUri(host: FlowHost) {
    return callbackUri(host);
  },
  async authorize(ctx: FlowContext): Promise<AuthorizationResult> {
    const uri = callbackUri(ctx.host);
    const { pending, code } = await openAuthorization(ctx, uri, uri, {
      beforeOpen: async (p) => ctx.handoff?.announce(p.state, ctx.signal, (query) => ctx.router.handle(query)),
    });
    return { code: await code, pending };
  },
};

/**
 * What the extension's UriHandler does with a URI: only our callback path is a redirect; its
 * query goes to the router. Returns false when no sign-in of this window waits for it (the caller
 * may then pass it to another window); nothing is logged for that here.
 */
export function routeCallbackUri(router: CallbackRouter, uri: { readonly path: string; readonly query: string }): boolean {
  return uri.path === CALLBACK_PATH && router.handle(new URLSearchParams(uri.query), true);
}
