// Why an invoice was refused. Codes are stable API: the node's HTTP API and CLI show
// them as they are, and a payer's software may branch on them.
import { BitStreamError, type ErrorDetails } from '../errors/errors.js';

export const InvoiceCode = {
  /** not a BitStream invoice string, or a field out of range */
  Malformed: 'INVOICE_MALFORMED',
  /** an invoice version this client does not read */
  Version: 'INVOICE_VERSION',
  /** the signature is not the payee key's over these bytes (forged or altered) */
  BadSignature: 'INVOICE_BAD_SIGNATURE',
  /** past its expiry */
  Expired: 'INVOICE_EXPIRED',
  /** made for another chain than the one the payer is on */
  WrongNetwork: 'INVOICE_WRONG_NETWORK',
} as const;
export type InvoiceCode = (typeof InvoiceCode)[keyof typeof InvoiceCode];

export class InvoiceError extends BitStreamError {
  constructor(code: InvoiceCode, message: string, opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}
