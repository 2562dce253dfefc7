// The payer's side of a payment, signed before a benchmark's window opens, so that a
// load generator spends its CPU on the wire and none on signatures: for each nonce, the
// proposal (pay 1) and the payer's last signature, as wire text. Used by the replaying
// load generators of hub-capacity.ts (b2, over pipes) and ws-replay.ts (w2r, over ws).
// Not part of the client library.
import { Action, type ChannelState } from '../src/codec/state.js';
import { domainHash, stateHash } from '../src/codec/sip018.js';
import type { CryptoBackend } from '../src/crypto/backend.js';
import { WIRE_VERSION, encodeMessage } from '../src/wire/messages.js';
import { DOMAIN, channelIdOf, openingState } from '../../tests/client/fixtures/peers.js';

export interface Presigned {
  /** index n: the proposal of state n (index 0 unused) */
  readonly proposals: string[];
  /** index n: the payer's last signature on state n */
  readonly lasts: string[];
  /** index n: the hash of state n, to check the hub's signature on it afterwards */
  readonly hashes: Uint8Array[];
}

/** The payer's state `nonce` of channel `seed` after `nonce` payments of 1 from `opening`. */
function payerState(seed: number, opening: bigint, nonce: number): ChannelState {
  const n = BigInt(nonce);
  return { ...openingState(channelIdOf(seed), opening), nonce: n, balanceA: opening - n, balanceB: n, action: Action.Transfer };
}

/** Nonces 1..ahead of channel `seed`, signed by `payerKey` (side a) on `signer`. */
export function presign(signer: CryptoBackend, payerKey: Uint8Array, seed: number, opening: bigint, ahead: number): Presigned {
  const dh = domainHash(DOMAIN);
  const out: Presigned = { proposals: [''], lasts: [''], hashes: [new Uint8Array(32)] };
  const tag = new Uint8Array(32).fill(0x5a);
  for (let n = 1; n <= ahead; n++) {
    const state = payerState(seed, opening, n);
    const hash = stateHash(state, dh);
    out.hashes.push(hash);
    out.proposals.push(encodeMessage({ v: WIRE_VERSION, type: 'proposal', state, ops: [{ op: 'pay', amount: 1n }], tag }));
    out.lasts.push(encodeMessage({
      v: WIRE_VERSION, type: 'signature', channelId: state.channelId, nonce: state.nonce, hash, sig: signer.sign(hash, payerKey), first: false,
    }));
  }
  return out;
}
