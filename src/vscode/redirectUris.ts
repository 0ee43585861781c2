import * as vscode from 'vscode';
import { FlowHost, SignInFlow } from '../flows/flow';
import { flowLabel } from './flowLabels';

export interface RedirectUriItem {
  readonly uri: string;
  readonly flow: string;
}

/** The redirect URIs this window's sign-in flows use: what the user registers at Spotify. */
export async function redirectUrisFor(flows: readonly SignInFlow[], host: FlowHost): Promise<RedirectUriItem[]> {
  const fixed: RedirectUriItem[] = [];
  const perRequest: RedirectUriItem[] = [];
  const seen = new Set<string>();
  for (const flow of flows) {
    const uri = await flow.redirectUri(host);
    if (seen.has(uri)) {
      continue;
    }
    seen.add(uri);
    // code-server and vscode.dev add a per-request id to their callback address: no fixed URI
    // can be registered for it, so say so and list it after the ones that can.
    if (/[?&]vscode-reqid=/.test(uri)) {
      perRequest.push({ uri, flow: vscode.l10n.t('{0} (changes with every sign-in here: prefer the next one)', flowLabel(flow.id)) });
    } else {
      fixed.push({ uri, flow: flowLabel(flow.id) });
    }
  }
  return [...fixed, ...perRequest];
}

/**
 * "Spotify: Copy Redirect URI": lists the URIs to register (computed for this window: scheme,
 * remote, web) and copies the chosen one, or the first when there is only one.
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
              placeHolder: vscode.l10n.t('Add each under "Redirect URIs" at developer.spotify.com/dashboard, exactly as shown. Pick one to copy it.'),
              ignoreFocusOut: true,
            },
          )
        )?.item;
  if (!pick) {
    return undefined;
  }
  await vscode.env.clipboard.writeText(pick.uri);
  void vscode.window.showInformationMessage(vscode.l10n.t('Copied {0}. Add it under "Redirect URIs" in your Spotify app\'s settings.', pick.uri));
  return pick.uri;
}
