// Errors of a hub client's own steps (opening, landing a state, closing through a
// wallet); the peer, channel and wallet layers keep theirs.
import { BitStreamError, type ErrorDetails } from '../errors/errors.js';

export const HubClientCode = {
  /** the hub refused the terms, or did not take the channel once it was mined */
  OpenRefused: 'HUB_OPEN_REFUSED',
  /** create-channel was not mined as a success (nothing is locked) */
  OpenFailed: 'HUB_OPEN_FAILED',
  /** a deposit, withdraw, close, dispute or resolve the wallet sent was not mined as a success */
  ChainFailed: 'HUB_CHAIN_FAILED',
  /** the operation does not fit the channel now (not signed by both sides, not closing yet…) */
  NotNow: 'HUB_NOT_NOW',
} as const;
export type HubClientCode = (typeof HubClientCode)[keyof typeof HubClientCode];

export class HubClientError extends BitStreamError {
  constructor(code: HubClientCode, message: string, opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}
