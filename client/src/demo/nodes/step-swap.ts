// Step 3, second half: Alice swaps STX for sBTC with Bob's node, over their two channels,
// locked by one hash (PROTOCOL §5). Bob's node makes swaps at its configured rate; Alice's
// node asks its price, then pays an invoice of her own in sBTC through Bob from her STX
// channel: Bob's sBTC HTLC reaches her only against her STX HTLC, and her secret settles
// both. Each channel moves by exactly the quoted amounts, or neither would.
import { expectEqual } from '../errors.js';
import { fmtSbtc, fmtStx } from '../format.js';
import { must, until, type NodeWorld } from './cast.js';
import { swapPrice, type NodePlan } from './plan.js';
import type { NodeChannels } from './step-open.js';
import type { ChannelView } from './views.js';

const STEP = 'swap';

/** Bob's rate in BITSTREAM_SWAP_RATES form: he takes `swapRate` µSTX for every sat. */
export const bobRates = (p: NodePlan): string => `stx/sbtc=${p.swapRate}:1`;

export async function swapWithBob(w: NodeWorld, ch: NodeChannels): Promise<void> {
  const { plan: p, say, cast } = w;
  const alice = cast.node('alice');
  const bob = cast.node('bob');
  const read = (id: string) => must(STEP, 'read', alice.api<ChannelView>('GET', `/v1/channels/${id}`));
  const before = { stx: BigInt((await read(ch.stx)).balance), sbtc: BigInt((await read(ch.sbtc)).balance) };
  const terms = { peer: bob.principal, sell: 'stx', buy: 'sbtc', amount: p.swapSats.toString() };
  const q = await must(STEP, 'quote', alice.api<{ price: string }>('POST', '/v1/swaps/quote', terms));
  expectEqual(STEP, "Bob's price", q.price, swapPrice(p).toString());
  const done = await must(STEP, 'swap', alice.api<{ status: string; bought: boolean }>('POST', '/v1/swaps', { ...terms, maxSell: q.price }));
  expectEqual(STEP, 'the swap', `${done.status} ${done.bought}`, 'paid true');
  const stx = await until(STEP, "Alice's STX channel", () => read(ch.stx), (v) => !v.busy);
  const sbtc = await until(STEP, "Alice's sBTC channel", () => read(ch.sbtc), (v) => !v.busy);
  expectEqual(STEP, "Alice's STX after the swap", BigInt(stx.balance), before.stx - swapPrice(p));
  expectEqual(STEP, "Alice's sBTC after the swap", BigInt(sbtc.balance), before.sbtc + p.swapSats);
  say.line(`Alice swapped ${fmtStx(swapPrice(p))} STX for ${fmtSbtc(p.swapSats)} sBTC with Bob's node at its rate, both channels locked by one hash`);
}
