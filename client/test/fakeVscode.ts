/**
 * A stand-in for the `vscode` module in plain Node: the package imports `vscode` as the host's
 * module, which only an extension host provides. Loaded (mocha --require) before any test, it
 * answers `require('vscode')` with an object each test scripts.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
import Module = require('module');

export interface FakeVscode {
  authentication: { getSession: (providerId: string, scopes: readonly string[], options?: unknown) => Promise<unknown> };
  extensions: { getExtension: (id: string) => unknown };
}

export const fakeVscode: FakeVscode = {
  authentication: { getSession: async () => undefined },
  extensions: { getExtension: () => undefined },
};

const resolve = (Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string })._resolveFilename;
(Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string })._resolveFilename = function (request: string, ...rest: unknown[]) {
  return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
};
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: fakeVscode } as unknown as NodeJS.Module;
