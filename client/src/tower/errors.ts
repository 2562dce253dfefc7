// Why a watchtower refused a request. Codes are stable API: the tower's HTTP answers
// carry them as they are, and a client may branch on them.
import { BitStreamError, type ErrorDetails } from '../errors/errors.js';

export const TowerCode = {
  /** no, a malformed, an expired, a replayed or a wrong request signature */
  Unauthenticated: 'TOWER_UNAUTHENTICATED',
  /** the body does not parse as an upload */
  BadUpload: 'TOWER_BAD_UPLOAD',
  /** the contract does not take the state (unknown or closed channel, bad signatures, old nonce, …) */
  Rejected: 'TOWER_STATE_REJECTED',
  /** the uploader is not a participant of the channel */
  NotParticipant: 'TOWER_NOT_PARTICIPANT',
  /** only a transfer or close state can answer a close */
  NotClosable: 'TOWER_NOT_CLOSABLE',
  /** older than the state the tower holds for the channel */
  Stale: 'TOWER_STALE',
  /** a client's channel limit */
  Limit: 'TOWER_LIMIT',
  RateLimited: 'TOWER_RATE_LIMITED',
  UnknownChannel: 'TOWER_UNKNOWN_CHANNEL',
  /** the chain could not be read to check the upload */
  Chain: 'TOWER_CHAIN',
} as const;
export type TowerCode = (typeof TowerCode)[keyof typeof TowerCode];

export class TowerError extends BitStreamError {
  constructor(code: TowerCode, message: string, opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}
