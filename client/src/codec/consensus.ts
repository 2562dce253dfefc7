// Hand-written Clarity consensus encoder for the fixed state tuple (PROTOCOL §3). It
// writes the bytes serializeCVBytes(stateToClarity(state)) writes, some 40× faster:
// at several thousand states per second the generic path cost more than a native
// signature (see client/bench/crypto.ts). Tested byte for byte against serializeCVBytes
// and the contract's to-consensus-buff? in tests/client/codec.test.ts. Any change to
// the state's shape must change stateToClarity and this file together.
//
// Layout: tuple keys in Clarity's order (bytewise: action, actor, amount, balance-a,
// balance-b, channel-id, data, htlcs, nonce, valid-until; HTLC: amount, expiry, hash,
// offered-by-a).
import { StateCodecError } from './errors.js';
import { principalBytes } from './principal.js';
import type { ChannelState } from './state.js';
import { validateState } from './validate.js';

const TYPE_UINT = 0x01;
const TYPE_BUFFER = 0x02;
const TYPE_TRUE = 0x03;
const TYPE_FALSE = 0x04;
const TYPE_NONE = 0x09;
const TYPE_SOME = 0x0a;
const TYPE_LIST = 0x0b;
const TYPE_TUPLE = 0x0c;

const ascii = (s: string) => Uint8Array.from([s.length, ...Array.from(s, (c) => c.charCodeAt(0))]);
const K = {
  action: ascii('action'),
  actor: ascii('actor'),
  amount: ascii('amount'),
  balanceA: ascii('balance-a'),
  balanceB: ascii('balance-b'),
  channelId: ascii('channel-id'),
  data: ascii('data'),
  htlcs: ascii('htlcs'),
  nonce: ascii('nonce'),
  validUntil: ascii('valid-until'),
  expiry: ascii('expiry'),
  hash: ascii('hash'),
  offeredByA: ascii('offered-by-a'),
};

const MASK64 = (1n << 64n) - 1n;
/** Bytes of one HTLC tuple: header 5, amount 7+17, expiry 7+17, hash 5+37, offered-by-a 13+1. */
const HTLC_SIZE = 5 + 24 + 24 + 42 + 14;
/** Bytes of the state without its actor's principal and HTLCs. */
const FIXED_SIZE = 5 + (7 + 17) + (6 + 1) + (7 + 17) + 2 * (10 + 17) + (11 + 37) + (5 + 37) + (6 + 5) + (6 + 17) + (12 + 17);

class Writer {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  at = 0;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  byte(b: number) {
    this.bytes[this.at++] = b;
  }
  raw(b: Uint8Array) {
    this.bytes.set(b, this.at);
    this.at += b.length;
  }
  u32(n: number) {
    this.view.setUint32(this.at, n);
    this.at += 4;
  }
  uint(x: bigint) {
    this.byte(TYPE_UINT);
    this.view.setBigUint64(this.at, x >> 64n);
    this.view.setBigUint64(this.at + 8, x & MASK64);
    this.at += 16;
  }
  buff32(b: Uint8Array) {
    this.byte(TYPE_BUFFER);
    this.u32(32);
    this.raw(b);
  }
  tuple(count: number) {
    this.byte(TYPE_TUPLE);
    this.u32(count);
  }
}

/** The consensus bytes of a state's tuple; validates the state first (StateCodecError). */
export function encodeStateConsensus(state: ChannelState): Uint8Array {
  validateState(state);
  const actor = state.actor === null ? null : principalBytes(state.actor);
  if (state.actor !== null && actor === null)
    throw new StateCodecError('STATE_BAD_PRINCIPAL', 'actor must be a valid Stacks principal or null');
  const w = new Writer(FIXED_SIZE + (actor === null ? 0 : actor.length) + state.htlcs.length * HTLC_SIZE);
  w.tuple(10);
  w.raw(K.action);
  w.uint(BigInt(state.action));
  w.raw(K.actor);
  if (actor === null) w.byte(TYPE_NONE);
  else {
    w.byte(TYPE_SOME);
    w.raw(actor);
  }
  w.raw(K.amount);
  w.uint(state.amount);
  w.raw(K.balanceA);
  w.uint(state.balanceA);
  w.raw(K.balanceB);
  w.uint(state.balanceB);
  w.raw(K.channelId);
  w.buff32(state.channelId);
  w.raw(K.data);
  w.buff32(state.data);
  w.raw(K.htlcs);
  w.byte(TYPE_LIST);
  w.u32(state.htlcs.length);
  for (const h of state.htlcs) {
    w.tuple(4);
    w.raw(K.amount);
    w.uint(h.amount);
    w.raw(K.expiry);
    w.uint(h.expiry);
    w.raw(K.hash);
    w.buff32(h.hash);
    w.raw(K.offeredByA);
    w.byte(h.offeredByA ? TYPE_TRUE : TYPE_FALSE);
  }
  w.raw(K.nonce);
  w.uint(state.nonce);
  w.raw(K.validUntil);
  w.uint(state.validUntil);
  if (w.at !== w.bytes.length) throw new Error(`consensus encoder size mismatch: ${w.at} != ${w.bytes.length}`);
  return w.bytes;
}
