// Errors of the wire layer: a message that does not parse, does not fit the schema or
// speaks a version we do not know. Owns only these classes; the channel's refusals live
// in channel/errors.ts.
import { InvalidInputError, type ErrorDetails } from '../errors/errors.js';

export const WireCode = {
  Malformed: 'WIRE_MALFORMED',
  UnsupportedVersion: 'WIRE_UNSUPPORTED_VERSION',
  TooLarge: 'WIRE_TOO_LARGE',
} as const;
export type WireCode = (typeof WireCode)[keyof typeof WireCode];

/** A message refused at the boundary, before any channel sees it. */
export class WireError extends InvalidInputError {
  constructor(code: WireCode, message: string, opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}
