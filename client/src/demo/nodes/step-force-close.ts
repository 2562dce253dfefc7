// Step 6 between nodes: Bob pays Carol over their channel (opened in step 3), then
// Carol's node goes offline; Bob force-closes with the newest state (no cooperation needed), and after
// the dispute window his node's chain loop resolves it: Carol is paid what the state
// says without her node ever coming back.
import { expectEqual } from '../errors.js';
import { fmtStx } from '../format.js';
import { must, until, type NodeWorld } from './cast.js';
import { bobCarolAtClose } from './plan.js';
import type { ChannelView } from './views.js';

const STEP = 'force close';

export async function forceClose(w: NodeWorld, id: string): Promise<string> {
  const { plan: p, say, cast } = w;
  const bob = cast.node('bob');
  const carol = cast.node('carol');
  const ch = { id };
  const each = p.toCarol / BigInt(p.toCarolPayments);
  for (let i = 0; i < p.toCarolPayments; i++) {
    await must(STEP, `payment ${i} to Carol`, bob.api('POST', '/v1/payments', { channelId: ch.id, amount: each.toString(), id: `demo-carol-${i}` }));
  }
  const paid = await until(STEP, "Carol's node has the payments", () => must(STEP, 'read', carol.api<ChannelView>('GET', `/v1/channels/${ch.id}`)), (v) => !v.busy && BigInt(v.balance) === p.viaBob + p.toCarol);
  say.line(`Bob paid Carol ${fmtStx(p.toCarol)} STX in ${p.toCarolPayments} payments (nonce ${paid.nonce})`);

  await cast.stop('carol');
  const closing = await must(STEP, "Bob's force close", bob.api<ChannelView>('POST', `/v1/channels/${ch.id}/force-close`));
  expectEqual(STEP, 'the phase after a force close', closing.phase, 'closing');
  expectEqual(STEP, 'the nonce Bob closed with', closing.nonce, paid.nonce);
  say.line(`Carol's node went offline; Bob force-closed with nonce ${closing.nonce}`);
  const done = await until(STEP, "the window passes and Bob's node resolves", () => must(STEP, 'read', bob.api<ChannelView>('GET', `/v1/channels/${ch.id}`)), (v) => v.phase === 'closed', 60_000);
  const split = bobCarolAtClose(p);
  expectEqual(STEP, "Bob's balance at the close", done.balance, split.a.toString());
  say.line(`resolved after the window by Bob's node: Carol was paid ${fmtStx(split.b)} STX while offline`);
  return ch.id;
}
