import * as path from 'path';
import * as vscode from 'vscode';
import { NODE_FLOWS } from './flows/node/flows';
import { FileLock } from './session/node/fileLock';
import { activateWith } from './vscode/activate';

/** Entry point for Node extension hosts: desktop, Remote, code-server. */
export function activate(context: vscode.ExtensionContext) {
  // The global storage folder is shared by every window of the profile on this machine.
  return activateWith(context, NODE_FLOWS, (ctx) => new FileLock(path.join(ctx.globalStorageUri.fsPath, 'locks')));
}

export function deactivate(): void {}
