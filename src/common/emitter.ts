/** A minimal event emitter shaped like vscode.EventEmitter, for the layers that may not import vscode. */
export interface Disposable {
  dispose(): void;
}

export type Event<T> = (listener: (e: T) => unknown) => Disposable;

export class Emitter<T> {
  private listeners: Array<(e: T) => unknown> = [];

  readonly event: Event<T> = (listener) => {
    this.listeners.push(listener);
    return {
      dispose: () => {
        this.listeners = this.listeners.filter((l) => l !== listener);
      },
    };
  };

  fire(e: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        // A faulty listener must not stop the others or the code that fired.
      }
    }
  }

  dispose(): void {
    this.listeners = [];
  }
}
