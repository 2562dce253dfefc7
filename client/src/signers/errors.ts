// Typed errors of the signers. Codes are stable API: a UI tells "the user said no"
// (WALLET_REJECTED) apart from "the wallet is broken or lying" (WALLET_SIGNATURE_*).
import { BitStreamError, SignatureError, type ErrorDetails } from '../errors/errors.js';

/** The person refused (or closed) the wallet's signing prompt. */
export class WalletRejectedError extends BitStreamError {
  constructor(opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super('WALLET_REJECTED', 'the signature request was rejected in the wallet', opts);
  }
}

/** The wallet could not be reached or failed for another reason (no wallet, wrong network…). */
export class WalletRequestError extends BitStreamError {
  constructor(message: string, opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super('WALLET_REQUEST_FAILED', message, opts);
  }
}

export type WalletSignatureErrorCode =
  | 'WALLET_SIGNATURE_MALFORMED' // not 65 bytes of hex, no valid recovery byte, R/S out of range
  | 'WALLET_SIGNATURE_MISMATCH'; // does not recover to the expected key/address for this hash

/** What the wallet returned is not a signature of this state by the expected key. */
export class WalletSignatureError extends SignatureError {
  declare readonly code: WalletSignatureErrorCode;
  constructor(code: WalletSignatureErrorCode, message: string, opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}
