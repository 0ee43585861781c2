/**
 * Models of the VS Code hosts that cannot run on the test machines (desktop VS Code, its Remote
 * windows, vscode.dev, Codespaces, forks) and of code-server, built from what each one's source
 * does (recorded in the project's notes on hosts), with VS Code's own URI class (the npm package
 * `vscode-uri`, the same code as `src/vs/base/common/uri.ts`):
 * - `asExternalUri` of the editor's own scheme: desktop's URL service (`RelayURLService.create`)
 *   appends `windowId=<n>` to the URI's query; web hosts (`LocalStorageURLCallbackProvider.create`)
 *   return their callback page's address with a per-request `vscode-reqid` and each component
 *   `encodeURIComponent`-ed; Codespaces returns its own `extension-auth-callback?state=<hex>`. The
 *   extension reads the result in its readable form (`toString(true)`), as src/vscode/flowHost.ts does.
 * - How a browser navigation reaches the extension's UriHandler: desktop's main process parses the
 *   link with `URI.parse`, so the `vscode.Uri` the handler gets has its query **percent-decoded
 *   once** (`state=a%253A` arrives as `state=a%3A`); it sends a URI whose query has `windowId=<n>`
 *   to that window (`URLHandlerRouter`: the first `windowId=(\d+)` of the decoded query), one
 *   without it to the last active window. The web callback page (`callback.html`) needs
 *   `vscode-reqid`, `vscode-scheme` and `vscode-authority`, takes the other parameters of its own
 *   address (decoded once by `URL.searchParams`), sets those of `vscode-query` over them, and
 *   hands the result, serialised again by `URLSearchParams`, to the tab that waits for that reqid
 *   (single use): there `new URLSearchParams(uri.query)` gives the values as they were sent.
 * A test names the model it uses, so "desktop (modelled)" is never mistaken for a real run.
 */
import { URI } from 'vscode-uri';
import { FlowEnvironment } from '../../../src/flows/flow';

export interface Delivery {
  /** Index of the window whose URI handler receives it. */
  readonly window: number;
  /** What the handler's vscode.Uri carries: its `path` and its `query`, as that host fills them. */
  readonly path: string;
  readonly query: string;
}

export interface HostModel {
  readonly name: string;
  readonly uriScheme: string;
  readonly environment: FlowEnvironment;
  /** asExternalUri as seen from `window`, in its readable form (`toString(true)`). */
  asExternalUri(uri: string, window: number): string;
  /** The window that a link without a window goes to. */
  lastActiveWindow: number;
  /** Where a browser navigation to `url` ends: a window's URI handler, or nowhere this model serves. */
  deliver(url: string): Delivery | undefined;
}

const desktopEnv: FlowEnvironment = { remoteExtensionHost: false, webUi: false, webWorkerExtensionHost: false };

/** Desktop VS Code (and forks, which share its URL service): `windowId` appended; routed by it. */
export function desktopModel(name: string, uriScheme: string, environment: FlowEnvironment = desktopEnv): HostModel {
  const model: HostModel = {
    name,
    uriScheme,
    environment,
    lastActiveWindow: 0,
    asExternalUri(uri, window) {
      if (!uri.startsWith(`${uriScheme}://`)) {
        return uri; // a loopback address of a local extension host is the browser's too
      }
      // vscode.Uri.parse in the adapter; RelayURLService.create appends to the (decoded) query.
      const u = URI.parse(uri);
      const windowId = `windowId=${encodeURIComponent(String(window + 1))}`;
      return u.with({ query: u.query ? `${u.query}&${windowId}` : windowId }).toString(true);
    },
    deliver(url) {
      if (!url.startsWith(`${uriScheme}://`)) {
        return undefined;
      }
      // The main process: URI.parse of the link the OS hands over; the extension host revives
      // those components, so the handler's uri.query is decoded once.
      const uri = URI.parse(url);
      const match = /\bwindowId=(\d+)/.exec(uri.query);
      return { window: match ? Number(match[1]) - 1 : model.lastActiveWindow, path: uri.path, query: uri.query };
    },
  };
  return model;
}

/** The components a web workbench carries in its callback address, in its order. */
const CALLBACK_KEYS = ['scheme', 'authority', 'path', 'query', 'fragment'] as const;

/**
 * A web workbench's callback page (vscode.dev, code-server): asExternalUri yields
 * `<origin><base>/callback?vscode-reqid=<n>&vscode-scheme=…&vscode-authority=…&vscode-path=…&vscode-query=…`.
 */
