// Step 2: Alice streams N payments to Bob over the client protocol (Channel.pay), with
// up to OUTSTANDING payments in flight so that those queued while a state is being
// signed fold into the next one (PROTOCOL §4, batching). Shows a progress bar and the
// payments/s achieved; checks both ends hold the state that moved exactly N payments.
import { expectEqual } from './errors.js';
import { fmtStx } from './format.js';
import type { Link } from './link.js';
import { type World } from './world.js';

const STEP = 'stream';
/** payments in flight at once: a busy payer's queue, not a protocol limit */
const OUTSTANDING = 100;

export interface StreamFigures {
  readonly payments: number;
  readonly ms: number;
  readonly perSecond: number;
  /** fully signed states the payments took */
  readonly states: number;
}

export async function streamPayments(w: World, stx: Link): Promise<StreamFigures> {
  const { plan } = w;
  const total = plan.payments;
  const base = (await stx.settled()).state;
  const payer = stx.sideA;
  let issued = 0;
  let done = 0;
  const start = performance.now();
  const ticker = setInterval(() => w.say.progress(done, total, performance.now() - start), 100);
  ticker.unref();
  const worker = async () => {
    while (issued < total) {
      issued++;
      await payer.pay(plan.payment);
      done++;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(OUTSTANDING, total) }, worker));
  } finally {
    clearInterval(ticker);
  }
  const ms = performance.now() - start;
  w.say.progress(done, total, ms);
  w.say.endProgress();

  const final = (await stx.settled()).state;
  const moved = BigInt(total) * plan.payment;
  expectEqual(STEP, 'payments completed', done, total);
  expectEqual(STEP, "Alice's channel balance", final.balanceA, base.balanceA - moved);
  expectEqual(STEP, "Bob's channel balance", final.balanceB, base.balanceB + moved);
  expectEqual(STEP, "Bob's stored newest nonce", w.nodes.bob.store.load(stx.channelId)?.latest.state.nonce ?? null, final.nonce);
  w.nodes.alice.counters.paymentsSent += total;
  w.nodes.bob.counters.paymentsReceived += total;
  const states = Number(final.nonce - base.nonce);
  const perSecond = (total * 1000) / ms;
  w.say.line(`${total.toLocaleString('en-US')} payments of ${fmtStx(plan.payment)} STX in ${(ms / 1000).toFixed(2)} s: ${Math.round(perSecond).toLocaleString('en-US')} payments/s, ${states} co-signed states`);
  return { payments: total, ms, perSecond, states };
}
