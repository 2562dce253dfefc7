// Step 2 between nodes: Alice streams the plan's payments to Bob through her node's API
// (POST /v1/payments, a few requests in flight, each with its own id so a retry cannot
// pay twice), STX and sBTC at once, with a progress bar. Every payment her node
// acknowledges is signed by both sides and durable in both stores; afterwards both nodes
// must show the same nonce and the balances the plan says, and a replayed payment id
// must not move anything. Then Alice's node pays per call for Bob's paid API (x402).
import { expectEqual } from '../errors.js';
import { fmtStx } from '../format.js';
import { must, until, type NodeWorld } from './cast.js';
import type { NodeChannels } from './step-open.js';
import { stxAfterStream } from './plan.js';
import { payPerCall } from './step-paid-api.js';
import type { ChannelView } from './views.js';

const STEP = 'stream';
/** requests in flight from the load generator: enough to keep both nodes busy, few enough to stay polite */
const IN_FLIGHT = 32;

export interface NodeStreamFigures {
  readonly payments: number;
  readonly ms: number;
  readonly perSecond: number;
  /** calls paid to Bob's paid API (x402) */
  readonly apiCalls: number;
}

export async function streamPayments(w: NodeWorld, ch: NodeChannels): Promise<NodeStreamFigures> {
  const { plan: p, say } = w;
  const alice = w.cast.node('alice');
  const bob = w.cast.node('bob');
  const jobs: { channelId: string; amount: string; id: string }[] = [];
  const sbtcEvery = Math.max(1, Math.floor(p.payments / p.sbtcPayments));
  let sbtcMade = 0;
  for (let i = 0; i < p.payments; i++) {
    jobs.push({ channelId: ch.stx, amount: p.payment.toString(), id: `demo-stx-${i}` });
    if (i % sbtcEvery === 0 && sbtcMade < p.sbtcPayments) jobs.push({ channelId: ch.sbtc, amount: p.sbtcPayment.toString(), id: `demo-sbtc-${sbtcMade++}` });
  }
  const total = jobs.length;
  const started = performance.now();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < total) {
      const job = jobs[next++]!;
      await must(STEP, `payment ${job.id}`, alice.api('POST', '/v1/payments', job));
      done++;
      if (done % 50 === 0 || done === total) say.progress(done, total, performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  say.endProgress();
  const ms = performance.now() - started;
  const perSecond = Math.round((total * 1000) / ms);
  say.line(`${total.toLocaleString('en-US')} payments through Alice's node API in ${(ms / 1000).toFixed(1)} s (${perSecond.toLocaleString('en-US')}/s), each signed by both nodes and durable before it was acknowledged`);

  // a retry with a used id is answered from the store: the same payment, nothing paid again
  const first = await must(STEP, 'payment status', alice.api<{ status: string; nonce?: string }>('GET', `/v1/payments/${jobs[0]!.id}`));
  const again = await must(STEP, 'replay a payment id', alice.api<{ status: string; nonce?: string }>('POST', '/v1/payments', jobs[0]!));
  expectEqual(STEP, 'a replayed payment id: its nonce', again.nonce ?? null, first.nonce ?? null);

  const api = await payPerCall(w);
  const want = stxAfterStream(p);
  const a = await until(STEP, "Alice's STX channel", () => must(STEP, 'read', alice.api<ChannelView>('GET', `/v1/channels/${ch.stx}`)), (v) => !v.busy);
  const b = await until(STEP, "Bob's STX channel", () => must(STEP, 'read', bob.api<ChannelView>('GET', `/v1/channels/${ch.stx}`)), (v) => v.nonce === a.nonce);
  expectEqual(STEP, "Alice's STX balance", a.balance, want.a.toString());
  expectEqual(STEP, "Bob's STX balance, on his node", b.balance, want.b.toString());
  const sa = await must(STEP, 'read', alice.api<ChannelView>('GET', `/v1/channels/${ch.sbtc}`));
  expectEqual(STEP, "Alice's sBTC balance", sa.balance, (p.aliceSbtc - BigInt(p.sbtcPayments) * p.sbtcPayment).toString());
  say.line(`both nodes agree: STX channel at nonce ${a.nonce}, Alice ${fmtStx(BigInt(a.balance))} STX, Bob ${fmtStx(BigInt(b.balance))} STX`);
  return { payments: total, ms, perSecond, apiCalls: api.calls };
}
