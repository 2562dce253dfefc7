// The payer's side of a payment, signed before a benchmark's window opens, so that a
// load generator spends its CPU on the wire and none on signatures: for each nonce, the
// proposal (pay 1) and the payer's last signature, as wire text; and the replayer that
// plays them to a hub. Used by hub-capacity.ts (b2, over pipes) and ws-replay.ts (w2r,
// over ws).
// Not part of the client library.
import { Action, type ChannelState } from '../src/codec/state.js';
import { domainHash, stateHash } from '../src/codec/sip018.js';
import type { CryptoBackend } from '../src/crypto/backend.js';
import type { SignatureVerifier } from '../src/channel/verify.js';
import { WIRE_VERSION, encodeMessage } from '../src/wire/messages.js';
import { fromHex } from '../src/wire/json.js';
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

/** A hub's answer to the replayer, as parsed JSON. */
export interface HubReply { type?: string; nonce?: string; sig?: string; first?: boolean; code?: string; message?: string }

/**
 * Drives hub channels with presigned states, as a payer does: a proposal; on the hub's
 * first signature, the last one and at once the next proposal; a payment counts (with
 * its latency) when the hub's ack arrives while measuring. `send(c, text)` writes
 * channel c's message. The hub's signatures are kept to be checked after the window.
 */
export class Replayer {
  readonly firstSigs: { channel: number; nonce: number; sig: Uint8Array }[] = [];
  readonly lat: number[] = [];
  readonly errors: string[] = [];
  running = true;
  measuring = false;
  count = 0;
  exhausted = 0;
  private readonly next: number[];
  private readonly proposedAt: Float64Array[];

  constructor(private readonly prepared: readonly Presigned[], private readonly ahead: number, private readonly send: (c: number, text: string) => void) {
    this.next = new Array<number>(prepared.length).fill(1);
    this.proposedAt = prepared.map(() => new Float64Array(ahead + 1));
  }

  propose(c: number): void {
    const n = this.next[c]!;
    if (n > this.ahead) {
      this.exhausted++;
      return;
    }
    this.proposedAt[c]![n] = performance.now();
    this.send(c, this.prepared[c]!.proposals[n]!);
  }

  onReply(c: number, m: HubReply): void {
    const n = this.next[c]!;
    if (m.type === 'signature' && m.first === true && Number(m.nonce) === n) {
      this.firstSigs.push({ channel: c, nonce: n, sig: fromHex(m.sig!) });
      this.send(c, this.prepared[c]!.lasts[n]!);
      this.next[c] = n + 1;
      if (this.running) this.propose(c);
    } else if (m.type === 'ack') {
      // the hub stored state `nonce` fully signed: that payment is done
      if (this.measuring) {
        this.count++;
        this.lat.push(performance.now() - this.proposedAt[c]![Number(m.nonce)]!);
      }
    } else if (m.type === 'error' && this.errors.length < 5) this.errors.push(`${m.code}: ${m.message}`);
  }

  /** Check every signature the hub released against `hubKey`; how many verified. */
  verify(verifier: SignatureVerifier, hubKey: Uint8Array): number {
    let verified = 0;
    for (const f of this.firstSigs) {
      if (verifier.verify(this.prepared[f.channel]!.hashes[f.nonce]!, f.sig, [hubKey])) verified++;
      else if (this.errors.length < 5) this.errors.push(`hub signature on channel ${f.channel} nonce ${f.nonce} does not verify`);
    }
    if (this.exhausted > 0) this.errors.push(`${this.exhausted} proposals not sent: states signed ahead ran out`);
    return verified;
  }
}