export function webModel(name: string, uriScheme: string, callbackBase: string, environment: FlowEnvironment): HostModel {
  let reqid = 0;
  const tabs = new Map<string, number>();
  const base = URI.parse(callbackBase);
  const callbackPath = `${base.path}/callback`.replace(/\/\/+/g, '/');
  return {
    name,
    uriScheme,
    environment,
    lastActiveWindow: 0,
    asExternalUri(uri, window) {
      if (uri.startsWith('http://127.0.0.1:')) {
        // code-server's port proxy drops the path; vscode.dev has no server to forward to.
        return `${callbackBase.replace(/\/[^/]*$/, '')}/proxy/${new URL(uri).port}/`;
      }
      const u = URI.parse(uri);
      const id = String(++reqid);
      tabs.set(id, window);
      const query = [`vscode-reqid=${id}`];
      for (const key of CALLBACK_KEYS) {
        if (u[key]) {
          query.push(`vscode-${key}=${encodeURIComponent(u[key])}`);
        }
      }
      return base.with({ path: callbackPath, query: query.join('&') }).toString(true);
    },
    deliver(url) {
      if (!url.startsWith(`${callbackBase}/callback?`)) {
        return undefined;
      }
      const u = new URL(url);
      // callback.html, step by step.
      const params = u.searchParams;
      let delivered: { window: number; path: string; query: string } | undefined;
      try {
        const decode = (v: string | null) => (v === null ? null : decodeURIComponent(v));
        const id = decode(params.get('vscode-reqid'));
        const window = id === null ? undefined : tabs.get(id);
        if (window === undefined || !decode(params.get('vscode-scheme')) || !decode(params.get('vscode-authority'))) {
          return undefined;
        }
        tabs.delete(id!); // single use
        const path = decode(params.get('vscode-path'));
        const query = decode(params.get('vscode-query'));
        for (const key of ['reqid', ...CALLBACK_KEYS]) {
          params.delete(`vscode-${key}`);
        }
        if (query) {
          new URLSearchParams(query).forEach((value, key) => params.set(key, value));
        }
        delivered = { window, path: path ?? '', query: params.toString() };
      } catch {
        return undefined; // the page throws on a malformed escape: nothing is delivered
      }
      return delivered;
    },
  };
}

/** Codespaces in the browser: its own callback with its own `state`, which maps to the original URI. */
export function codespacesModel(): HostModel {
  const origin = 'https://fuzzy-disco-7x9q.github.dev';
  const pending = new Map<string, { uri: string; window: number }>();
  let n = 0;
  return {
    name: 'Codespaces in the browser (modelled)',
    uriScheme: 'vscode',
    environment: { remoteExtensionHost: true, webUi: true, webWorkerExtensionHost: false },
    lastActiveWindow: 0,
    asExternalUri(uri, window) {
      const id = (++n).toString(16).padStart(32, 'a');
      pending.set(id, { uri, window });
      return `${origin}/extension-auth-callback?state=${id}`;
    },
    deliver(url) {
      if (!url.startsWith(`${origin}/extension-auth-callback?`)) {
        return undefined;
      }
      const p = new URL(url).searchParams;
      const [own, ...rest] = p.getAll('state');
      const target = pending.get(own);
      if (!target) {
        return undefined;
      }
      pending.delete(own);
      const u = new URL(target.uri);
      const merged = new URLSearchParams(u.search);
      for (const [k, v] of p) {
        if (k !== 'state') {
          merged.append(k, v);
        }
      }
      rest.forEach((s) => merged.append('state', s));
      return { window: target.window, path: u.pathname, query: merged.toString() };
    },
  };
}

/** Every host the product must serve, as the host-model tests walk them. */
export function allModels(): HostModel[] {
  return [
    desktopModel('desktop VS Code, local (modelled)', 'vscode'),
    desktopModel('desktop VS Code Insiders (modelled)', 'vscode-insiders'),
    // Remote SSH / WSL / Dev Containers: extensionKind ["ui", …] runs the provider on the user's machine.
    desktopModel('desktop VS Code, Remote SSH window (modelled)', 'vscode'),
    webModel('vscode.dev (modelled)', 'vscode', 'https://vscode.dev', { remoteExtensionHost: false, webUi: true, webWorkerExtensionHost: true }),
    webModel('code-server (modelled)', 'code-oss', 'http://127.0.0.1:8080/stable-0123abc', { remoteExtensionHost: true, webUi: true, webWorkerExtensionHost: false }),
    codespacesModel(),
    desktopModel('Cursor, a fork with its own scheme (modelled)', 'cursor'),
  ];
}
