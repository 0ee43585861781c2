import * as vscode from 'vscode';
import { FlowId } from '../flows/flow';

/** How the ways back are named to people (the flows' own labels are for the log). */
export function flowLabel(id: FlowId): string {
  switch (id) {
    case 'relay':
      return vscode.l10n.t('the redirect page');
    case 'uriHandler':
      return vscode.l10n.t('the VS Code link');
    case 'loopback':
      return vscode.l10n.t('a local server on 127.0.0.1');
    case 'paste':
      return vscode.l10n.t('pasting the address from the browser');
  }
}
