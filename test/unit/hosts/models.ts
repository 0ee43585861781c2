/**
 * Models of the VS Code hosts that cannot run on the test machines (desktop VS Code, its Remote
 * windows, vscode.dev, Codespaces, forks) and of code-server, built from what each one's source
 * does (recorded in the project's notes on hosts):
 * - `asExternalUri` of the editor's own scheme: desktop's URL service appends `windowId=<n>`; web
 *   hosts return a callback page address with a per-request `vscode-reqid`; Codespaces returns its
 *   own `extension-auth-callback?state=<hex>`.
 * - Where a browser navigation lands: desktop sends a URI with `windowId` to that window and one
 *   without it to the last active window; the web callback page needs `vscode-reqid`,
 *   `vscode-scheme` and `vscode-authority`, merges every other parameter into the URI it hands to
 *   the tab that waits for that reqid (single use); Codespaces looks up its own state.
 * A test names the model it uses, so "desktop (modelled)" is never mistaken for a real run.
 */
import { FlowEnvironment } from '../../../src/flows/flow';

export interface Delivery {
  /** Index of the window whose URI handler receives it. */
  readonly window: number;
  /** What the handler's vscode.Uri carries. */
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
      return `${uri}${uri.includes('?') ? '&' : '?'}windowId=${window + 1}`;
    },
    deliver(url) {
      if (!url.startsWith(`${uriScheme}://`)) {
        return undefined;
      }
      const u = new URL(url);
      const windowId = u.searchParams.get('windowId');
      return { window: windowId === null ? model.lastActiveWindow : Number(windowId) - 1, path: u.pathname, query: u.search.slice(1) };
    },
  };
  return model;
}

/**
 * A web workbench's callback page (vscode.dev, code-server): asExternalUri yields
 * `<origin><base>/callback?vscode-reqid=<n>&vscode-scheme=…&vscode-authority=…&vscode-path=…&vscode-query=…`.
 */
export function webModel(name: string, uriScheme: string, callbackBase: string, environment: FlowEnvironment): HostModel {
  let reqid = 0;
  const tabs = new Map<string, number>();
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
      const u = new URL(uri);
      const id = String(++reqid);
      tabs.set(id, window);
      const query = [`vscode-reqid=${id}`, `vscode-scheme=${u.protocol.slice(0, -1)}`, `vscode-authority=${u.host}`, `vscode-path=${u.pathname}`];
      if (u.search) {
        query.push(`vscode-query=${u.search.slice(1)}`);
      }
      return `${callbackBase}/callback?${query.join('&')}`;
    },
    deliver(url) {
      if (!url.startsWith(`${callbackBase}/callback?`)) {
        return undefined;
      }
      const p = new URL(url).searchParams;
      const id = p.get('vscode-reqid');
      const window = id === null ? undefined : tabs.get(id);
      if (window === undefined || !p.get('vscode-scheme') || !p.get('vscode-authority')) {
        return undefined;
      }
      tabs.delete(id!); // single use
      const merged = new URLSearchParams(p.get('vscode-query') ?? '');
      for (const [k, v] of p) {
        if (!k.startsWith('vscode-')) {
          merged.append(k, v);
        }
      }
      return { window, path: p.get('vscode-path') ?? '/', query: merged.toString() };
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
