import * as assert from 'assert';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'spotify-auth.spotify-authentication';

export interface ConsumerSession {
  id: string;
  account: { id: string; label: string };
  scopes: string[];
  accessToken: string;
}

/** What the test-only consumer extension gets from vscode.authentication.getSession('spotify', …). */
export async function consumerSession(scopes = ['user-read-private']): Promise<ConsumerSession | undefined> {
  return vscode.commands.executeCommand<ConsumerSession | undefined>('spotifyConsumer.getSession', scopes, { silent: true });
}

/** Asks the emulator (the harness passes its URL in SPOTIFY_EMULATOR_URL) whether it accepts a token. */
export async function emulator<T = any>(pathname: string, body?: unknown): Promise<T> {
  const base = process.env.SPOTIFY_EMULATOR_URL;
  assert.ok(base, 'SPOTIFY_EMULATOR_URL is set by the harness');
  const res = await fetch(`${base}${pathname}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  return (await res.json()) as T;
}

export async function tokenIsValid(token: string): Promise<boolean> {
  return (await emulator<{ valid: boolean }>('/__emulator/check-token', { token })).valid;
}

export async function activateExtension(): Promise<void> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed in the host`);
  await ext.activate();
}
