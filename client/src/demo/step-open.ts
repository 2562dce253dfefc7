// Step 1: Alice opens an STX channel and an sBTC channel with Bob (create-channel, one
// block), and Bob funds his side of each with a co-signed deposit state (fund-channel).
// Real signed transactions with deny-mode post-conditions; the step checks each
// channel's on-chain record against the plan and that both ends agree off-chain.
import { buildCreateChannel, buildFundChannel } from '../chain/build-open.js';
import { asBuffer } from '../chain/decode.js';
import { getChannel } from '../chain/readers.js';
import { ChannelStatus } from '../chain/record.js';
import type { Receipt } from './chain-client.js';
import { expectEqual, expectThat } from './errors.js';
import { fmtSbtc, fmtStx } from './format.js';
import { Link } from './link.js';
import { CONTRACTS, DOMAIN, type World } from './world.js';

const STEP = 'open and fund';

export interface OpenedChannels {
  readonly stx: Link;
  readonly sbtc: Link;
}

export async function openChannels(w: World): Promise<OpenedChannels> {
  const { alice, bob } = w.nodes;
  const { plan } = w;
  const create = (token: string | null, amount: bigint) =>
    buildCreateChannel({ contract: CONTRACTS.channel, sender: alice.party.address, participantB: bob.party.address, token, amount, window: plan.window });
  const [stxOpen, sbtcOpen] = await w.chain.submitAll([
    [create(null, plan.aliceStx), alice.party],
    [create(CONTRACTS.sbtc, plan.aliceSbtc), alice.party],
  ]);
  const tip = await w.chain.heights();
  const link = async (r: Receipt, token: string | null, opening: bigint) => {
    const channelId = asBuffer(r.value, 'create-channel', 32);
    const l = await Link.open({ channelId, token, a: alice, b: bob, opening, domain: DOMAIN, plan, heights: tip });
    l.confirmed(0n, r.burnHeight, tip);
    return l;
  };
  const stx = await link(stxOpen!, null, plan.aliceStx);
  const sbtc = await link(sbtcOpen!, CONTRACTS.sbtc, plan.aliceSbtc);
  w.say.line(`Alice opened an STX channel (${fmtStx(plan.aliceStx)} STX) and an sBTC channel (${fmtSbtc(plan.aliceSbtc)} sBTC) with Bob`);

  // Bob proposes each deposit state; Alice signs first, Bob last (PROTOCOL §4)
  const [depStx, depSbtc] = await Promise.all([stx.sideB.deposit(plan.bobStx), sbtc.sideB.deposit(plan.bobSbtc)]);
  const funded = await w.chain.submitAll([
    [buildFundChannel({ contract: CONTRACTS.channel, signed: Link.forChain(depStx), token: null }), bob.party],
    [buildFundChannel({ contract: CONTRACTS.channel, signed: Link.forChain(depSbtc), token: CONTRACTS.sbtc }), bob.party],
  ]);
  const now = await w.chain.heights();
  stx.confirmed(depStx.state.nonce, funded[0]!.burnHeight, now);
  sbtc.confirmed(depSbtc.state.nonce, funded[1]!.burnHeight, now);
  w.say.line(`Bob funded his side: ${fmtStx(plan.bobStx)} STX and ${fmtSbtc(plan.bobSbtc)} sBTC (fund-channel with co-signed deposit states)`);

  for (const [l, a, b] of [[stx, plan.aliceStx, plan.bobStx], [sbtc, plan.aliceSbtc, plan.bobSbtc]] as const) {
    const record = await getChannel(w.chain.ctx, { channelId: l.channelId });
    expectThat(STEP, 'the channel exists on-chain', record !== null);
    expectEqual(STEP, 'on-chain status', record!.status, ChannelStatus.Open);
    expectEqual(STEP, 'on-chain token', record!.token, l.token);
    expectEqual(STEP, 'on-chain total', record!.total, a + b);
    expectEqual(STEP, 'on-chain balance-a', record!.balanceA, a);
    expectEqual(STEP, 'on-chain balance-b', record!.balanceB, b);
    const agreed = await l.settled();
    expectEqual(STEP, 'off-chain nonce = on-chain floor', agreed.state.nonce, record!.nonce);
  }
  return { stx, sbtc };
}

