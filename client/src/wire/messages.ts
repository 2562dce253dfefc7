// The versioned wire messages of the two-party protocol (contracts/PROTOCOL.md §4–5):
// proposal, signature, HTLC secret, expire request, error, ack. `parseMessage` is the
// only way bytes from a peer become a typed message; `encodeMessage` the only way one
// leaves. No protocol rules here: a message that parses may still be refused by the
// channel.
import { z } from 'zod';
import type { ChannelState } from '../codec/state.js';
import { stateToJson, toHex, type StateJson } from './json.js';
import { stateJsonText } from './json-text.js';
import { bytes32Schema, MAX_OPS, opSchema, signatureSchema, stateSchema, uintSchema, type Op } from './schemas.js';
import { WireCode, WireError } from './errors.js';
import { fastParseMessage } from './fast-parse.js';
import { WIRE_VERSION } from './version.js';

export { WIRE_VERSION };
/** Larger messages are refused before JSON.parse (a full proposal is ~3 kB). */
export const MAX_MESSAGE_BYTES = 64 * 1024;

const v = z.literal(WIRE_VERSION);

const proposalSchema = z.strictObject({
  v,
  type: z.literal('proposal'),
  state: stateSchema,
  ops: z.array(opSchema).min(1).max(MAX_OPS),
  /** HMAC by the proposer over the state hash: lets it recognise its own proposal after a crash */
  tag: bytes32Schema,
  /** the proposer's signature on the state before this one, when the peer may lack it */
  prevSig: signatureSchema.optional(),
});

const signatureMessageSchema = z.strictObject({
  v,
  type: z.literal('signature'),
  channelId: bytes32Schema,
  nonce: uintSchema,
  hash: bytes32Schema,
  sig: signatureSchema,
  /** true for the first signature on a state (the responder's), false for the last */
  first: z.boolean(),
  /** on a retransmitted first signature: the state and the proposer's tag */
  state: stateSchema.optional(),
  tag: bytes32Schema.optional(),
});

const secretSchema = z.strictObject({
  v,
  type: z.literal('secret'),
  channelId: bytes32Schema,
  hash: bytes32Schema,
  secret: bytes32Schema,
});

/** The offerer of an HTLC past its expiry asks the receiver to propose its removal (PROTOCOL §4.1). */
const expireSchema = z.strictObject({
  v,
  type: z.literal('expire'),
  channelId: bytes32Schema,
  hash: bytes32Schema,
});

const errorSchema = z.strictObject({
  v,
  type: z.literal('error'),
  channelId: bytes32Schema.optional(),
  nonce: uintSchema.optional(),
  /** the tag of the proposal refused, so a late error cannot hit a newer proposal */
  ref: bytes32Schema.optional(),
  code: z.string().regex(/^[A-Z0-9_]{1,64}$/),
  message: z.string().max(500),
});

const ackSchema = z.strictObject({
  v,
  type: z.literal('ack'),
  channelId: bytes32Schema,
  nonce: uintSchema,
  hash: bytes32Schema,
});

export const messageSchema = z.discriminatedUnion('type', [
  proposalSchema,
  signatureMessageSchema,
  secretSchema,
  expireSchema,
  errorSchema,
  ackSchema,
]);

export type Message = z.output<typeof messageSchema>;
export type ProposalMessage = z.output<typeof proposalSchema>;
export type SignatureMessage = z.output<typeof signatureMessageSchema>;
export type SecretMessage = z.output<typeof secretSchema>;
export type ExpireMessage = z.output<typeof expireSchema>;
export type ErrorMessage = z.output<typeof errorSchema>;
export type AckMessage = z.output<typeof ackSchema>;
export type { Op };

/** The channel a message is about (an error may be about none). */
export function messageChannelId(m: Message): Uint8Array | undefined {
  return m.type === 'proposal' ? m.state.channelId : m.channelId;
}

/** Parse a peer's message: JSON text or an already-parsed value. Throws WireError. */
export function parseMessage(input: unknown): Message {
  let value = input;
  if (typeof input === 'string') {
    if (input.length > MAX_MESSAGE_BYTES) {
      throw new WireError(WireCode.TooLarge, 'message too large', { details: { length: input.length } });
    }
    try {
      value = JSON.parse(input);
    } catch (cause) {
      throw new WireError(WireCode.Malformed, 'message is not JSON', { cause });
    }
  }
  if (typeof value === 'object' && value !== null && 'v' in value && (value as { v: unknown }).v !== WIRE_VERSION) {
    throw new WireError(WireCode.UnsupportedVersion, 'unsupported wire version', {
      details: { version: (value as { v: unknown }).v },
    });
  }
  // the hot messages in their exact well-formed shape skip zod; everything else, and every
  // refusal, goes through the schema
  const fast = fastParseMessage(value);
  if (fast !== null) return fast;
  const r = messageSchema.safeParse(value);
  if (!r.success) {
    throw new WireError(WireCode.Malformed, 'message does not fit the schema', {
      details: { issues: r.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) },
    });
  }
  return r.data;
}

