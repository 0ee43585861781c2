import { Disposable } from './emitter';

/**
 * The part of vscode.SecretStorage this layer uses. vscode.SecretStorage satisfies it as is; tests
 * use an in-memory double, and several managers sharing one double simulate several windows.
 */
export interface SecretStorageLike {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
  onDidChange(listener: (e: { key: string }) => unknown): Disposable;
  /** Every key stored (VS Code 1.10x and later); used only to rebuild an unreadable index. */
  keys?(): PromiseLike<readonly string[]>;
}
