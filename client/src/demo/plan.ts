// The story's numbers and the protocol's arithmetic on them: what each channel holds
// after each step, and what each party must have gained or lost on-chain at the end.
// Every step checks its outcome against this plan, and the summary checks the chain's
// balances against it, so a wrong payout anywhere fails the demo. Pure.

/** µSTX per STX and satoshis per sBTC. */
export const MICRO_STX = 1_000_000n;
export const SATS = 100_000_000n;

export interface Plan {
  readonly payments: number;
  /** µSTX per streamed payment */
  readonly payment: bigint;
  /** Alice's and Bob's deposits in the Alice–Bob STX channel (µSTX) */
  readonly aliceStx: bigint;
  readonly bobStx: bigint;
  /** Alice's and Bob's deposits in the Alice–Bob sBTC channel (sats) */
  readonly aliceSbtc: bigint;
  readonly bobSbtc: bigint;
  /** sBTC the faucet gives Alice and Bob before the story starts */
  readonly faucetSbtc: bigint;
  /** Bob's deposit in the Bob–Carol channel (µSTX) */
  readonly bobCarol: bigint;
  /** the multi-hop payment Alice → Bob → Carol (µSTX) */
  readonly hop: bigint;
  /** the swap: Bob's STX for Alice's sBTC */
  readonly swapStx: bigint;
  readonly swapSbtc: bigint;
  /** dispute window (burn blocks) and the HTLC safety delta (tenures) */
  readonly window: bigint;
  readonly safetyDelta: bigint;
}

export function planFor(payments: number): Plan {
  const payment = 1_000n;
  return {
    payments,
    payment,
    // enough for every streamed payment, the hop, and a margin
    aliceStx: BigInt(payments) * payment + 20n * MICRO_STX,
    bobStx: 20n * MICRO_STX,
    aliceSbtc: 5_000_000n,
    bobSbtc: 1_000_000n,
    faucetSbtc: 10_000_000n,
    bobCarol: 10n * MICRO_STX,
    hop: 2_500_000n,
    swapStx: 5n * MICRO_STX,
    swapSbtc: 100_000n,
    window: 6n,
    safetyDelta: 6n,
  };
}

export interface Split {
  readonly a: bigint;
  readonly b: bigint;
}

/** The Alice–Bob STX channel after the stream and the hop: the state Bob will later close with. */
export function stxBeforeSwap(p: Plan): Split {
  const streamed = BigInt(p.payments) * p.payment;
  return { a: p.aliceStx - streamed - p.hop, b: p.bobStx + streamed + p.hop };
}

/** The Alice–Bob STX channel's newest state, after the swap. */
export function stxAfterSwap(p: Plan): Split {
  const s = stxBeforeSwap(p);
  return { a: s.a + p.swapStx, b: s.b - p.swapStx };
}

/** The Alice–Bob sBTC channel's newest state, after the swap. */
export function sbtcAfterSwap(p: Plan): Split {
  return { a: p.aliceSbtc - p.swapSbtc, b: p.bobSbtc + p.swapSbtc };
}

/** The Bob–Carol channel after the hop (a = Bob, b = Carol). */
export function bobCarolAfterHop(p: Plan): Split {
  return { a: p.bobCarol - p.hop, b: p.hop };
}

/**
 * What `resolve` pays after Alice's challenge proves Bob closed with a revoked state
 * (PROTOCOL 6.3): the whole newest state's balances go to Alice.
 */
export function stxPenaltyPayout(p: Plan): Split {
  const s = stxAfterSwap(p);
  return { a: s.a + s.b, b: 0n };
}

/** Each party's on-chain gain (loss if negative) by the end of the story, fees aside. */
export function expectedDeltas(p: Plan): Record<'alice' | 'bob' | 'carol', { stx: bigint; sbtc: bigint }> {
  const pen = stxPenaltyPayout(p);
  const sb = sbtcAfterSwap(p);
  const bc = bobCarolAfterHop(p);
  return {
    alice: { stx: -p.aliceStx + pen.a, sbtc: -p.aliceSbtc + sb.a },
    bob: { stx: -p.bobStx + pen.b - p.bobCarol + bc.a, sbtc: -p.bobSbtc + sb.b },
    carol: { stx: bc.b, sbtc: 0n },
  };
}
