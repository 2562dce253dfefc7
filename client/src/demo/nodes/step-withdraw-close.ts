// Step 4 between nodes: Alice takes some STX out of the open STX channel (a co-signed
// withdraw state, then `withdraw` on-chain: the channel stays open), and the nodes close
// the sBTC channel cooperatively (a co-signed close state, `close-channel` pays both at
// once). Both nodes must see the sBTC channel closed.
import { expectEqual } from '../errors.js';
import { fmtStx } from '../format.js';
import { must, until, type NodeWorld } from './cast.js';
import { stxAtBackup } from './plan.js';
import type { NodeChannels } from './step-open.js';
import type { ChannelView } from './views.js';

const STEP = 'withdraw and cooperative close';

export async function withdrawAndClose(w: NodeWorld, ch: NodeChannels): Promise<void> {
  const { plan: p, say } = w;
  const alice = w.cast.node('alice');
  const bob = w.cast.node('bob');
  const wd = await must(STEP, 'withdraw', alice.api<ChannelView>('POST', `/v1/channels/${ch.stx}/withdraw`, { amount: p.withdraw.toString() }));
  expectEqual(STEP, "Alice's STX balance after her withdraw", wd.balance, stxAtBackup(p).a.toString());
  expectEqual(STEP, 'the STX channel after a withdraw', wd.phase, 'open');
  say.line(`Alice withdrew ${fmtStx(p.withdraw)} STX on-chain; the channel stays open at nonce ${wd.nonce}`);

  const closed = await must(STEP, 'cooperative close', alice.api<ChannelView>('POST', `/v1/channels/${ch.sbtc}/close`));
  expectEqual(STEP, "the sBTC channel on Alice's node", closed.phase, 'closed');
  await until(STEP, "the sBTC channel on Bob's node", () => must(STEP, 'read', bob.api<ChannelView>('GET', `/v1/channels/${ch.sbtc}`)), (v) => v.phase === 'closed');
  say.line('the sBTC channel closed cooperatively: one close-channel paid both sides');
}
