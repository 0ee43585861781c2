/** The storage seam lives in common so flows (the callback handoff) can share it; re-exported here for the session layer. */
export type { SecretStorageLike } from '../common/secretStorage';
