import * as http from 'http';
import { AddressInfo } from 'net';
import { withoutLoopbackPort } from '../../oauth/redirectUri';
import { AuthorizationResult, FlowContext, FlowUnavailableError, openAuthorization, SignInFlow } from '../flow';

/** Registered once at Spotify without a port; Spotify then accepts any port on it (RFC 8252 §7.3). */
export const LOOPBACK_REGISTERED_URI = 'http://127.0.0.1/callback';

const PAGE = (title: string, text: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body style="font-family:sans-serif;padding:3em;text-align:center"><h2>${title}</h2><p>${text}</p></body></html>`;

/**
 * The redirect comes back to a one-shot HTTP server on 127.0.0.1 at a free port. Only useful when
 * the extension host and the browser share a machine (the chooser's table says when). The server
 * binds the loopback address only, serves GET /callback once for the pending state (anything else
 * is a 404, a wrong state a 400, neither ends the wait), answers with a plain "close this tab" page
 * and never redirects anywhere, and closes on success, cancellation or timeout.
 */
export const loopbackFlow: SignInFlow = {
  id: 'loopback',
  label: 'a local server on 127.0.0.1',
  /** What to register: the port-less form; each sign-in adds a free port to it. */
  async redirectUri() {
    return LOOPBACK_REGISTERED_URI;
  },
  async authorize(ctx: FlowContext): Promise<AuthorizationResult> {
    const server = await LoopbackServer.start();
    try {
      server.onCallback = (query) => ctx.router.handle(query);
      const { pending, code } = await openAuthorization(ctx, await browserAddress(ctx, server.port), LOOPBACK_REGISTERED_URI);
      return { code: await code, pending };
    } finally {
      await server.close();
    }
  },
};

/**
 * The address the browser reaches the server at. Where the extension host and the browser share a
 * machine, the server's own. In a desktop Remote window whose extension host runs remotely,
 * asExternalUri forwards the port and returns `127.0.0.1:<local port>`; anything else (code-server
 * answers with its `/proxy/<port>/` route) cannot match the port-less registration, so this flow
 * steps aside for the next. In a web workbench the flow runs only when forced by the user, who
 * then vouches that the browser is on the server's machine.
 */
async function browserAddress(ctx: FlowContext, port: number): Promise<string> {
  const local = `http://127.0.0.1:${port}/callback`;
  const env = ctx.host.environment;
  if (!env.remoteExtensionHost || env.webUi) {
    return local;
  }
  const external = await ctx.host.asExternalUri(local);
  if (withoutLoopbackPort(external) !== LOOPBACK_REGISTERED_URI) {
    throw new FlowUnavailableError(`The browser reaches the local server only at ${external.split('?')[0]}, which is not a 127.0.0.1 address.`);
  }
  return external;
}

export class LoopbackServer {
  /** Called with the query of each GET /callback; returns true when it belonged to a sign-in. */
  onCallback: (query: URLSearchParams) => boolean = () => false;
  private done = false;

  private constructor(private readonly server: http.Server) {}

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  static async start(): Promise<LoopbackServer> {
    let self: LoopbackServer | undefined;
    const server = http.createServer((req, res) => self!.handle(req, res));
    self = new LoopbackServer(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return self;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, title: string, text: string) => {
      res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'close' });
      res.end(PAGE(title, text));
    };
    if (req.method !== 'GET' || url.pathname !== '/callback' || this.done) {
      return send(404, 'Not found', 'This address only receives one Spotify sign-in.');
    }
    if (!this.onCallback(url.searchParams)) {
      return send(400, 'Not this sign-in', 'This link does not belong to the sign-in VS Code is waiting for.');
    }
    this.done = true;
    const denied = url.searchParams.get('error') === 'access_denied';
    const failed = !denied && url.searchParams.has('error');
    send(
      200,
      denied ? 'Sign-in declined' : failed ? 'Sign-in failed' : 'Signed in to Spotify',
      denied
        ? 'You declined in Spotify, so nothing was shared with VS Code. You may close this tab.'
        : failed
          ? 'Spotify did not complete the sign-in; VS Code says why. You may close this tab.'
          : 'You may close this tab and return to VS Code.',
    );
  }

  close(): Promise<void> {
    this.done = true;
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections?.();
    });
  }
}
