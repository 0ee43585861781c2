import { CallbackRouter } from './callbackRouter';
import { AuthorizationResult, FlowContext, FlowHost, openAuthorization, SignInFlow } from './flow';

/** Path of the callback on our URI handler: `<uriScheme>://<extension id>/callback`. */
export const CALLBACK_PATH = '/callback';

/**
 * The redirect comes back through the extension's URI handler. The redirect URI is
 * `asExternalUri(<uriScheme>://<extension id>/callback)`: on desktop that is the custom scheme itself;
 * in code-server and vscode.dev it becomes an https URL of the workbench that forwards the query to
 * the handler, which is what makes this flow work remotely and in the browser.
 */
export const uriHandlerFlow: SignInFlow = {
  id: 'uriHandler',
  label: 'VS Code link (URI handler)',
  redirectUri(host: FlowHost) {
    return host.asExternalUri(`${host.uriScheme}://${host.extensionId}${CALLBACK_PATH}`);
  },
  async authorize(ctx: FlowContext): Promise<AuthorizationResult> {
    const { pending, code } = await openAuthorization(ctx, await this.redirectUri(ctx.host));
    return { code: await code, pending };
  },
};

/**
 * What the extension's UriHandler does with a URI: only our callback path is a redirect; its
 * query goes to the router, which ignores anything that matches no pending sign-in.
 */
export function routeCallbackUri(router: CallbackRouter, uri: { readonly path: string; readonly query: string }): boolean {
  return uri.path === CALLBACK_PATH && router.handle(new URLSearchParams(uri.query));
}
