// A hand-written fast path for the hot wire messages (proposal, signature, ack), used by
// parseMessage before the zod schemas. It accepts exactly a subset of what the schemas in
// messages.ts/schemas.ts accept and returns the same typed value; for anything it is not
// sure of (another message type, an optional field set to undefined, any failed check)
// it returns null and the zod schema decides, so refusals and their messages are zod's.
// It must never accept a value the schemas refuse: every check below mirrors one there.
import { MAX_HTLCS, MAX_UINT128, type ChannelState, type Htlc } from '../codec/state.js';
import type { AckMessage, Message, ProposalMessage, SignatureMessage } from './messages.js';
import { WIRE_VERSION } from './version.js';
import { MAX_OPS, type Op } from './schemas.js';

type Obj = Record<string, unknown>;

/** A plain object (what JSON.parse makes) whose keys are all in `allowed`, none undefined. */
function plain(x: unknown, allowed: ReadonlySet<string>): x is Obj {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  for (const k in x) {
    if (!Object.prototype.hasOwnProperty.call(x, k)) return false;
    if (!allowed.has(k) || (x as Obj)[k] === undefined) return false;
  }
  return true;
}

const UINT = /^(0|[1-9][0-9]{0,38})$/;
const PRINCIPAL = /^S[0-9A-HJKMNP-TV-Z]{27,41}(\.[a-zA-Z][a-zA-Z0-9-]{0,39})?$/;

/** uintSchema: decimal, no leading zeros, ≤ 2^128 - 1. */
function uint(x: unknown): bigint | null {
  if (typeof x !== 'string' || !UINT.test(x)) return null;
  const n = BigInt(x);
  return n <= MAX_UINT128 ? n : null;
}

/** The value of each lower-case hex digit by char code; -1 for every other character. */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) NIBBLE['0123456789abcdef'.charCodeAt(i)] = i;

