// Typed errors with stable codes (STYLE: viem). Every error the client throws is a
// BitStreamError subclass; `code` is stable API, `message` is for people, `details`
// carries the values involved, and a lower-level error is kept as `cause`.

export type ErrorDetails = Readonly<Record<string, unknown>>;

export class BitStreamError extends Error {
  readonly code: string;
  readonly details: ErrorDetails;
  constructor(code: string, message: string, opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = opts.details ?? {};
  }
}

/** Input that does not parse or does not fit the protocol's types (bad bytes, ranges). */
export class InvalidInputError extends BitStreamError {
  constructor(code: string, message: string, opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}

/** A signature that is malformed, malleated or by the wrong key. */
export class SignatureError extends BitStreamError {
  constructor(code: string, message: string, opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}
