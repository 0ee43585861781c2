/**
 * The messages between the driver of the real-process suite and its window processes (IPC of
 * child_process.fork). A window is one extension host: its own GrantManager and FileLock, and a
 * view of one secret store the driver keeps, which sees other windows' writes 0-80 ms late.
 */
import type { TurnPoint } from '../../src/session/lockedWrites';

export type Point = TurnPoint;
export const POINTS: readonly Point[] = ['locked', 'sending', 'answered', 'stored', 'ledgered'];

export interface WindowConfig {
  readonly index: number;
  readonly emulatorUrl: string;
  readonly lockDir: string;
  readonly staleAfterMs: number;
  readonly heartbeatMs: number;
  readonly acquireTimeoutMs: number;
  readonly pendingGraceMs: number;
  readonly refreshSkewMs: number;
  /** Poll getFresh this often (0: only on command), as a consumer extension would. */
  readonly pollMs: number;
  readonly proactive: boolean;
}

export type ToWindow =
  | { t: 'snapshot'; data: Array<[string, string]> }
  | { t: 'change'; key: string; value?: string }
  | { t: 'ack'; id: number }
  | { t: 'arm'; point: Point | undefined; alignToHeartbeat?: boolean }
  | { t: 'go' }
  | { t: 'refresh'; id: number; grantId: string; force: boolean }
  | { t: 'getFresh'; id: number }
  | { t: 'add'; id: number; grant: unknown };

export type FromWindow =
  | { t: 'ready' }
  | { t: 'store'; id: number; key: string; value?: string }
  | { t: 'at'; point: Point }
  | { t: 'sent'; hash: string }
  | { t: 'done'; id: number; ok: boolean; error?: string; name?: string }
  | { t: 'served'; tokens: Array<{ token: string; grantId: string }>; startedAt: number; servedAt: number; waitedMs: number };
