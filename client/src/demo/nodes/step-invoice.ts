// Step 3 between nodes: Carol's invoice, paid by Alice through Bob's node. Bob's node
// connects to Carol's and opens a channel with her; Carol's node issues an invoice whose
// route hint names Bob (his node forwards, at its default fee); Alice's node, with no
// channel to Carol, decodes it (route via Bob, the fee, the total, before anything is
// committed) and pays: an HTLC to Bob for amount + fee, Bob's HTLC to Carol for the
// amount, Carol's secret settling both. The secret is Alice's proof of payment.
import { sha256 } from '../../crypto/sha256.js';
import { expectEqual } from '../errors.js';
import { fmtStx } from '../format.js';
import { must, until, type NodeWorld } from './cast.js';
import { bobFee, stxAfterStream } from './plan.js';
import type { NodeChannels } from './step-open.js';
import type { ChannelView } from './views.js';

const STEP = 'invoice through a hub';

interface Quote { route: { via: string | null; fee: string; total: string } | null; routeError: { message: string } | null }

/** Returns the Bob–Carol channel (step 5 closes it). */
export async function invoiceThroughBob(w: NodeWorld, ch: NodeChannels): Promise<string> {
  const { plan: p, say, cast } = w;
  const [alice, bob, carol] = [cast.node('alice'), cast.node('bob'), cast.node('carol')];
  await must(STEP, "Bob's node connects to Carol's", bob.api('POST', '/v1/peers', { url: carol.peerUrl, principal: carol.principal }));
  const bc = await must(STEP, 'open Bob–Carol', bob.api<ChannelView>('POST', '/v1/channels', { peer: carol.principal, amount: p.bobCarol.toString() }));
  say.line(`Bob opened a ${fmtStx(p.bobCarol)} STX channel with Carol`);

  const inv = await must(STEP, "Carol's invoice", carol.api<{ invoice: string; paymentHash: string; hints: unknown[] }>('POST', '/v1/invoices', { amount: p.viaBob.toString(), memo: 'a book' }));
  expectEqual(STEP, "route hints in Carol's invoice", inv.hints.length, 1);
  say.line(`Carol's node issued an invoice for ${fmtStx(p.viaBob)} STX ("a book"), naming Bob's node as her hub: ${inv.invoice.slice(0, 24)}…`);
  const q = await must(STEP, 'decode', alice.api<Quote>('POST', '/v1/invoices/decode', { invoice: inv.invoice }));
  expectEqual(STEP, 'the hub Alice would pay through', q.route?.via ?? q.routeError?.message ?? null, bob.principal);
  expectEqual(STEP, "Bob's fee, quoted", q.route!.fee, bobFee(p).toString());
  say.line(`Alice's node has no channel with Carol: it would pay through Bob, fee ${fmtStx(bobFee(p))} STX, total ${fmtStx(BigInt(q.route!.total))} STX`);

  const paid = await must(STEP, 'pay the invoice', alice.api<{ status: string; secret: string }>('POST', '/v1/invoices/pay', { invoice: inv.invoice }));
  expectEqual(STEP, 'the proof of payment', Buffer.from(sha256(Buffer.from(paid.secret, 'hex'))).toString('hex'), inv.paymentHash);
  const carolSide = await until(STEP, "Carol's side of Bob–Carol", () => must(STEP, 'read', carol.api<ChannelView>('GET', `/v1/channels/${bc.id}`)), (v) => !v.busy && BigInt(v.balance) === p.viaBob);
  const aliceSide = await until(STEP, "Alice's STX channel", () => must(STEP, 'read', alice.api<ChannelView>('GET', `/v1/channels/${ch.stx}`)), (v) => !v.busy);
  expectEqual(STEP, "Alice's STX balance after paying the invoice", aliceSide.balance, (stxAfterStream(p).a - p.viaBob - bobFee(p)).toString());
  say.line(`paid: Alice → Bob ${fmtStx(p.viaBob + bobFee(p))} STX, Bob → Carol ${fmtStx(BigInt(carolSide.balance))} STX, settled by Carol's secret (Alice's proof: ${paid.secret.slice(0, 16)}…)`);
  return bc.id;
}
