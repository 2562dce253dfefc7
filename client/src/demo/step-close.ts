// Step 6: the two other ways out of a channel.
//  - Cooperative: Alice and Bob co-sign a `close` state for the sBTC channel and
//    close-channel pays both at once, no window.
//  - Emergency: Carol checkpoints her newest Bob–Carol state on-chain (update-balance),
//    then Bob goes silent; she closes from that checkpoint (emergency-close, the
//    implicit state of PROTOCOL 6.4), her watchtower finds nothing to challenge, and
//    resolves once the window has passed.
// Each checks the payouts against the plan.
import { buildCloseChannel, buildEmergencyClose } from '../chain/build-close.js';
import { buildUpdateBalance } from '../chain/build-update.js';
import { getChannel } from '../chain/readers.js';
import { ChannelStatus } from '../chain/record.js';
import { expectEqual } from './errors.js';
import { fmtSbtc, fmtStx } from './format.js';
import { Link } from './link.js';
import { bobCarolAfterHop, sbtcAfterSwap } from './plan.js';
import { paidFrom, recordEvent } from './receipts.js';
import { towerRound, watchtowerFor } from './tower.js';
import { CONTRACTS, type World } from './world.js';

export async function cooperativeClose(w: World, sbtc: Link): Promise<void> {
  const STEP = 'cooperative close';
  const { alice, bob } = w.nodes;
  const close = await sbtc.side(alice).closeState();
  await sbtc.settled();
  const r = await w.chain.submit(buildCloseChannel({ contract: CONTRACTS.channel, signed: Link.forChain(close), token: CONTRACTS.sbtc }), alice.party);
  const want = sbtcAfterSwap(w.plan);
  const paid = paidFrom(r, CONTRACTS.sbtcAsset);
  expectEqual(STEP, 'close-channel pays Alice', paid.get(alice.party.address) ?? 0n, want.a);
  expectEqual(STEP, 'close-channel pays Bob', paid.get(bob.party.address) ?? 0n, want.b);
  expectEqual(STEP, 'status after close-channel', recordEvent(STEP, r, 'close-channel').checkpoint.status, ChannelStatus.Closed);
  w.say.line(`sBTC channel closed cooperatively: Alice ${fmtSbtc(want.a)} sBTC, Bob ${fmtSbtc(want.b)} sBTC, at once`);
}

export async function emergencyClose(w: World, bc: Link): Promise<void> {
  const STEP = 'emergency close';
  const { bob, carol } = w.nodes;
  const newest = await bc.settled();
  const checkpoint = await w.chain.submit(buildUpdateBalance({ contract: CONTRACTS.channel, signed: Link.forChain(newest) }), carol.party);
  expectEqual(STEP, 'on-chain floor after update-balance', recordEvent(STEP, checkpoint, 'update-balance').checkpoint.nonce, newest.state.nonce);
  w.say.line(`Carol checkpointed state #${newest.state.nonce} on-chain (update-balance); then Bob went silent`);

  // Carol holds nothing newer than the checkpoint, so the client lets her close from it (PROTOCOL §6.4)
  const floor = recordEvent(STEP, checkpoint, 'update-balance').checkpoint.nonce;
  const call = buildEmergencyClose({ contract: CONTRACTS.channel, channelId: bc.channelId, floor, closable: bc.side(carol).closable });
  const closed = await w.chain.submit(call, carol.party);
  const closing = recordEvent(STEP, closed, 'emergency-close').checkpoint;
  expectEqual(STEP, 'status after emergency-close', closing.status, ChannelStatus.Closing);
  expectEqual(STEP, 'closing nonce = the checkpoint', closing.nonce, newest.state.nonce);

  const tower = watchtowerFor(carol);
  const inside = await towerRound(w, tower, carol, [bc.channelId]);
  expectEqual(STEP, "Carol's watchtower actions inside the window", inside.kinds.join(','), '');
  await w.chain.mine({ burnBlocks: Number(w.plan.window) });
  const after = await towerRound(w, tower, carol, [bc.channelId]);
  expectEqual(STEP, "Carol's watchtower actions after the window", after.kinds.join(','), 'resolve');
  const want = bobCarolAfterHop(w.plan);
  const paid = paidFrom(after.receipts[0]!, 'STX');
  expectEqual(STEP, 'resolve pays Bob', paid.get(bob.party.address) ?? 0n, want.a);
  expectEqual(STEP, 'resolve pays Carol', paid.get(carol.party.address) ?? 0n, want.b);
  const record = await getChannel(w.chain.ctx, { channelId: bc.channelId });
  expectEqual(STEP, 'status after resolve', record?.status ?? null, ChannelStatus.Closed);
  w.say.line(`Carol closed alone from the checkpoint; after ${w.plan.window} burn blocks resolve paid Bob ${fmtStx(want.a)} STX, Carol ${fmtStx(want.b)} STX`);
}
