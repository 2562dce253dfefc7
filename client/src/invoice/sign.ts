// Making and reading signed invoices. The payee signs sha256("BitStream invoice" ‖ body)
// with its node key (65 bytes R‖S‖V, low S); a reader recovers the key from the
// signature and requires it to be the payee key the body names. So changing any byte —
// amount, hash, payee, hints — makes the invoice refused, and only the holder of the
// payee key can make one that pays it.
import { concatBytes } from '@noble/hashes/utils.js';
import { sha256 } from '../crypto/sha256.js';
import { equalBytes } from '../crypto/signature.js';
import { principalOf } from '../peer/handshake.js';
import { InvoiceCode, InvoiceError } from './errors.js';
import { encodeBody, invoiceText, splitInvoice, type InvoiceFields } from './invoice.js';

const DOMAIN_TAG = new TextEncoder().encode('BitStream invoice');

export interface Invoice extends InvoiceFields {
  /** the payee's principal on the invoice's chain */
  readonly payee: string;
  /** unix seconds */
  readonly expiresAt: number;
  readonly signature: Uint8Array;
  /** the invoice as the payee handed it out */
  readonly text: string;
}

/** What the payee signs for a body. */
export function invoiceDigest(body: Uint8Array): Uint8Array {
  return sha256(concatBytes(DOMAIN_TAG, body));
}

const complete = (f: InvoiceFields, signature: Uint8Array, text: string): Invoice => ({
  ...f, payee: principalOf(f.payeeKey, f.chainId), expiresAt: f.createdAt + f.expirySeconds, signature, text,
});

/** Sign `fields` with `sign` (the payee key's signature of a 32-byte hash). */
export async function createInvoice(fields: InvoiceFields, sign: (hash: Uint8Array) => Uint8Array | Promise<Uint8Array>): Promise<Invoice> {
  const body = encodeBody(fields);
  const signature = await sign(invoiceDigest(body));
  return complete(fields, signature, invoiceText(body, signature));
}

export interface ReadOptions {
  /** refuse an invoice for another chain (INVOICE_WRONG_NETWORK) */
  readonly chainId?: number;
  /** unix seconds: refuse an invoice past its expiry (INVOICE_EXPIRED) */
  readonly now?: number;
}

/**
 * Parse and verify an invoice string. `recover` is a crypto backend's key recovery (it
 * throws on a malformed or high-S signature, which is refused like a wrong key).
 */
export function readInvoice(text: string, recover: (hash: Uint8Array, sig: Uint8Array) => Uint8Array, o: ReadOptions = {}): Invoice {
  const { fields, body, signature } = splitInvoice(text);
  let signer: Uint8Array | null = null;
  try {
    signer = recover(invoiceDigest(body), signature);
  } catch {
    signer = null;
  }
  if (signer === null || !equalBytes(signer, fields.payeeKey)) {
    throw new InvoiceError(InvoiceCode.BadSignature, 'the invoice is not signed by the payee it names (forged or altered)');
  }
  if (o.chainId !== undefined && fields.chainId !== o.chainId) {
    throw new InvoiceError(InvoiceCode.WrongNetwork, `the invoice is for chain ${fields.chainId}; this node is on chain ${o.chainId}`, { details: { chainId: fields.chainId } });
  }
  const invoice = complete(fields, signature, text.trim());
  if (o.now !== undefined && o.now >= invoice.expiresAt) {
    throw new InvoiceError(InvoiceCode.Expired, `the invoice expired at ${new Date(invoice.expiresAt * 1000).toISOString()}`, { details: { expiresAt: invoice.expiresAt } });
  }
  return invoice;
}

/** The hub's fee for forwarding `amount` under a hint: base + ⌈amount × ppm / 1,000,000⌉. */
export function hintFee(amount: bigint, hint: { feeBase: bigint; feePpm: number }): bigint {
  return hint.feeBase + (amount * BigInt(hint.feePpm) + 999_999n) / 1_000_000n;
}
