// Typed errors of the state codec: a state (or a Clarity value claiming to be one)
// whose fields do not fit the protocol's types. Codes are stable API.
import { InvalidInputError, type ErrorDetails } from '../errors/errors.js';

export type StateCodecErrorCode =
  | 'STATE_UINT_RANGE' // a uint field is not a bigint in 0..2^128-1
  | 'STATE_BUFFER_LENGTH' // channel-id or an HTLC hash is not 32 bytes
  | 'STATE_TOO_MANY_HTLCS' // more than MAX_HTLCS HTLCs
  | 'STATE_BAD_PRINCIPAL' // the actor is not a valid Stacks principal
  | 'STATE_BAD_ACTION' // the action is not one of Action's values
  | 'STATE_BAD_FIELD' // a field of the wrong JS type (e.g. offeredByA not a boolean)
  | 'STATE_SHAPE'; // a Clarity value that is not the state tuple (missing/extra keys, wrong types)

export class StateCodecError extends InvalidInputError {
  declare readonly code: StateCodecErrorCode;
  constructor(code: StateCodecErrorCode, message: string, opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}
