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
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!];
  return s;
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
  };
}
