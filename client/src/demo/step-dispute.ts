// Step 5: Bob tries to cheat. He closes the STX channel unilaterally (initiate-dispute)
// with an older co-signed state, from before the swap, in which he still had the STX he
// swapped away. Alice's watchtower sees the close, answers with `challenge` and her
// newest state: Bob's balance there is lower, so he is marked as the cheater (PROTOCOL
// 6.3). Once the window has passed (burn blocks mined on demand) the tower resolves,
// and Bob's whole balance goes to Alice. Checks each of those outcomes on-chain.
import { buildInitiateDispute } from '../chain/build-close.js';
import { getChannel } from '../chain/readers.js';
import { ChannelStatus } from '../chain/record.js';
import type { SignedState } from '../store/types.js';
import { expectEqual, expectThat } from './errors.js';
import { fmtStx } from './format.js';
import { Link } from './link.js';
import { stxAfterSwap, stxBeforeSwap, stxPenaltyPayout } from './plan.js';
import { paidFrom, recordEvent } from './receipts.js';
import { towerRound, watchtowerFor } from './tower.js';
import { CONTRACTS, type World } from './world.js';

const STEP = 'stale close';

export async function staleCloseAndPenalty(w: World, stx: Link, stale: SignedState): Promise<void> {
  const { alice, bob } = w.nodes;
  const { plan } = w;
  const newest = (await stx.settled()).state;
  const before = stxBeforeSwap(plan);
  expectEqual(STEP, "Bob's stale state: his balance", stale.state.balanceB, before.b);
  expectThat(STEP, 'the stale state is older than the newest', stale.state.nonce < newest.nonce);

  const closed = await w.chain.submit(buildInitiateDispute({ contract: CONTRACTS.channel, signed: Link.forChain(stale) }), bob.party);
  const closing = recordEvent(STEP, closed, 'initiate-dispute');
  expectEqual(STEP, "closing nonce after Bob's close", closing.checkpoint.nonce, stale.state.nonce);
  w.say.line(`Bob closed with stale state #${stale.state.nonce} (his balance ${fmtStx(stale.state.balanceB)} STX); the newest is #${newest.nonce}`);

  const tower = watchtowerFor(alice);
  const answer = await towerRound(w, tower, alice, [stx.channelId]);
  expectEqual(STEP, "Alice's watchtower actions", answer.kinds.join(','), 'challenge');
  const challenged = recordEvent(STEP, answer.receipts[0]!, 'challenge');
  expectEqual(STEP, 'closing nonce after the challenge', challenged.checkpoint.nonce, newest.nonce);
  // Bob is participant-b of the STX channel
  expectEqual(STEP, 'cheater', challenged.checkpoint.cheater, 'b');
  w.say.line(`Alice's watchtower challenged with state #${newest.nonce}: Bob is owed less there, so Bob is the cheater`);

  // nothing more to do until the window ends
  const early = await towerRound(w, tower, alice, [stx.channelId]);
  expectEqual(STEP, 'watchtower actions inside the window', early.kinds.join(','), '');
  await w.chain.mine({ burnBlocks: Number(plan.window) });
  const resolved = await towerRound(w, tower, alice, [stx.channelId]);
  expectEqual(STEP, "Alice's watchtower actions after the window", resolved.kinds.join(','), 'resolve');
  const payout = stxPenaltyPayout(plan);
  const paid = paidFrom(resolved.receipts[0]!, 'STX');
  expectEqual(STEP, 'resolve pays Alice', paid.get(alice.party.address) ?? 0n, payout.a);
  expectEqual(STEP, 'resolve pays Bob', paid.get(bob.party.address) ?? 0n, payout.b);
  const record = await getChannel(w.chain.ctx, { channelId: stx.channelId });
  expectEqual(STEP, 'status after resolve', record?.status ?? null, ChannelStatus.Closed);
  expectEqual(STEP, 'escrow left in the channel', record?.total ?? null, 0n);
  const honest = stxAfterSwap(plan);
  w.say.line(`window over: resolve paid Alice ${fmtStx(payout.a)} STX (her ${fmtStx(honest.a)} + Bob's ${fmtStx(honest.b)} as penalty), Bob nothing`);
}

