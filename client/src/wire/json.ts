// The JSON form of protocol values, shared by the wire messages and the durable store:
// bigints as decimal strings, bytes as lower-case hex. Encoding only trusts typed
// values; decoding goes through the zod schemas in schemas.ts (or fast-parse.ts, their
// exact subset for the hot messages).
import type { ChannelState, Htlc } from '../codec/state.js';

export interface HtlcJson {
  hash: string;
  amount: string;
  expiry: string;
  offeredByA: boolean;
}

export interface StateJson {
  channelId: string;
  nonce: string;
  balanceA: string;
  balanceB: string;
  htlcs: HtlcJson[];
  action: number;
  actor: string | null;
  amount: string;
  validUntil: string;
  data: string;
}

/** The two hex digits of each byte value, as char codes. */
const HEX_CODES = new Uint16Array(512);
for (let i = 0; i < 256; i++) {
  const digits = i.toString(16).padStart(2, '0');
  HEX_CODES[2 * i] = digits.charCodeAt(0);
  HEX_CODES[2 * i + 1] = digits.charCodeAt(1);
}

/** Longest input turned into one String.fromCharCode call (argument-count limits). */
const CHUNK = 4096;

/**
 * Lower-case hex of `bytes`. Built from char codes in one call rather than by appending
 * two digits at a time: appending makes a chain of hundreds of string pieces that every
 * later join, pipe write or postMessage must walk (that cost the hub benchmark more than
 * the encoding itself).
 */
export function toHex(bytes: Uint8Array): string {
  if (bytes.length > CHUNK) {
    let s = '';
    for (let at = 0; at < bytes.length; at += CHUNK) s += toHex(bytes.subarray(at, at + CHUNK));
    return s;
  }
  const codes = new Array<number>(bytes.length * 2);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    codes[2 * i] = HEX_CODES[2 * b]!;
    codes[2 * i + 1] = HEX_CODES[2 * b + 1]!;
  }
  return String.fromCharCode(...codes);
}

const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) NIBBLE['0123456789abcdef'.charCodeAt(i)] = i;

/** Lower-case hex to bytes; callers validate the alphabet and length first (schemas do). */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) {
    out[i] = (NIBBLE[hex.charCodeAt(2 * i)]! << 4) | NIBBLE[hex.charCodeAt(2 * i + 1)]!;
  }
  return out;
}

export function htlcToJson(h: Htlc): HtlcJson {
  return { hash: toHex(h.hash), amount: h.amount.toString(), expiry: h.expiry.toString(), offeredByA: h.offeredByA };
}

export function stateToJson(s: ChannelState): StateJson {
  return {
    channelId: toHex(s.channelId),
    nonce: s.nonce.toString(),
    balanceA: s.balanceA.toString(),
    balanceB: s.balanceB.toString(),
    htlcs: s.htlcs.map(htlcToJson),
    action: s.action,
    actor: s.actor,
    amount: s.amount.toString(),
    validUntil: s.validUntil.toString(),
    data: toHex(s.data),
  };
}
