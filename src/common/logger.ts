/**
 * The logging seam shared by the pure layers (`oauth`, `session`, `flows`). The VS Code adapter
 * writes to a LogOutputChannel; tests capture lines. Every line passes through a {@link Redactor}
 * first, so a token that slips into a message never reaches a log.
 */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const nullLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
};
