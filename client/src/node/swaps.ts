// Cross-asset swaps with a peer (PROTOCOL §5): this node gives `sell` on one channel with
// the peer and gets `buy` on another, both HTLCs locked by one hash whose secret only
// this node knows. It is paying an invoice of our own through the peer as a hub:
//   1. quote: the peer prices `amount` of `buy` in `sell` at its rate (`swap-quote`);
//   2. execute: an invoice of ours for `amount` of `buy` (its secret durable first), paid
//      through the peer from our `sell` channel, capped at `maxSell`; the peer offers us
//      the `buy` HTLC, our payee side fulfils it (the invoice desk checks token, amount
//      and expiry), which hands the peer the secret it claims our `sell` HTLC with.
// Atomic by construction: our coins go only against the secret, which we give only for
// the peer's HTLC standing as agreed; either HTLC that is never settled is refunded at
// its expiry, the peer's first (its expiry is shorter by its delta). It decides; the
// invoice desk and the channels sign and store.
import { toHex } from '../wire/json.js';
import { NodeCode, NodeError } from './errors.js';
import { SwapQuoteSchema } from './forwarder.js';
import type { OutgoingPayment } from './invoice-ledger.js';
import type { InvoiceDesk } from './invoices.js';
import type { ChannelManager } from './manager.js';


export interface SwapRequest {
  readonly peer: string;
  /** what this node gives (null: STX) */
  readonly sell: string | null;
  /** what it gets */
  readonly buy: string | null;
  /** how much of `buy`, in its smallest unit */
  readonly amount: bigint;
}

export interface SwapQuote extends SwapRequest {
  /** what the peer asks, in `sell` */
  readonly price: bigint;
  /** the peer's rate: it takes inUnits of `sell` for every outUnits of `buy` */
  readonly rate: { readonly inUnits: bigint; readonly outUnits: bigint };
  readonly sellChannel: string;
  readonly buyChannel: string;
  readonly expiryDelta: number;
}

export interface SwapResult extends SwapQuote {
  readonly paymentHash: string;
  /** paid: both HTLCs settled; in-flight: ours stands, the peer has not claimed it yet */
  readonly status: OutgoingPayment['status'];
  /** whether we got `buy` (we fulfilled the peer's HTLC) */
  readonly bought: boolean;
  readonly secret: string | null;
}

/** seconds the swap's own invoice lives: the whole exchange takes a few round trips */
const SWAP_INVOICE_SECONDS = 600;

export class SwapDesk {
  constructor(private readonly o: { readonly manager: ChannelManager; readonly invoices: InvoiceDesk; readonly self: string }) {}

  /** The peer's price for `r` and the two channels that would carry it (NODE_NO_ROUTE if either is missing or short). */
  async quote(r: SwapRequest): Promise<SwapQuote> {
    if (r.sell === r.buy) throw new NodeError(NodeCode.BadRequest, 'a swap gives one token for another: sell and buy are the same');
    if (r.amount <= 0n) throw new NodeError(NodeCode.BadRequest, 'the amount must be above zero');
    const buyHeld = this.o.manager.openWith(r.peer, r.buy, (h) => h.channel.balances.other >= r.amount);
    if (buyHeld === null) throw this.noChannel(r, r.buy, `in which ${r.peer} holds ${r.amount}`);
    const session = this.o.manager.sessionOf(r.peer);
    const raw = await session.request('swap-quote', { inToken: r.sell, outToken: r.buy, outAmount: r.amount.toString() }, 10_000).catch((e: unknown) => {
      // the peer's refusal (no rate for the pair, no swaps at all, short of the amount) or silence
      const d = (e as { details?: { code?: unknown; message?: unknown } }).details;
      const peerCode = typeof d?.code === 'string' ? d.code : (e as { code?: string }).code ?? 'ERROR';
      throw new NodeError(NodeCode.NoRoute, `${r.peer} makes no such swap: ${typeof d?.message === 'string' ? d.message : (e as Error).message}`, { cause: e, details: { peerCode } });
    });
    const q = SwapQuoteSchema.safeParse(raw);
    if (!q.success) throw new NodeError(NodeCode.NoRoute, 'the peer answered the swap quote with nonsense');
    const price = BigInt(q.data.inAmount);
    const sellHeld = this.o.manager.openWith(r.peer, r.sell, (h) => h.channel.balances.own >= price);
    if (sellHeld === null) throw this.noChannel(r, r.sell, `in which this node holds the price, ${price}`);
    return {
      ...r, price, rate: { inUnits: BigInt(q.data.inUnits), outUnits: BigInt(q.data.outUnits) },
      sellChannel: sellHeld.meta.id, buyChannel: buyHeld.meta.id, expiryDelta: q.data.expiryDelta,
    };
  }

  /**
   * Quote and carry out a swap; refused (nothing locked) if the price is above `maxSell`.
   * Resolves when both HTLCs settled, or throws PaymentFailed (nothing moved) or
   * PaymentPending (ours stands; it settles or is refunded at its expiry).
   */
  async execute(r: SwapRequest & { readonly maxSell?: bigint; readonly timeoutMs?: number }): Promise<SwapResult> {
    const q = await this.quote(r);
    const max = r.maxSell ?? q.price;
    if (q.price > max) {
      throw new NodeError(NodeCode.NoRoute, `the peer asks ${q.price} ${label(r.sell)} for ${r.amount} ${label(r.buy)}, more than the ${max} allowed`, {
        details: { price: q.price.toString(), maxSell: max.toString() },
      });
    }
    const invoice = await this.o.invoices.issue({ amount: r.amount, token: r.buy, memo: `swap: ${label(r.sell)} for ${label(r.buy)}`, expirySeconds: SWAP_INVOICE_SECONDS, hints: false });
    const held = this.o.manager.entry(q.sellChannel);
    const paid = await this.o.invoices.pay(invoice.text, {
      ...(r.timeoutMs === undefined ? {} : { timeoutMs: r.timeoutMs }),
      route: { held, hub: { principal: r.peer, expiryDelta: q.expiryDelta }, fee: 0n, max },
    });
    return this.result(q, toHex(invoice.paymentHash), paid);
  }

  /** Where a swap of ours stands: null if `hash` is not one. */
  status(hash: string): { readonly paymentHash: string; readonly status: OutgoingPayment['status']; readonly bought: boolean; readonly amount: bigint; readonly reason: string | null } | null {
    const issued = this.o.invoices.issued(hash);
    const out = this.o.invoices.outgoing(hash);
    // a swap is an invoice of ours that we pay ourselves
    if (issued === null || out === null || out.payee !== this.o.self) return null;
    return { paymentHash: out.hash, status: out.status, bought: issued.status === 'paid', amount: issued.amount, reason: out.reason };
  }

  private result(q: SwapQuote, hash: string, paid: OutgoingPayment): SwapResult {
    return { ...q, paymentHash: hash, status: paid.status, bought: this.o.invoices.issued(hash)?.status === 'paid', secret: paid.secret };
  }

  private noChannel(r: SwapRequest, token: string | null, what: string): NodeError {
    return new NodeError(NodeCode.NoRoute, `no open ${label(token)} channel with ${r.peer} ${what}: open or fund one`, {
      details: { peer: r.peer, token, amount: r.amount.toString() },
    });
  }
}

const label = (token: string | null) => token ?? 'STX';

