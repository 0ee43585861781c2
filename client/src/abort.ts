/** Cancellation: a fetch AbortSignal and VS Code's CancellationToken, as one AbortSignal. */

/** VS Code's CancellationToken, structurally (so this file needs no `vscode` import). */
export interface CancellationTokenLike {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => unknown): { dispose(): unknown };
}

export function abortError(): Error {
  // What fetch itself rejects with when its signal aborts.
  if (typeof DOMException === 'function') {
    return new DOMException('The operation was aborted.', 'AbortError');
  }
  const e = new Error('The operation was aborted.');
  e.name = 'AbortError';
  return e;
}

/** One signal that aborts when any of the inputs does; `dispose` detaches from the token. */
export function combine(signal: AbortSignal | null | undefined, token: CancellationTokenLike | undefined): { signal: AbortSignal | undefined; dispose(): void } {
  if (!token) {
    return { signal: signal ?? undefined, dispose() {} };
  }
  const controller = new AbortController();
  const abort = (reason?: unknown) => controller.abort(reason ?? abortError());
  if (token.isCancellationRequested) {
    abort();
  }
  const sub = token.onCancellationRequested(() => abort());
  const onAbort = () => abort(signal?.reason);
  if (signal?.aborted) {
    abort(signal.reason);
  } else {
    signal?.addEventListener('abort', onAbort, { once: true });
  }
  return {
    signal: controller.signal,
    dispose() {
      sub.dispose();
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw signal.reason ?? abortError();
  }
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** setTimeout as a promise that rejects at once when the signal aborts. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? abortError());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason ?? abortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
