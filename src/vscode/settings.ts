import * as vscode from 'vscode';
import { CLIENT_ID_PATTERN } from '../oauth/client';
import { parseEndpointBase, SPOTIFY_ENDPOINTS, SpotifyEndpoints } from '../oauth/endpoints';
import { FlowSetting, isFlowSetting } from '../flows/chooser';

/**
 * The `spotify.*` settings, each read on its own so that one bad value (say a malformed
 * accountsUrl) fails only what uses it, with a clear message, and never activation.
 */
const config = () => vscode.workspace.getConfiguration('spotify');

const env = (name: string): string | undefined =>
  typeof process !== 'undefined' && process.env ? process.env[name] || undefined : undefined;

/** From the setting, else SPOTIFY_CLIENT_ID (containers, Codespaces); undefined when neither is valid. */
export function readClientId(): string | undefined {
  const value = (config().get<string>('clientId') || env('SPOTIFY_CLIENT_ID') || '').trim();
  return CLIENT_ID_PATTERN.test(value) ? value : undefined;
}

/** Throws a TypeError naming the setting when a configured URL is unusable. */
export function readEndpoints(): SpotifyEndpoints {
  return {
    accounts: endpoint('accountsUrl', 'SPOTIFY_ACCOUNTS_URL', SPOTIFY_ENDPOINTS.accounts),
    api: endpoint('apiUrl', 'SPOTIFY_API_URL', SPOTIFY_ENDPOINTS.api),
  };
}

export function readSignInFlow(): FlowSetting {
  const flow = config().get<string>('signInFlow', 'auto');
  return isFlowSetting(flow) ? flow : 'auto';
}

export function readRefreshSkewMs(): number {
  const v = config().get<number>('refreshSkewSeconds', 60);
  return (typeof v === 'number' && Number.isFinite(v) ? Math.min(1800, Math.max(0, v)) : 60) * 1000;
}

function endpoint(key: string, envName: string, fallback: string): string {
  const configured = config().get<string>(key);
  const value = (configured && configured !== fallback ? configured : env(envName)) || fallback;
  return parseEndpointBase(value, `spotify.${key}`);
}
