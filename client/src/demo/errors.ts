// The demo's typed errors. A DemoCheckError means a step's outcome differs from what
// the protocol says it must be (the demo exits non-zero); a DemoTxError means a
// transaction was refused or did not succeed on-chain; a DemoOptionError is bad user
// input; a DemoNodeError is a node that refused a request or did not reach the state a
// step waits for in time. Codes are stable. Nothing here does I/O.
import { BitStreamError, InvalidInputError, type ErrorDetails } from '../errors/errors.js';

export type DemoCheckCode = 'DEMO_CHECK_FAILED';
export type DemoTxCode = 'DEMO_TX_REJECTED' | 'DEMO_TX_FAILED';

/** A step's outcome is not the protocol's. */
export class DemoCheckError extends BitStreamError {
  constructor(step: string, what: string, details: ErrorDetails = {}) {
    super('DEMO_CHECK_FAILED', `${step}: ${what}`, { details: { step, ...details } });
  }
}

/** A transaction the demo sent was refused by the node, or mined without success. */
export class DemoTxError extends BitStreamError {
  constructor(code: DemoTxCode, message: string, opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}

/** A node refused what the story asked of it, or did not get where a step waits for it to. */
export class DemoNodeError extends BitStreamError {
  constructor(step: string, what: string, details: ErrorDetails = {}) {
    super('DEMO_NODE_FAILED', `${step}: ${what}`, { details: { step, ...details } });
  }
}

/** A command-line option that does not parse. */
export class DemoOptionError extends InvalidInputError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('DEMO_BAD_OPTION', message, { details });
  }
}

const show = (v: unknown) => (typeof v === 'bigint' ? `${v}` : JSON.stringify(v));

/** The step's own check: `actual` must equal `expected` (bigints, strings, booleans, numbers). */
export function expectEqual<T extends bigint | string | number | boolean | null>(step: string, what: string, actual: T, expected: T): void {
  if (actual !== expected) {
    throw new DemoCheckError(step, `${what} is ${show(actual)}, the protocol says ${show(expected)}`, {
      actual: show(actual),
      expected: show(expected),
    });
  }
}

/** The step's own check on a condition that has no single expected value. */
export function expectThat(step: string, what: string, holds: boolean, details: ErrorDetails = {}): void {
  if (!holds) throw new DemoCheckError(step, what, details);
}
