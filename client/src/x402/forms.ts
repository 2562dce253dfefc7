// The scheme's own pieces of x402's JSON: the proposal header of an unpaid request, the
// offer or refusal a 402 carries in `accepts[].extra`, the payment payload and the
// receipt in the settle response. zod checks each one where it arrives.
import { base64urlnopad } from '@scure/base';
import { decodePaymentSignatureHeader } from '@x402/core/http';
import { z } from 'zod';
import { messageToJson, type ProposalMessage } from '../wire/messages.js';
import { PAYMENT_IDENTIFIER } from './names.js';

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `${bytes} bytes of lower-case hex`);
const uint = z.string().regex(/^(0|[1-9][0-9]{0,38})$/, 'an unsigned integer as a decimal string');
/** The channel's payment id rule (PayOptions.id). */
export const paymentIdSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'a payment id is 1-128 characters of A-Z a-z 0-9 . _ : -');

/** A header's most bytes: a proposal is about 1 kB as JSON, 4/3 of that in base64. */
export const MAX_HEADER_CHARS = 8 * 1024;

export const proposalHeaderSchema = z.strictObject({
  channelId: hex(32),
  paymentId: paymentIdSchema,
  /** the channel's proposal message, in its wire JSON (parseMessage checks it) */
  proposal: z.record(z.string(), z.unknown()),
});
export type ProposalHeader = z.output<typeof proposalHeaderSchema>;

/** The payee's first signature on the proposed state (PROTOCOL §4.4 step 2). */
export const offerSchema = z.strictObject({ channelId: hex(32), nonce: uint, hash: hex(32), signature: hex(65) });
export type Offer = z.output<typeof offerSchema>;

export const refusalSchema = z.strictObject({ reason: z.string().max(64), message: z.string().max(500) });
export type Refusal = z.output<typeof refusalSchema>;

/** x402's settle phases, which the server's scheme adds to the payload it settles (enrichSettlementPayload). */
export const phaseSchema = z.enum(['before-handler', 'after-handler', 'cancel']);

/**
 * PAYMENT-SIGNATURE's `payload`: the payer's last signature on the offered state. The
 * server adds `phase` for its own settle calls: after the handler it charges what the
 * request used (metered routes) or, on cancel, nothing, and pays the rest back.
 */
export const payloadSchema = z.strictObject({ channelId: hex(32), nonce: uint, hash: hex(32), signature: hex(65), paymentId: paymentIdSchema, phase: phaseSchema.optional() });
export type Payload = z.output<typeof payloadSchema>;

/**
 * The server's offer of the next request's state on the same channel (PROTOCOL §11, One
 * request per call): its first signature on the state that pays the same price for the
 * same request, bound with `paymentId`, which the client signs last to pay that request
 * with no proposal.
 */
export const nextOfferSchema = z.strictObject({ nonce: uint, hash: hex(32), signature: hex(65), paymentId: paymentIdSchema });
export type NextOffer = z.output<typeof nextOfferSchema>;

/** The settle response's `extra`: the state that paid, final and durable at the server. */
export const receiptSchema = z.strictObject({
  channelId: hex(32),
  nonce: uint,
  hash: hex(32),
  /** the next request's state, offered (absent: the next request proposes) */
  next: nextOfferSchema.optional(),
  /** what went back to the payer: the part of the price a metered request did not use, or all of a failed one's */
  refund: z.strictObject({ amount: uint, status: z.enum(['completed', 'pending', 'failed']) }).optional(),
});
export type Receipt = z.output<typeof receiptSchema>;

/**
 * The payment-identifier extension as a payload carries it (x402's own shape: the
 * server's declaration with the client's `id` added). Only the id is read here.
 */
/** x402's payment identifier: 16-128 of `A-Z a-z 0-9 _ -`. */
export const RETRY_ID = /^[A-Za-z0-9_-]{16,128}$/;
const paymentIdentifierSchema = z.object({ info: z.object({ id: z.string().regex(RETRY_ID) }) });

/** The payment id a payload's extensions name for idempotent retries, or null. */
export function retryIdOf(extensions: unknown): string | null {
  const ext = (extensions as Record<string, unknown> | null | undefined)?.[PAYMENT_IDENTIFIER];
  const parsed = paymentIdentifierSchema.safeParse(ext);
  return parsed.success ? parsed.data.info.id : null;
}

/**
 * The route's payment-identifier declaration echoed with `id` (x402's shape: the
 * server's declaration with the client's `info.id`), or null when the route declares none.
 */
export function echoPaymentId(declared: unknown, id: string): Record<string, unknown> | null {
  if (declared === null || typeof declared !== 'object') return null;
  const info = (declared as { info?: unknown }).info;
  return { ...declared, info: { ...(typeof info === 'object' && info !== null ? info : {}), id } };
}

const retriesSchema = z.number().int().min(0).max(10);

/** How many retries the server serves of a route's last payment (`accepts[].extra.retries`), 0 when it declares none. */
export function retriesOf(extra: Readonly<Record<string, unknown>>): number {
  const parsed = retriesSchema.safeParse(extra['retries']);
  return parsed.success ? parsed.data : 0;
}

/** The request the server binds, as it sees it (`accepts[].extra.request`). */
export const requestSchema = z.strictObject({ method: z.string().min(1).max(16), path: z.string().min(1).max(4096) });

/**
 * The payment a paid request carries (its PAYMENT-SIGNATURE header), for a handler that
 * keys its effects by the payment id (a retry of it may run the handler again); null
 * when the header is absent or not a BitStream payment.
 */
export function paymentOf(header: string | null | undefined): { readonly channelId: string; readonly nonce: string; readonly paymentId: string } | null {
  if (header === null || header === undefined) return null;
  try {
    const p = payloadSchema.safeParse(decodePaymentSignatureHeader(header).payload);
    return p.success ? { channelId: p.data.channelId, nonce: p.data.nonce, paymentId: p.data.paymentId } : null;
  } catch {
    return null;
  }
}

export function encodeProposalHeader(channelId: string, paymentId: string, proposal: ProposalMessage): string {
  const json = JSON.stringify({ channelId, paymentId, proposal: messageToJson(proposal) });
  return base64urlnopad.encode(new TextEncoder().encode(json));
}

/** The header's value, checked; throws (zod or a decode error) when it is not one. */
export function parseProposalHeader(value: string): ProposalHeader {
  if (value.length > MAX_HEADER_CHARS) throw new Error(`the proposal header is over ${MAX_HEADER_CHARS} characters`);
  const json: unknown = JSON.parse(new TextDecoder().decode(base64urlnopad.decode(value)));
  return proposalHeaderSchema.parse(json);
}
