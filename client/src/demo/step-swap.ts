// Step 4: an atomic STX ⇄ sBTC swap between Alice and Bob: two channels locked by one
// hash. Alice (who made the secret) offers sBTC with the longer expiry; once it stands,
// Bob offers STX with a shorter one (HTLCs in opposite directions). Alice claims the
// STX with the secret, which shows it to Bob, who claims the sBTC with it: one secret
// settles both, or neither. Checks both channels against the plan.
import { expectEqual, expectThat } from './errors.js';
import { fmtSbtc, fmtStx } from './format.js';
import { holdsHtlc, type Link } from './link.js';
import { sbtcAfterSwap, stxAfterSwap } from './plan.js';
import type { World } from './world.js';

const STEP = 'swap';

export async function atomicSwap(w: World, stx: Link, sbtc: Link): Promise<void> {
  const { alice, bob } = w.nodes;
  const { plan } = w;
  const tip = await w.chain.heights();
  stx.tip(tip);
  sbtc.tip(tip);
  const { secret, hash } = alice.secrets.make();
  // expiries are tenure heights (PROTOCOL §5)
  const bobExpiry = tip.tenure + plan.window + plan.safetyDelta;
  const aliceExpiry = bobExpiry + plan.safetyDelta;

  await sbtc.side(alice).addHtlc({ hash, amount: plan.swapSbtc, expiry: aliceExpiry });
  await sbtc.settled();
  // Bob locks his STX only once Alice's sBTC is locked by the same hash in his newest state
  expectThat(STEP, "Alice's sBTC HTLC is in Bob's newest state", holdsHtlc(sbtc.side(bob).latest.state.htlcs, hash, plan.swapSbtc, true));
  await stx.side(bob).addHtlc({ hash, amount: plan.swapStx, expiry: bobExpiry });
  await stx.settled();
  w.say.line(`one hash locks ${fmtSbtc(plan.swapSbtc)} sBTC Alice → Bob and ${fmtStx(plan.swapStx)} STX Bob → Alice`);

  const bobLearns = bob.secrets.wait(hash);
  stx.side(alice).revealSecret(secret);
  const aliceClaims = stx.side(alice).fulfilHtlc(secret);
  const bobClaims = bobLearns.then((s) => sbtc.side(bob).fulfilHtlc(s));
  await Promise.all([aliceClaims, bobClaims]);
  const s = (await stx.settled()).state;
  const b = (await sbtc.settled()).state;

  const wantStx = stxAfterSwap(plan);
  const wantSbtc = sbtcAfterSwap(plan);
  expectEqual(STEP, 'HTLCs left in the STX channel', s.htlcs.length, 0);
  expectEqual(STEP, 'HTLCs left in the sBTC channel', b.htlcs.length, 0);
  expectEqual(STEP, "Alice's STX balance", s.balanceA, wantStx.a);
  expectEqual(STEP, "Bob's STX balance", s.balanceB, wantStx.b);
  expectEqual(STEP, "Alice's sBTC balance", b.balanceA, wantSbtc.a);
  expectEqual(STEP, "Bob's sBTC balance", b.balanceB, wantSbtc.b);
  for (const n of [alice, bob]) {
    n.counters.paymentsSent++;
    n.counters.paymentsReceived++;
  }
  w.say.line('Alice claimed the STX with the secret; Bob, shown it, claimed the sBTC: swapped off-chain');
}
