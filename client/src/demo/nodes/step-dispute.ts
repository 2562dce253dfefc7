// Step 5 between nodes: Bob cheats with a stale backup while Alice is offline, and her
// standalone watchtower answers. Bob's node is stopped and its data directory copied
// (the backup); restarted, it pays Alice back a few times (states the backup does not
// hold), which Alice's node hands her tower; then Alice's node goes offline and Bob's
// backup, started on another port, force-closes with its stale state. The chain drops
// the first challenge it is sent: the tower must send it again at the same nonce with a
// higher fee; the challenge lands, Bob is the cheater, and after the window the channel
// resolves (the tower's resolve, or Bob's own if it lands first) and the penalty pays
// Alice the whole newest state. Alice's node comes back to
// a closed channel; so does Bob's real node.
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
  const towers = () => must(STEP, "Alice's towers", alice.api<{ uploaded: Record<string, string> }[]>('GET', '/v1/towers'));
  await until(STEP, "Alice's tower holds the newest state", towers, (t) => t[0]?.uploaded[ch.stx] === newest.nonce);
  await cast.stop('alice');
  say.line(`Alice's standalone watchtower holds nonce ${newest.nonce}; Alice's node goes offline`);

  const drop = await fetch(`${w.chainUrl}/dev/drop`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName: 'challenge' }) });
  if (drop.status !== 200) throw new DemoNodeError(STEP, `the local chain refused /dev/drop: HTTP ${drop.status}`);
  const stale = await cast.start('bob', { dataDir: backup, ephemeralPort: true });
  const closing = await must(STEP, "the backup's force close", stale.api<ChannelView>('POST', `/v1/channels/${ch.stx}/force-close`));
  expectEqual(STEP, 'the nonce Bob closed with', closing.nonce, staleNonce);
  say.line(`Bob's backup force-closed with nonce ${staleNonce}; the chain will drop the first challenge it is sent`);

  // the tower's own transactions are public
  const sent = async (kind: string) => ((await (await fetch(`${cast.tower.url}/transactions`)).json()) as TxView[]).filter((t) => t.kind === kind && t.channelId === ch.stx);
  const all = await until(STEP, "the tower's challenge", () => sent('challenge'), (txs) => txs.some((t) => t.status === 'success'));
  const dropped = all.find((t) => t.status.startsWith('dropped'));
  const landed = all.find((t) => t.status === 'success')!;
  expectThat(STEP, 'the chain dropped a challenge and the tower replaced it', dropped !== undefined, { challenges: JSON.stringify(all) });
  expectEqual(STEP, 'the replacement challenge\'s nonce', landed.nonce, dropped!.nonce);
  expectThat(STEP, 'the replacement pays a higher fee', BigInt(landed.fee) > BigInt(dropped!.fee));
  say.line(`the tower challenged with nonce ${newest.nonce} while Alice was offline; dropped at fee ${dropped!.fee} µSTX, replaced at the same account nonce with fee ${landed.fee} µSTX`);

  // after the window the tower resolves; Bob's backup may resolve first (its own close):
  // either pays the same, so the channel closed on-chain is what counts
  await until(STEP, 'the window passes and the channel resolves', () => read(stale), (v) => v.phase === 'closed', 60_000);
  const back = await cast.start('alice');
  await until(STEP, "Alice's node, back, sees the channel closed", () => read(back), (v) => v.phase === 'closed');
  await cast.stop('bob');
  bob = await cast.start('bob');
  await until(STEP, "Bob's node sees the channel closed", () => read(bob), (v) => v.phase === 'closed');
  const n = stxNewest(p);
  say.line(`resolved with the penalty: Alice is paid the whole newest state, ${fmtStx(n.a + n.b)} STX, without her node; back online, it and Bob's show the channel closed`);
  return { staleNonce, newestNonce: newest.nonce, dropped: dropped!, landed };
}
