// Step 5 between nodes: Bob cheats with a stale backup, Alice's node's built-in
// watchtower answers. Bob's node is stopped and its data directory copied (the backup);
// restarted, it pays Alice back a few times (states the backup does not hold); stopped
// again, the backup is started on another port (Alice's node cannot reach it) and
// force-closes with its stale state. The chain drops the first challenge it is sent:
// Alice's node must send it again at the same nonce with a higher fee, the challenge
// lands, Bob is the cheater, and after the window the penalty pays Alice the whole newest
// state. Then Bob's real node comes back and sees the channel closed.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { DemoNodeError, expectEqual, expectThat } from '../errors.js';
import { fmtStx } from '../format.js';
import { must, until, type NodeWorld } from './cast.js';
import { stxNewest } from './plan.js';
import type { NodeChannels } from './step-open.js';
import type { ChannelView, TxView } from './views.js';

const STEP = 'stale close';

export interface DisputeFigures {
  readonly staleNonce: string;
  readonly newestNonce: string;
  /** the challenge the chain dropped and the one that replaced it */
  readonly dropped: TxView;
  readonly landed: TxView;
}

export async function staleCloseAndPenalty(w: NodeWorld, ch: NodeChannels): Promise<DisputeFigures> {
  const { plan: p, say, cast } = w;
  const alice = cast.node('alice');
  const read = (n: typeof alice) => must(STEP, 'read the STX channel', n.api<ChannelView>('GET', `/v1/channels/${ch.stx}`));

  await cast.stop('bob');
  const backup = join(cast.dataDir('bob'), '..', 'bob-backup');
  cpSync(cast.dataDir('bob'), backup, { recursive: true });
  const staleNonce = (await read(alice)).nonce;
  say.line(`Bob copied his node's data directory at nonce ${staleNonce} (his "backup")`);

  let bob = await cast.start('bob');
  await until(STEP, "Alice's node redials Bob's", () => read(alice), (v) => v.peerConnected);
  for (let i = 0; i < p.refunds; i++) {
    await must(STEP, `Bob's refund ${i}`, bob.api('POST', '/v1/payments', { channelId: ch.stx, amount: p.refund.toString(), id: `demo-refund-${i}` }));
  }
  const newest = await until(STEP, "Alice's node has Bob's refunds", () => read(alice), (v) => !v.busy && BigInt(v.nonce) >= BigInt(staleNonce) + BigInt(p.refunds));
  say.line(`Bob's node paid Alice back ${fmtStx(BigInt(p.refunds) * p.refund)} STX in ${p.refunds} payments: nonce ${newest.nonce}`);
  await cast.stop('bob');

  const drop = await fetch(`${w.chainUrl}/dev/drop`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName: 'challenge' }) });
  if (drop.status !== 200) throw new DemoNodeError(STEP, `the local chain refused /dev/drop: HTTP ${drop.status}`);
  const stale = await cast.start('bob', { dataDir: backup, ephemeralPort: true });
  const closing = await must(STEP, "the backup's force close", stale.api<ChannelView>('POST', `/v1/channels/${ch.stx}/force-close`));
  expectEqual(STEP, 'the nonce Bob closed with', closing.nonce, staleNonce);
  say.line(`Bob's backup force-closed with nonce ${staleNonce}; the chain will drop the first challenge it is sent`);

  const challenges = async () => (await must(STEP, "Alice's transactions", alice.api<TxView[]>('GET', '/v1/transactions'))).filter((t) => t.kind === 'challenge');
  const all = await until(STEP, "Alice's tower's challenge", challenges, (txs) => txs.some((t) => t.status === 'success'));
  const dropped = all.find((t) => t.status.startsWith('dropped'));
  const landed = all.find((t) => t.status === 'success')!;
  expectThat(STEP, 'the chain dropped a challenge and Alice\'s node replaced it', dropped !== undefined, { challenges: JSON.stringify(all) });
  expectEqual(STEP, 'the replacement challenge\'s nonce', landed.nonce, dropped!.nonce);
  expectThat(STEP, 'the replacement pays a higher fee', BigInt(landed.fee) > BigInt(dropped!.fee));
  say.line(`Alice's tower challenged with nonce ${newest.nonce}; dropped at fee ${dropped!.fee} µSTX, replaced at the same account nonce with fee ${landed.fee} µSTX`);

  await until(STEP, "the window passes and Alice's node resolves", () => read(alice), (v) => v.phase === 'closed', 60_000);
  await cast.stop('bob');
  bob = await cast.start('bob');
  await until(STEP, "Bob's node sees the channel closed", () => read(bob), (v) => v.phase === 'closed');
  const n = stxNewest(p);
  say.line(`resolved with the penalty: Alice is paid the whole newest state, ${fmtStx(n.a + n.b)} STX; Bob's node, back, shows the channel closed`);
  return { staleNonce, newestNonce: newest.nonce, dropped: dropped!, landed };
}
