// The node story's numbers and what they must come to: the deposits, the stream, Carol's
// invoice paid through Bob, Alice's STX-for-sBTC swap with Bob, the withdraw, the payments Bob makes after his "backup", the
// Bob–Carol channel, and each party's on-chain gain at the end (fees aside). Every step
// and the summary check the nodes and the chain against this. Pure.
import { hintFee } from '../../invoice/sign.js';
import { NODE_DEFAULTS } from '../../node/config.js';
import { MICRO_STX } from '../plan.js';

export interface NodePlan {
  readonly payments: number;
  /** µSTX per streamed payment (Alice → Bob, STX channel) */
  readonly payment: bigint;
  /** sBTC payments streamed alongside (Alice → Bob), and sats each */
  readonly sbtcPayments: number;
  readonly sbtcPayment: bigint;
  readonly aliceStx: bigint;
  readonly bobStx: bigint;
  readonly aliceSbtc: bigint;
  readonly bobSbtc: bigint;
  readonly faucetSbtc: bigint;
  /** Alice takes this out of the STX channel on-chain, the channel staying open */
  readonly withdraw: bigint;
  /** after his node's data directory is copied, Bob pays Alice this many payments of `refund` */
  readonly refunds: number;
  readonly refund: bigint;
  /** Carol's invoice, which Alice pays through Bob's node (Bob forwards at the node's default fee) */
  readonly viaBob: bigint;
  /** Bob's deposit in the Bob–Carol channel, and what he pays Carol in `toCarolPayments` payments */
  readonly bobCarol: bigint;
  readonly toCarol: bigint;
  readonly toCarolPayments: number;
  /** sats Alice buys from Bob for STX, at Bob's rate (µSTX per sat): both channels, one hash */
  readonly swapSats: bigint;
  readonly swapRate: bigint;
  /** calls Alice's node pays to Bob's paid API (x402), and µSTX each, on the STX channel */
  readonly apiCalls: number;
  readonly apiPrice: bigint;
}

export function nodePlanFor(payments: number): NodePlan {
  const payment = 1_000n;
  return {
    payments,
    payment,
    sbtcPayments: Math.max(1, Math.min(500, Math.floor(payments / 20))),
    sbtcPayment: 1_000n,
    aliceStx: BigInt(payments) * payment + 20n * MICRO_STX,
    bobStx: 20n * MICRO_STX,
    aliceSbtc: 5_000_000n,
    bobSbtc: 1_000_000n,
    faucetSbtc: 10_000_000n,
    withdraw: 3n * MICRO_STX,
    refunds: 5,
    refund: 200_000n,
    viaBob: 1n * MICRO_STX,
    bobCarol: 10n * MICRO_STX,
    toCarol: 2_500_000n,
    toCarolPayments: 25,
    swapSats: 2_000n,
    swapRate: 3_000n,
    apiCalls: 50,
    apiPrice: 2_000n,
  };
}

export interface Split {
  /** Alice (or the opener) */
  readonly a: bigint;
  /** Bob (or the peer) */
  readonly b: bigint;
}

/** The STX channel after the stream. */
export function stxAfterStream(p: NodePlan): Split {
  const streamed = BigInt(p.payments) * p.payment + BigInt(p.apiCalls) * p.apiPrice;
  return { a: p.aliceStx - streamed, b: p.bobStx + streamed };
}

/** Bob's fee for forwarding Carol's invoice: the node's default policy. */
export function bobFee(p: NodePlan): bigint {
  return hintFee(p.viaBob, { feeBase: BigInt(NODE_DEFAULTS.feeBase), feePpm: NODE_DEFAULTS.feePpm });
}

/** What Alice pays for her sats: Bob's rate. */
export const swapPrice = (p: NodePlan): bigint => p.swapSats * p.swapRate;

/** The STX channel after the stream, Carol's invoice (amount + Bob's fee), the swap and the withdraw: Bob's "backup" holds this state. */
export function stxAtBackup(p: NodePlan): Split {
  const s = stxAfterStream(p);
  const invoice = p.viaBob + bobFee(p);
  return { a: s.a - invoice - swapPrice(p) - p.withdraw, b: s.b + invoice + swapPrice(p) };
}

/** The STX channel's newest state: after Bob's refunds, which his backup does not hold. */
export function stxNewest(p: NodePlan): Split {
  const s = stxAtBackup(p);
  const back = BigInt(p.refunds) * p.refund;
  return { a: s.a + back, b: s.b - back };
}

/** The sBTC channel at its cooperative close: the stream, then the sats Alice bought. */
export function sbtcAtClose(p: NodePlan): Split {
  const paid = BigInt(p.sbtcPayments) * p.sbtcPayment;
  return { a: p.aliceSbtc - paid + p.swapSats, b: p.bobSbtc + paid - p.swapSats };
}

/** The Bob–Carol channel at Bob's force close (a = Bob, b = Carol): the forwarded invoice, then Bob's payments. */
export function bobCarolAtClose(p: NodePlan): Split {
  return { a: p.bobCarol - p.viaBob - p.toCarol, b: p.viaBob + p.toCarol };
}

/**
 * Each party's on-chain gain by the end, fees aside. Bob closes the STX channel with his
 * stale backup; Alice's challenge proves it revoked and the penalty (PROTOCOL 6.3) pays
 * her the whole newest state: so Alice gains Bob's deposit and Bob loses it.
 */
export function expectedNodeDeltas(p: NodePlan): Record<'alice' | 'bob' | 'carol', { stx: bigint; sbtc: bigint }> {
  const newest = stxNewest(p);
  const sb = sbtcAtClose(p);
  const bc = bobCarolAtClose(p);
  return {
    alice: { stx: -p.aliceStx + p.withdraw + newest.a + newest.b, sbtc: -p.aliceSbtc + sb.a },
    bob: { stx: -p.bobStx - p.bobCarol + bc.a, sbtc: -p.bobSbtc + sb.b },
    carol: { stx: bc.b, sbtc: 0n },
  };
}
