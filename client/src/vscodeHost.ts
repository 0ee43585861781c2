import * as vscode from 'vscode';
import { PROVIDER_EXTENSION_ID } from './errors';
import { SessionHost } from './host';
import { getSpotifySession } from './session';

/** The part of the Spotify Authentication extension's exported API this package calls. */
interface ProviderApi {
  refreshIfCurrent?(sessionId: string, accessToken: string): Promise<boolean>;
}

/** Sessions from `vscode.authentication`; refreshes through the provider's exported API. */
export function vscodeSessionHost(): SessionHost {
  return {
    getSession: (scopes, interactive) => getSpotifySession(scopes, interactive ? { createIfNone: true } : { silent: true }),
    async refreshIfCurrent(sessionId, accessToken) {
      // Not reachable from another extension host (Remote) or in providers before refreshIfCurrent.
      const ext = vscode.extensions.getExtension<ProviderApi>(PROVIDER_EXTENSION_ID);
      if (!ext) {
        return undefined;
      }
      const api = ext.isActive ? ext.exports : await ext.activate();
      if (typeof api?.refreshIfCurrent !== 'function') {
        return undefined;
      }
      return api.refreshIfCurrent(sessionId, accessToken);
    },
  };
}
