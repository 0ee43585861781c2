import * as vscode from 'vscode';
import { CLIENT_ID_PATTERN } from '../oauth/client';
import { parseEndpointBase, SPOTIFY_ENDPOINTS, SpotifyEndpoints } from '../oauth/endpoints';
import { FlowSetting, isFlowSetting } from '../flows/chooser';

/** Reads the `spotify.*` settings, with environment fallbacks for containers and tests. */
export interface Settings {
  readonly clientId?: string;
  readonly endpoints: SpotifyEndpoints;
  readonly signInFlow: FlowSetting;
}

const env = (name: string): string | undefined =>
  typeof process !== 'undefined' && process.env ? process.env[name] || undefined : undefined;

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('spotify');
  const clientId = (c.get<string>('clientId') || env('SPOTIFY_CLIENT_ID') || '').trim();
  const flow = c.get<string>('signInFlow', 'auto');
  return {
    clientId: CLIENT_ID_PATTERN.test(clientId) ? clientId : undefined,
    endpoints: {
      accounts: endpoint(c, 'accountsUrl', 'SPOTIFY_ACCOUNTS_URL', SPOTIFY_ENDPOINTS.accounts),
      api: endpoint(c, 'apiUrl', 'SPOTIFY_API_URL', SPOTIFY_ENDPOINTS.api),
    },
    signInFlow: isFlowSetting(flow) ? flow : 'auto',
  };
}

function endpoint(c: vscode.WorkspaceConfiguration, key: string, envName: string, fallback: string): string {
  const configured = c.get<string>(key);
  const value = (configured && configured !== fallback ? configured : env(envName)) || fallback;
  return parseEndpointBase(value, `spotify.${key}`);
}
