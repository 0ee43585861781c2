import * as vscode from 'vscode';
import { FlowHost, SignInFlow } from '../flows/flow';
import { registeredRedirectUris } from '../flows/redirectUris';
import { flowLabel } from './flowLabels';

export interface RedirectUriItem {
  readonly uri: string;
  /** The ways back that use it, for people. */
  readonly flow: string;
}

/** The fixed list of this window's redirect URIs, each with the ways back that use it, for people. */
export async function redirectUrisFor(flows: readonly SignInFlow[], host: FlowHost): Promise<RedirectUriItem[]> {
  return (await registeredRedirectUris(flows, host)).map((r) => ({ uri: r.uri, flow: r.flows.map(flowLabel).join(', ') }));
}

/**
 * "Spotify: Copy Redirect URI": lists the URIs to register (computed for this window: scheme,
 * remote, web, relay setting) and copies the chosen one, or the only one.
 */
export async function copyRedirectUri(items: readonly RedirectUriItem[]): Promise<string | undefined> {
  const pick =
    items.length === 1
      ? items[0]
      : (
          await vscode.window.showQuickPick(
            items.map((i) => ({ label: i.uri, description: i.flow, item: i })),
            {
              title: vscode.l10n.t('Redirect URIs to add to your Spotify app'),
              placeHolder: vscode.l10n.t('Add each under "Redirect URIs" at developer.spotify.com/dashboard, exactly as shown, then press Save. Pick one to copy it.'),
              ignoreFocusOut: true,
            },
          )
        )?.item;
  if (!pick) {
    return undefined;
  }
  await vscode.env.clipboard.writeText(pick.uri);
  void vscode.window.showInformationMessage(vscode.l10n.t('Copied {0}. Add it under "Redirect URIs" in your Spotify app\'s settings, then press Save.', pick.uri));
  return pick.uri;
}
