import * as vscode from 'vscode';
import { pasteFlow } from '../flows/pasteFlow';
import { relayFlow } from '../flows/relayFlow';
import { uriHandlerFlow } from '../flows/uriHandlerFlow';
import { createWebLock } from '../session/web/webLock';
import { activateWith } from '../vscode/activate';

/** Entry point for web worker extension hosts (vscode.dev): no Node APIs, so no loopback server. */
export function activate(context: vscode.ExtensionContext) {
  return activateWith(context, [relayFlow, uriHandlerFlow, pasteFlow], (ctx) => createWebLock(ctx.secrets));
}

export function deactivate(): void {}
