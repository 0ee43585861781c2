import * as vscode from 'vscode';
import { FlowEnvironment, FlowHost, RelayConfig } from '../flows/flow';
import { readRelay } from './settings';

/** The editor services the flows use, from the real VS Code API. */
export class VscodeFlowHost implements FlowHost {
  readonly environment: FlowEnvironment;

  constructor(private readonly extension: vscode.Extension<unknown>) {
    this.environment = {
      // remoteName is set in every extension host of a remote window; only a `workspace`
      // extension actually runs on the remote machine.
      remoteExtensionHost: vscode.env.remoteName !== undefined && extension.extensionKind === vscode.ExtensionKind.Workspace,
      webUi: vscode.env.uiKind === vscode.UIKind.Web,
      webWorkerExtensionHost: typeof process === 'undefined',
    };
  }

  readonly t = vscode.l10n.t;

  get extensionId(): string {
    return this.extension.id;
  }

  get uriScheme(): string {
    return vscode.env.uriScheme;
  }

  relay(): RelayConfig {
    return readRelay(this.uriScheme);
  }

  async asExternalUri(uri: string): Promise<string> {
    // toString(true): the readable form. The default form escapes the query's `=` and `&`, and the
    // relay page must find a plain address to forward to after its single decode. (What comes
    // back of the state is not compared: the callback's nonce binds it.)
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
