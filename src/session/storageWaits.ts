import { PendingWriteError } from './grantErrors';
import { SecretStorageLike } from './secretStorage';

/** Resolves when `key` changes in this window's view, or after `ms`. */
export function changeOf(secrets: SecretStorageLike, key: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const sub = secrets.onDidChange((e) => {
      if (e.key === key) {
        done();
      }
    });
    const timer = setTimeout(() => done(), ms);
    const done = () => {
      sub.dispose();
      clearTimeout(timer);
      resolve();
    };
  });
}

/**
 * Runs a turn again (after a short pause, outside the lock) while another window's announced write
 * is unfinished: the wait is bounded by the grace after which that write is given up.
 */
export async function untilSettled<T>(turn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await turn();
    } catch (e) {
      if (!(e instanceof PendingWriteError)) {
        throw e;
      }
      // Long enough for a frozen window that resumed (polling the lock every 100 ms at most) to get in.
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 60));
    }
  }
}
