import * as vscode from 'vscode';
import { CLIENT_ID_PATTERN } from '../oauth/client';
import { resolveEndpoints, ResolvedEndpoints, RunMode } from '../auth/endpointPolicy';
import { FlowSetting, isFlowSetting } from '../flows/chooser';
import { RelayConfig } from '../flows/flow';
import { relayFromSetting } from '../flows/relayFlow';

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

/** The extension's run mode, for the endpoint policy. */
export function runMode(mode: vscode.ExtensionMode): RunMode {
  return mode === vscode.ExtensionMode.Production ? 'production' : mode === vscode.ExtensionMode.Test ? 'test' : 'development';
}

/**
 * Spotify's services, from the application-scope settings; the environment variables only in
 * development and test mode (see ../auth/endpointPolicy.ts). Throws a TypeError naming the setting
 * when a configured URL is unusable.
 */
export function readEndpoints(mode: RunMode): ResolvedEndpoints {
  return resolveEndpoints({
    mode,
    settings: { accountsUrl: config().get<string>('accountsUrl'), apiUrl: config().get<string>('apiUrl') },
    env: { SPOTIFY_ACCOUNTS_URL: env('SPOTIFY_ACCOUNTS_URL'), SPOTIFY_API_URL: env('SPOTIFY_API_URL') },
  });
}

export function readSignInFlow(): FlowSetting {
  const flow = config().get<string>('signInFlow', 'auto');
  return isFlowSetting(flow) ? flow : 'auto';
}

/**
 * `spotify.relayUrl`: empty for VS Code's page (vscode.dev, or insiders.vscode.dev for Insiders).
 * Application scope, so a workspace cannot send sign-ins elsewhere. Throws a TypeError naming the
 * setting when the value is not a URI Spotify would let the user register (read on every call, so
 * fixing the setting takes effect at the next sign-in).
 */
export function readRelay(uriScheme: string): RelayConfig {
  return relayFromSetting(config().get<string>('relayUrl'), uriScheme);
}

export function readRefreshSkewMs(): number {
  const v = config().get<number>('refreshSkewSeconds', 60);
  return (typeof v === 'number' && Number.isFinite(v) ? Math.min(1800, Math.max(0, v)) : 60) * 1000;
}
