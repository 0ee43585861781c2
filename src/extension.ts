import * as vscode from 'vscode';
import { NODE_FLOWS } from './flows/node/flows';
import { activateWith } from './vscode/activate';

/** Entry point for Node extension hosts: desktop, Remote, code-server. */
export function activate(context: vscode.ExtensionContext) {
  return activateWith(context, NODE_FLOWS);
}

export function deactivate(): void {}
