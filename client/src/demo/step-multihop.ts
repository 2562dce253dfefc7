// Step 3: a multi-hop payment Alice → Bob → Carol, settled off-chain by Carol's secret.
// Bob opens a channel to Carol; Carol's invoice gives Alice a hash; Alice offers Bob an
// HTLC on it, Bob offers Carol one with an expiry shorter by the safety delta
// (PROTOCOL §5); Carol shows Bob the secret and claims hers, Bob claims Alice's with it.
// Checks both channels end with the HTLCs gone and the amount moved one hop each.
import { buildCreateChannel } from '../chain/build-open.js';
import { asBuffer } from '../chain/decode.js';
import { expectEqual, expectThat } from './errors.js';
import { fmtStx } from './format.js';
import { holdsHtlc, Link } from './link.js';
import { bobCarolAfterHop, stxBeforeSwap } from './plan.js';
import { CONTRACTS, DOMAIN, type World } from './world.js';

const STEP = 'multi-hop';

/** Opens the Bob–Carol channel, routes the payment; returns that channel. */
export async function multiHop(w: World, stx: Link): Promise<Link> {
  const { alice, bob, carol } = w.nodes;
  const { plan } = w;
  const opened = await w.chain.submit(
    buildCreateChannel({ contract: CONTRACTS.channel, sender: bob.party.address, participantB: carol.party.address, token: null, amount: plan.bobCarol, window: plan.window }),
    bob.party,
  );
  const tip = await w.chain.heights();
  const bc = await Link.open({ channelId: asBuffer(opened.value, 'create-channel', 32), token: null, a: bob, b: carol, opening: plan.bobCarol, domain: DOMAIN, plan, heights: tip });
  bc.confirmed(0n, opened.burnHeight, tip);
  stx.tip(tip);
  w.say.line(`Bob opened an STX channel with Carol (${fmtStx(plan.bobCarol)} STX)`);

  // Carol's invoice: the hash of a secret only she knows
  const { secret, hash } = carol.secrets.make();
  // expiries are tenure heights (PROTOCOL §5)
  const downstream = tip.tenure + plan.window + plan.safetyDelta;
  const upstream = downstream + plan.safetyDelta;
  await stx.side(alice).addHtlc({ hash, amount: plan.hop, expiry: upstream });
  await stx.settled();
  // Bob forwards only once Alice's HTLC stands in his newest state
  expectThat(STEP, "Alice's HTLC is in Bob's newest state", holdsHtlc(stx.side(bob).latest.state.htlcs, hash, plan.hop, true));
  await bc.side(bob).addHtlc({ hash, amount: plan.hop, expiry: downstream });
  await bc.settled();
  w.say.line(`HTLCs locked by Carol's hash: Alice → Bob (expiry ${upstream}), Bob → Carol (expiry ${downstream}, ${plan.safetyDelta} tenures sooner)`);

  // Carol shows Bob the secret and claims; Bob claims upstream with what she showed him
  const bobLearns = bob.secrets.wait(hash);
  bc.side(carol).revealSecret(secret);
  const carolClaims = bc.side(carol).fulfilHtlc(secret);
  const bobClaims = bobLearns.then((s) => stx.side(bob).fulfilHtlc(s));
  await Promise.all([carolClaims, bobClaims]);
  const ab = (await stx.settled()).state;
  const bcState = (await bc.settled()).state;

  const wantAb = stxBeforeSwap(plan);
  const wantBc = bobCarolAfterHop(plan);
  expectEqual(STEP, 'HTLCs left in Alice–Bob', ab.htlcs.length, 0);
  expectEqual(STEP, 'HTLCs left in Bob–Carol', bcState.htlcs.length, 0);
  expectEqual(STEP, "Alice's balance with Bob", ab.balanceA, wantAb.a);
  expectEqual(STEP, "Bob's balance with Alice", ab.balanceB, wantAb.b);
  expectEqual(STEP, "Bob's balance with Carol", bcState.balanceA, wantBc.a);
  expectEqual(STEP, "Carol's balance with Bob", bcState.balanceB, wantBc.b);
  alice.counters.paymentsSent++;
  bob.counters.paymentsReceived++;
  bob.counters.paymentsSent++;
  carol.counters.paymentsReceived++;
  w.say.line(`Carol revealed the secret off-chain: ${fmtStx(plan.hop)} STX moved Alice → Bob → Carol, no transaction`);
  return bc;
}

