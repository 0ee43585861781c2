import * as vscode from 'vscode';
import { FlowHost } from '../flows/flow';

/** The editor services the flows use, from the real VS Code API. */
export class VscodeFlowHost implements FlowHost {
  constructor(readonly extensionId: string) {}

  readonly t = vscode.l10n.t;

  get uriScheme(): string {
    return vscode.env.uriScheme;
  }

  async asExternalUri(uri: string): Promise<string> {
    // toString(true): keep the query readable; Spotify compares redirect URIs as strings.
    return (await vscode.env.asExternalUri(vscode.Uri.parse(uri))).toString(true);
  }

  async openExternal(url: string): Promise<boolean> {
    // Uri.parse would re-encode the query; openExternal accepts a string and passes it on as is.
    return vscode.env.openExternal(url as unknown as vscode.Uri);
  }

  async showInputBox(opts: { title: string; prompt: string; placeHolder?: string; validate(value: string): string | undefined }): Promise<string | undefined> {
    return vscode.window.showInputBox({
      title: opts.title,
      prompt: opts.prompt,
      placeHolder: opts.placeHolder,
      ignoreFocusOut: true,
      validateInput: opts.validate,
    });
  }
}