type OpJson = { op: string } & Record<string, string>;

function opToJson(op: Op): OpJson {
  switch (op.op) {
    case 'pay':
      return op.data === undefined ? { op: 'pay', amount: op.amount.toString() } : { op: 'pay', amount: op.amount.toString(), data: toHex(op.data) };
    case 'deposit':
    case 'withdraw':
      return { op: op.op, amount: op.amount.toString(), validUntil: op.validUntil.toString() };
    case 'add':
      return { op: 'add', hash: toHex(op.hash), amount: op.amount.toString(), expiry: op.expiry.toString() };
    case 'fulfil':
      return { op: 'fulfil', hash: toHex(op.hash), secret: toHex(op.secret) };
    case 'fail':
      return { op: 'fail', hash: toHex(op.hash) };
    case 'close':
      return { op: 'close', validUntil: op.validUntil.toString() };
  }
}

type Json = string | number | boolean | null | StateJson | OpJson[] | undefined;

/** The JSON value of a message (inverse of parseMessage). */
export function messageToJson(m: Message): Record<string, Json> {
  switch (m.type) {
    case 'proposal':
      return {
        v: m.v,
        type: m.type,
        state: stateToJson(m.state),
        ops: m.ops.map(opToJson),
        tag: toHex(m.tag),
        prevSig: m.prevSig === undefined ? undefined : toHex(m.prevSig),
      };
    case 'signature':
      return {
        v: m.v,
        type: m.type,
        channelId: toHex(m.channelId),
        nonce: m.nonce.toString(),
        hash: toHex(m.hash),
        sig: toHex(m.sig),
        first: m.first,
        state: m.state === undefined ? undefined : stateToJson(m.state),
        tag: m.tag === undefined ? undefined : toHex(m.tag),
      };
    case 'secret':
      return { v: m.v, type: m.type, channelId: toHex(m.channelId), hash: toHex(m.hash), secret: toHex(m.secret) };
    case 'expire':
      return { v: m.v, type: m.type, channelId: toHex(m.channelId), hash: toHex(m.hash) };
    case 'error':
      return {
        v: m.v,
        type: m.type,
        channelId: m.channelId === undefined ? undefined : toHex(m.channelId),
        nonce: m.nonce === undefined ? undefined : m.nonce.toString(),
        ref: m.ref === undefined ? undefined : toHex(m.ref),
        code: m.code,
        message: m.message,
      };
    case 'ack':
      return { v: m.v, type: m.type, channelId: toHex(m.channelId), nonce: m.nonce.toString(), hash: toHex(m.hash) };
  }
}

/** The JSON text of a message. */
export function encodeMessage(m: Message): string {
  // the messages of every payment are written directly; same text as the generic path
  switch (m.type) {
    case 'proposal': {
      let ops = '';
      for (let i = 0; i < m.ops.length; i++) ops += (i > 0 ? ',' : '') + JSON.stringify(opToJson(m.ops[i]!));
      const prev = m.prevSig === undefined ? '' : `,"prevSig":"${toHex(m.prevSig)}"`;
      return `{"v":${m.v},"type":"proposal","state":${stateJsonText(m.state)},"ops":[${ops}],"tag":"${toHex(m.tag)}"${prev}}`;
    }
    case 'signature': {
      const state = m.state === undefined ? '' : `,"state":${stateJsonText(m.state)}`;
      const tag = m.tag === undefined ? '' : `,"tag":"${toHex(m.tag)}"`;
      return (
        `{"v":${m.v},"type":"signature","channelId":"${toHex(m.channelId)}","nonce":"${m.nonce}","hash":"${toHex(m.hash)}",` +
        `"sig":"${toHex(m.sig)}","first":${m.first}${state}${tag}}`
      );
    }
    case 'ack':
      return `{"v":${m.v},"type":"ack","channelId":"${toHex(m.channelId)}","nonce":"${m.nonce}","hash":"${toHex(m.hash)}"}`;
    default:
      return JSON.stringify(messageToJson(m));
  }
}

export type { ChannelState };
