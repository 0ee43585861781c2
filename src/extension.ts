import * as vscode from 'vscode';
import { NODE_FLOWS } from './flows/node/flows';
import { createNodeLock } from './session/node/lockFolder';
import { activateWith } from './vscode/activate';

/** Entry point for Node extension hosts: desktop, Remote, code-server. */
export function activate(context: vscode.ExtensionContext) {
  // Lock files in a folder every profile reaches, named by the secret store's id.
  return activateWith(context, NODE_FLOWS, (ctx) => createNodeLock(ctx.secrets, ctx.globalStorageUri.fsPath));
}

export function deactivate(): void {}