/** hexBytes(len): exactly 2·len lower-case hex digits, checked and decoded in one pass. */
function hex(x: unknown, len: number): Uint8Array | null {
  if (typeof x !== 'string' || x.length !== len * 2) return null;
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    const c1 = x.charCodeAt(2 * i);
    const c2 = x.charCodeAt(2 * i + 1);
    const hi = c1 < 128 ? NIBBLE[c1]! : -1;
    const lo = c2 < 128 ? NIBBLE[c2]! : -1;
    if (hi < 0 || lo < 0) return null;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

const HTLC_KEYS = new Set(['hash', 'amount', 'expiry', 'offeredByA']);
const STATE_KEYS = new Set(['channelId', 'nonce', 'balanceA', 'balanceB', 'htlcs', 'action', 'actor', 'amount', 'validUntil', 'data']);

function htlc(x: unknown): Htlc | null {
  if (!plain(x, HTLC_KEYS) || Object.keys(x).length !== HTLC_KEYS.size) return null;
  const hash = hex(x.hash, 32);
  const amount = uint(x.amount);
  const expiry = uint(x.expiry);
  if (hash === null || amount === null || expiry === null || typeof x.offeredByA !== 'boolean') return null;
  return { hash, amount, expiry, offeredByA: x.offeredByA };
}

/** stateSchema. */
function state(x: unknown): ChannelState | null {
  if (!plain(x, STATE_KEYS) || Object.keys(x).length !== STATE_KEYS.size) return null;
  const channelId = hex(x.channelId, 32);
  const nonce = uint(x.nonce);
  const balanceA = uint(x.balanceA);
  const balanceB = uint(x.balanceB);
  const amount = uint(x.amount);
  const validUntil = uint(x.validUntil);
  const data = hex(x.data, 32);
  if (channelId === null || nonce === null || balanceA === null || balanceB === null || amount === null) return null;
  if (validUntil === null || data === null) return null;
  const action = x.action;
  if (action !== 0 && action !== 1 && action !== 2 && action !== 3) return null;
  const actor = x.actor;
  if (actor !== null && (typeof actor !== 'string' || actor.length > 150 || !PRINCIPAL.test(actor))) return null;
  if (!Array.isArray(x.htlcs) || x.htlcs.length > MAX_HTLCS) return null;
  const htlcs: Htlc[] = [];
  for (const h of x.htlcs as unknown[]) {
    const parsed = htlc(h);
    if (parsed === null) return null;
    htlcs.push(parsed);
  }
  return { channelId, nonce, balanceA, balanceB, htlcs, action, actor, amount, validUntil, data };
}

const PAY_OP = new Set(['op', 'amount']);
const CHAIN_OP = new Set(['op', 'amount', 'validUntil']);
const ADD_OP = new Set(['op', 'hash', 'amount', 'expiry']);
const FULFIL_OP = new Set(['op', 'hash', 'secret']);
const HASH_OP = new Set(['op', 'hash']);

/** opSchema. */
function op(x: unknown): Op | null {
  if (typeof x !== 'object' || x === null) return null;
  const kind = (x as Obj).op;
  const keys = (set: Set<string>) => plain(x, set) && Object.keys(x).length === set.size;
  switch (kind) {
    case 'pay': {
      // a payment with data takes the schema's path
      if (!keys(PAY_OP)) return null;
      const amount = uint((x as Obj).amount);
      return amount === null ? null : { op: 'pay', amount };
    }
    case 'deposit':
    case 'withdraw': {
      if (!keys(CHAIN_OP)) return null;
      const amount = uint((x as Obj).amount);
      const validUntil = uint((x as Obj).validUntil);
      return amount === null || validUntil === null ? null : { op: kind, amount, validUntil };
    }
    case 'add': {
      if (!keys(ADD_OP)) return null;
      const o = x as Obj;
      const hash = hex(o.hash, 32);
      const amount = uint(o.amount);
      const expiry = uint(o.expiry);
      return hash === null || amount === null || expiry === null ? null : { op: 'add', hash, amount, expiry };
    }
    case 'fulfil': {
      if (!keys(FULFIL_OP)) return null;
      const o = x as Obj;
      const hash = hex(o.hash, 32);
      const secret = hex(o.secret, 32);
      return hash === null || secret === null ? null : { op: 'fulfil', hash, secret };
    }
    case 'fail': {
      if (!keys(HASH_OP)) return null;
      const hash = hex((x as Obj).hash, 32);
      return hash === null ? null : { op: 'fail', hash };
    }
    default:
      return null;
  }
}

const PROPOSAL_KEYS = new Set(['v', 'type', 'state', 'ops', 'tag', 'prevSig']);
const SIGNATURE_KEYS = new Set(['v', 'type', 'channelId', 'nonce', 'hash', 'sig', 'first', 'state', 'tag']);
const ACK_KEYS = new Set(['v', 'type', 'channelId', 'nonce', 'hash']);

function proposal(x: Obj): ProposalMessage | null {
  if (!plain(x, PROPOSAL_KEYS)) return null;
  const s = state(x.state);
  const tag = hex(x.tag, 32);
  if (s === null || tag === null) return null;
  if (!Array.isArray(x.ops) || x.ops.length < 1 || x.ops.length > MAX_OPS) return null;
  const ops: Op[] = [];
  for (const o of x.ops as unknown[]) {
    const parsed = op(o);
    if (parsed === null) return null;
    ops.push(parsed);
  }
  const m: ProposalMessage = { v: WIRE_VERSION, type: 'proposal', state: s, ops, tag };
  if ('prevSig' in x) {
    const prevSig = hex(x.prevSig, 65);
    if (prevSig === null) return null;
    m.prevSig = prevSig;
  }
  return m;
}

function signature(x: Obj): SignatureMessage | null {
  if (!plain(x, SIGNATURE_KEYS)) return null;
  const channelId = hex(x.channelId, 32);
  const nonce = uint(x.nonce);
  const hash = hex(x.hash, 32);
  const sig = hex(x.sig, 65);
  if (channelId === null || nonce === null || hash === null || sig === null || typeof x.first !== 'boolean') return null;
  const m: SignatureMessage = { v: WIRE_VERSION, type: 'signature', channelId, nonce, hash, sig, first: x.first };
  if ('state' in x) {
    const s = state(x.state);
    if (s === null) return null;
    m.state = s;
  }
  if ('tag' in x) {
    const tag = hex(x.tag, 32);
    if (tag === null) return null;
    m.tag = tag;
  }
  return m;
}

function ack(x: Obj): AckMessage | null {
  if (!plain(x, ACK_KEYS) || Object.keys(x).length !== ACK_KEYS.size) return null;
  const channelId = hex(x.channelId, 32);
  const nonce = uint(x.nonce);
  const hash = hex(x.hash, 32);
  if (channelId === null || nonce === null || hash === null) return null;
  return { v: WIRE_VERSION, type: 'ack', channelId, nonce, hash };
}

/**
 * The typed message if `value` is a well-formed proposal, signature or ack of wire
 * the current wire version; null when the zod schema must decide (it may still accept it).
 */
export function fastParseMessage(value: unknown): Message | null {
  if (typeof value !== 'object' || value === null) return null;
  const x = value as Obj;
  if (x.v !== WIRE_VERSION) return null;
  switch (x.type) {
    case 'proposal':
      return proposal(x);
    case 'signature':
      return signature(x);
    case 'ack':
      return ack(x);
    default:
      return null;
  }
}
