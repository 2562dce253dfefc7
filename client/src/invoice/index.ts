// invoice/: BitStream invoices (payment requests, PROTOCOL §10): the byte layout, the
// bech32m string, the payee's signature and the checks a payer runs before paying.
// Pure and I/O-free (browser-safe): it never touches a channel, a store or the network;
// the node (node/invoices.ts) keeps the secrets and decides what to pay.
export * from './errors.js';
export { INVOICE_PREFIX, INVOICE_VERSION, MAX_HINTS, MAX_MEMO_BYTES, MAX_EXPIRY_SECONDS, MIN_EXPIRY_SECONDS, MAX_EXPIRY_DELTA, MAX_INVOICE_CHARS, type InvoiceFields, type RouteHint } from './invoice.js';
export { createInvoice, readInvoice, invoiceDigest, hintFee, type Invoice, type ReadOptions } from './sign.js';
