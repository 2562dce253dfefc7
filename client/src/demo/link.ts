// Both ends of one channel as the demo runs them: a Channel (client/src/channel) for
// each participant, connected by the in-memory transport pair, each with its party's
// store, signer and secret book. The link tells both ends what the chain says (an
// on-chain state mined at a burn height, the tip moving) and can wait until both ends
// hold the same newest state. It moves no funds and touches no chain itself.
import { openingState, type Htlc } from '../codec/state.js';
import type { Domain } from '../codec/sip018.js';
import { Channel, type ChannelConfig } from '../channel/channel.js';
import { backendVerifier } from '../channel/verify.js';
import type { SignedState as ChainSignedState } from '../chain/signed.js';
import type { SignedState } from '../store/types.js';
import { fullySigned } from '../watchtower/sources.js';
import { memoryPair, type MemoryEnd } from '../wire/memory-transport.js';
import { DemoCheckError } from './errors.js';
import type { PartyNode } from './node.js';
import type { Plan } from './plan.js';

export interface LinkOptions {
  readonly channelId: Uint8Array;
  /** the token contract, null for STX */
  readonly token: string | null;
  readonly a: PartyNode;
  readonly b: PartyNode;
  /** participant-a's deposit at creation (the implicit opening state) */
  readonly opening: bigint;
  readonly domain: Domain;
  readonly plan: Plan;
  /** the chain's heights now */
  readonly heights: Heights;
}

/** The chain's clocks: burn blocks, and tenures (HTLC expiries count tenures). */
export interface Heights {
  readonly burn: bigint;
  readonly tenure: bigint;
}

const sameBytes = (x: Uint8Array, y: Uint8Array) => x.length === y.length && x.every((v, i) => v === y[i]);

export class Link {
  readonly channelId: Uint8Array;
  readonly token: string | null;
  readonly a: PartyNode;
  readonly b: PartyNode;
  private constructor(
    o: LinkOptions,
    readonly sideA: Channel,
    readonly sideB: Channel,
    private readonly ends: readonly [MemoryEnd, MemoryEnd],
  ) {
    this.channelId = o.channelId;
    this.token = o.token;
    this.a = o.a;
    this.b = o.b;
  }

  /** Open both ends at the channel's on-chain opening state (nonce 0, a's deposit). */
  static async open(o: LinkOptions): Promise<Link> {
    const [endA, endB] = memoryPair();
    const initial = openingState(o.channelId, o.opening);
    const config = (self: PartyNode, other: PartyNode, role: 'a' | 'b', transport: MemoryEnd): ChannelConfig => ({
      channelId: o.channelId,
      role,
      domain: o.domain,
      participants: { a: o.a.party.address, b: o.b.party.address },
      signer: self.signer,
      counterpartyKeys: [other.publicKey],
      verifier: backendVerifier(self.backend),
      store: self.store,
      transport,
      window: o.plan.window,
      safetyDelta: o.plan.safetyDelta,
      burnHeight: o.heights.burn,
      tenureHeight: o.heights.tenure,
      onSignature: () => {
        self.counters.signatures++;
      },
      onSecret: (hash, secret) => self.secrets.learn(hash, secret),
    });
    const sideA = await Channel.open(config(o.a, o.b, 'a', endA), initial);
    const sideB = await Channel.open(config(o.b, o.a, 'b', endB), initial);
    return new Link(o, sideA, sideB, [endA, endB]);
  }

  /** The end `node` runs. */
  side(node: PartyNode): Channel {
    if (node === this.a) return this.sideA;
    if (node === this.b) return this.sideB;
    throw new DemoCheckError('link', `${node.party.label} is not in this channel`);
  }

  /** The on-chain call carrying state `nonce` was mined at `burnHeight`; the tip is at `tip`. */
  confirmed(nonce: bigint, burnHeight: bigint, tip: Heights): void {
    for (const c of [this.sideA, this.sideB]) {
      c.confirmOnChain(nonce, burnHeight);
      c.setChainTime({ burnHeight: tip.burn, tenureHeight: tip.tenure });
    }
  }

  tip(tip: Heights): void {
    for (const c of [this.sideA, this.sideB]) c.setChainTime({ burnHeight: tip.burn, tenureHeight: tip.tenure });
  }

  /** Both ends hold the same fully signed newest state and have nothing in flight (bounded wait). */
  async settled(timeoutMs = 30_000): Promise<SignedState> {
    const start = Date.now();
    for (;;) {
      const x = this.sideA.latest;
      const y = this.sideB.latest;
      if (!this.sideA.busy && !this.sideB.busy && sameBytes(x.hash, y.hash)) return x;
      if (Date.now() - start > timeoutMs) {
        throw new DemoCheckError('link', `channel ends did not settle: a at nonce ${x.state.nonce}, b at ${y.state.nonce}`);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /** The newest fully signed state as the contract takes it. */
  static forChain(s: SignedState): ChainSignedState {
    const signed = fullySigned(s);
    if (signed === null) throw new DemoCheckError('link', `state ${s.state.nonce} is not signed by both participants`);
    return signed;
  }

  close(): void {
    this.sideA.close();
    this.sideB.close();
    for (const e of this.ends) e.close();
  }
}

/** Does the list hold an HTLC on `hash` of `amount`, offered by a (or by b)? */
export function holdsHtlc(htlcs: readonly Htlc[], hash: Uint8Array, amount: bigint, offeredByA: boolean): boolean {
  return htlcs.some((h) => sameBytes(h.hash, hash) && h.amount === amount && h.offeredByA === offeredByA);
}
