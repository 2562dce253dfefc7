// zod 4 schemas for everything that crosses the wire or comes back from disk: each
// value is validated once here (STYLE rule 5) and comes out typed (bigint, Uint8Array).
// Owns shapes and ranges only; protocol rules (nonces, sums, signatures) are the
// channel's.
import { z } from 'zod';
import { Action, MAX_HTLCS, MAX_UINT128, type ChannelState } from '../codec/state.js';
import { fromHex } from './json.js';

/** A Clarity uint as a decimal string without leading zeros, at most 2^128 - 1. */
export const uintSchema = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,38})$/, 'uint: decimal digits, no leading zeros')
  .transform((s) => BigInt(s))
  .refine((n) => n <= MAX_UINT128, 'uint: above 2^128 - 1');

const hexBytes = (len: number) =>
  z
    .string()
    .length(len * 2)
    .regex(/^[0-9a-f]*$/, 'lower-case hex')
    .transform(fromHex);

export const bytes32Schema = hexBytes(32);
export const signatureSchema = hexBytes(65);

/** A Stacks principal: standard (S + version + c32) or contract (…​.name). */
export const principalSchema = z
  .string()
  .max(150)
  .regex(/^S[0-9A-HJKMNP-TV-Z]{27,41}(\.[a-zA-Z][a-zA-Z0-9-]{0,39})?$/, 'Stacks principal');

export const htlcSchema = z.strictObject({
  hash: bytes32Schema,
  amount: uintSchema,
  expiry: uintSchema,
  offeredByA: z.boolean(),
});

const actionSchema = z.union([
  z.literal(Action.Transfer),
  z.literal(Action.Close),
  z.literal(Action.Deposit),
  z.literal(Action.Withdraw),
]);

export const stateSchema = z
  .strictObject({
    channelId: bytes32Schema,
    nonce: uintSchema,
    balanceA: uintSchema,
    balanceB: uintSchema,
    htlcs: z.array(htlcSchema).max(MAX_HTLCS),
    action: actionSchema,
    actor: principalSchema.nullable(),
    amount: uintSchema,
    validUntil: uintSchema,
    data: bytes32Schema,
  })
  .transform((s): ChannelState => s);

/**
 * One change a proposal asks for, from the proposer's (initiator's) point of view
 * (PROTOCOL §4.1: the proposer is the side whose owed amount may fall). A payment may
 * bind application data; chain states name their valid-until (§4.3).
 */
export const opSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('pay'), amount: uintSchema, data: bytes32Schema.optional() }),
  z.strictObject({ op: z.literal('add'), hash: bytes32Schema, amount: uintSchema, expiry: uintSchema }),
  z.strictObject({ op: z.literal('fulfil'), hash: bytes32Schema, secret: bytes32Schema }),
  z.strictObject({ op: z.literal('fail'), hash: bytes32Schema }),
  z.strictObject({ op: z.literal('deposit'), amount: uintSchema, validUntil: uintSchema }),
  z.strictObject({ op: z.literal('withdraw'), amount: uintSchema, validUntil: uintSchema }),
  z.strictObject({ op: z.literal('close'), validUntil: uintSchema }),
]);
export type Op = z.output<typeof opSchema>;

/** Most ops one proposal may carry (payments fold into one `pay`, HTLCs are ≤ 8 each way). */
export const MAX_OPS = 32;
