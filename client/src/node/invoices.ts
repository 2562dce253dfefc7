// The node's invoices (PROTOCOL §10): issuing them as the payee, paying them as the
// payer, and settling the HTLCs that carry them.
// - Issue: a fresh secret, kept durably (invoice-ledger.ts) before the signed invoice
//   leaves the node.
// - Issue with route hints: each connected peer with a channel that can pay us the
//   amount and that forwards (its `forward-policy`) is named with its fee and delta.
// - Pay: read and verify the invoice, refuse a hash already paid or in flight, lock the
//   amount in an HTLC towards the payee on a channel with it — or, with none, through
//   a hub the invoice names that we have a channel with (asking it to forward first,
//   amount + its fee) — and wait for the secret (the proof of payment) or the failure.
// - Settle, as the payee: every HTLC a peer offers on one of our hashes is fulfilled if
//   it matches the open invoice (token, amount, an expiry we can claim in time), and
//   failed otherwise; so is an HTLC on a hash we never issued. After a restart the
//   HTLCs still standing are looked at again, and payments in flight are settled from
//   what the channels know.
// It decides; the channels (through the manager) sign and store.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ChannelCode } from '../channel/errors.js';
import { PaymentFailedError, PaymentPendingError } from '../channel/payments.js';
import type { Htlc } from '../codec/state.js';
import { sha256 } from '../crypto/sha256.js';
import { MAX_HINTS, type RouteHint } from '../invoice/invoice.js';
import { createInvoice, hintFee, readInvoice, type Invoice } from '../invoice/sign.js';
import { principalOf } from '../peer/handshake.js';
import type { SignedState } from '../store/types.js';
import { fromHex, toHex } from '../wire/json.js';
import { NodeCode, NodeError } from './errors.js';
import type { NodeEvents } from './events.js';
import type { InvoiceLedger, IssuedInvoice, OutgoingPayment } from './invoice-ledger.js';
import { ForwardReplySchema, PolicySchema, SAFETY_DELTA } from './forwarder.js';
import type { ChannelManager } from './manager.js';
import type { HeldChannel } from './open-channel-with.js';

export interface InvoiceDeskOptions {
  readonly ledger: InvoiceLedger;
  readonly manager: ChannelManager;
  readonly self: { readonly principal: string; readonly publicKey: Uint8Array; sign(hash: Uint8Array): Uint8Array | Promise<Uint8Array> };
  readonly recover: (hash: Uint8Array, sig: Uint8Array) => Uint8Array;
  readonly chainId: number;
  /** where payers reach this node (null: not listening) */
  readonly peerUrl: () => string | null;
  readonly events: NodeEvents;
  readonly log: Logger;
  /** tenures added to the expiry the payee needs (default 3): the time until the payee sees the HTLC */
  readonly expiryMargin?: number;
  /** unix seconds (tests move it) */
  readonly now?: () => number;
}

export interface IssueRequest {
  readonly amount: bigint;
  readonly token: string | null;
  readonly memo?: string;
  readonly expirySeconds?: number;
  readonly finalExpiryDelta?: number;
  /** name forwarding peers as route hints (default true; a swap's own invoice needs none) */
  readonly hints?: boolean;
}

/** peers asked for their forwarding policy when an invoice is issued, at most */
const HINT_CANDIDATES = 8;

export const INVOICE_DEFAULTS = { expirySeconds: 3600, finalExpiryDelta: 12, payTimeoutMs: 60_000 } as const;


/** How a payment reaches the payee: a direct channel, or a channel to a hub that forwards. */
export interface Route {
  readonly held: HeldChannel;
  /** null: the channel's peer is the payee; else the hub and the tenures it takes off the expiry */
  readonly hub: { readonly principal: string; readonly expiryDelta: number } | null;
  /** the hub's fee (in the invoice's token; 0 for a swap) */
  readonly fee: bigint;
  /** the most the HTLC may carry: amount + fee, or a swap's price cap in the channel's token */
  readonly max: bigint;
}

/** The part of the forwarder (forwarder.ts) the desk hands HTLCs it did not issue to. */
export interface ForwardTaker {
  /** true: a forward's HTLC, handled there; false: nobody asked to forward it */
  take(h: HeldChannel, htlc: Htlc): boolean;
}

interface Waiter {
  readonly channelId: string;
  readonly resolve: (p: OutgoingPayment) => void;
}

export class InvoiceDesk {
  private readonly waiters = new Map<string, Waiter[]>();
  /** payments of ours whose HTLC has stood in a signed state (so its leaving settles them) */
  private readonly standing = new Set<string>();
  /** incoming HTLCs decided, by channel, by hash: each is decided once while it stands */
  private readonly decided = new Map<string, Set<string>>();
  private forwarder: ForwardTaker | null = null;
  private readonly now: () => number;

  constructor(private readonly o: InvoiceDeskOptions) {
    this.now = o.now ?? (() => Math.floor(Date.now() / 1000));
  }

  /** HTLCs on hashes this node did not issue go to `f` first. */
  forwardWith(f: ForwardTaker): void {
    this.forwarder = f;
  }

  /** Issue an invoice: its secret is durable before this returns. */
  async issue(r: IssueRequest): Promise<Invoice> {
    const peerUrl = this.o.peerUrl();
    if (peerUrl === null) throw new NodeError(NodeCode.ChannelState, 'this node takes no peers, so nobody could pay its invoice');
    const secret = randomBytes(32);
    const invoice = await createInvoice({
      chainId: this.o.chainId, paymentHash: sha256(secret), amount: r.amount, token: r.token, createdAt: this.now(),
      expirySeconds: r.expirySeconds ?? INVOICE_DEFAULTS.expirySeconds, payeeKey: this.o.self.publicKey, payeeUrl: peerUrl,
      memo: r.memo ?? '', finalExpiryDelta: r.finalExpiryDelta ?? INVOICE_DEFAULTS.finalExpiryDelta, hints: r.hints === false ? [] : await this.hints(r.amount, r.token),
    }, (h) => this.o.self.sign(h));
    this.o.ledger.issue({
      hash: toHex(invoice.paymentHash), secret: toHex(secret), text: invoice.text, amount: invoice.amount, token: invoice.token,
      expiresAt: invoice.expiresAt, finalExpiryDelta: invoice.finalExpiryDelta, memo: invoice.memo,
    });
    return invoice;
  }

  /** Read an invoice as this node would pay it (INVOICE_* errors for a bad one). */
  read(text: string): Invoice {
    return readInvoice(text, this.o.recover, { chainId: this.o.chainId, now: this.now() });
  }

  /** How this node would pay `text`: the channel, the hub if any, the fee and the total, or NODE_NO_ROUTE. */
  quote(text: string): { invoice: Invoice; route: Route; channelId: string; fee: bigint; total: bigint } {
    const invoice = this.read(text);
    const route = this.route(invoice);
    return { invoice, route, channelId: route.held.meta.id, fee: route.fee, total: invoice.amount + route.fee };
  }

  /**
   * Pay an invoice; resolves once the payee's secret is known (paid) or the HTLC failed.
   * `route`: the way to pay it, chosen by the caller (a swap, swaps.ts), instead of the quote's.
   */
  async pay(text: string, o: { timeoutMs?: number; route?: Route } = {}): Promise<OutgoingPayment> {
    const invoice = this.read(text);
    const route = o.route ?? this.route(invoice);
    const channelId = route.held.meta.id;
    const hash = toHex(invoice.paymentHash);
    const h = route.held;
    if (!this.o.ledger.beginOutgoing({ hash, text: invoice.text, payee: invoice.payee, amount: invoice.amount, fee: route.fee, channelId, at: Date.now() })) {
      const was = this.o.ledger.outgoing(hash)!;
      throw new NodeError(NodeCode.InvoicePaid, `this invoice is already ${was.status === 'paid' ? 'paid' : 'being paid'}: a payment hash is paid once`, {
        details: { paymentHash: hash, status: was.status },
      });
    }
    const done = this.outcome(hash, channelId);
    const heights = this.o.manager.heights;
    const delta = BigInt(invoice.finalExpiryDelta) > SAFETY_DELTA ? BigInt(invoice.finalExpiryDelta) : SAFETY_DELTA;
    // through a hub, the payee's HTLC is ours shortened by the hub's delta
    const margin = BigInt(this.o.expiryMargin ?? 3);
    const expiry = heights.tenure + h.meta.window + delta + margin + BigInt(route.hub?.expiryDelta ?? 0);
    // the caller's time bounds the whole payment, the HTLC's offer included: an offer the
    // peer has not signed (it went offline mid-proposal) waits for it to come back, which
    // may be never; the payment then stands as pending and ends when the offer does
    const timeoutMs = o.timeoutMs ?? INVOICE_DEFAULTS.payTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((r) => (timer = setTimeout(() => r(null), timeoutMs)));
    const pending = (what: string) => new PaymentPendingError(`${what} within ${timeoutMs} ms; the HTLC stands until it settles or expires at tenure ${expiry}`, {
      details: { paymentHash: hash, channelId, expiry: expiry.toString() },
    });
    const failed = (e: unknown) => {
      // the HTLC never stood in a signed state: nothing is locked, the payment failed
      this.settle(hash, { status: 'failed', reason: `${(e as { code?: string }).code ?? 'ERROR'}: ${(e as Error).message}` });
      return new PaymentFailedError(ChannelCode.PaymentFailed, `the HTLC could not be offered: ${(e as Error).message}`, { cause: e, details: { paymentHash: hash } });
    };
    try {
      let amount: bigint;
      try {
        amount = route.hub === null ? invoice.amount : await this.askHub(route, invoice, expiry);
      } catch (e) {
        throw failed(e);
      }
      const offered = h.channel.addHtlc({ hash: invoice.paymentHash, amount, expiry }).then(
        () => this.o.events.emit({ type: 'invoice.htlc', paymentHash: hash, channelId, amount: invoice.amount.toString(), expiry: expiry.toString() }),
        (e: unknown) => failed(e),
      );
      const stood = await Promise.race([offered, late]);
      if (stood instanceof PaymentFailedError) throw stood;
      if (stood === null) throw pending('the peer has not signed the HTLC offer');
      const waited = await Promise.race([done, late]);
      if (waited === null) throw pending('the payee has not settled');
      if (waited.status === 'failed') throw new PaymentFailedError(ChannelCode.PaymentFailed, `the payee refused the payment: ${waited.reason ?? 'no reason'}`, { details: { paymentHash: hash } });
      return waited;
    } finally {
      clearTimeout(timer);
    }
  }

  issued(hash: string): IssuedInvoice | null {
    return this.o.ledger.issued(hash.toLowerCase().replace(/^0x/, ''));
  }

  outgoing(hash: string): OutgoingPayment | null {
    return this.o.ledger.outgoing(hash.toLowerCase().replace(/^0x/, ''));
  }

  /** manager: a channel's newest state. */
  onState(channelId: string, signed: SignedState): void {
    const h = this.o.manager.find(channelId);
    if (h === null) return;
    const theirs = h.meta.role === 'b';
    const decided = this.decided.get(channelId);
    // an HTLC gone from the state is forgotten: the same hash offered again is decided again
    if (decided !== undefined) for (const k of decided) if (!signed.state.htlcs.some((x) => x.offeredByA === theirs && toHex(x.hash) === k)) decided.delete(k);
    for (const htlc of signed.state.htlcs) if (htlc.offeredByA === theirs) this.incoming(h, htlc);
    // A payment of ours whose HTLC stood and has left the state was settled by the payee:
    // paid if we know the secret, failed if not. One whose HTLC has not stood yet is not
    // judged: its proposal may still be signed (after a restart too), so failing it
    // would let it be paid twice.
    for (const p of this.o.ledger.inFlightOn(channelId)) {
      if (signed.state.htlcs.some((x) => x.offeredByA !== theirs && toHex(x.hash) === p.hash)) {
        this.standing.add(p.hash);
        continue;
      }
      if (!this.standing.has(p.hash)) continue;
      this.standing.delete(p.hash);
      const secret = h.channel.secretFor(fromHex(p.hash));
      this.settle(p.hash, secret === null ? { status: 'failed', reason: 'the payee failed the HTLC' } : { status: 'paid', secret: toHex(secret) });
    }
  }

  /** manager: a channel learned a secret (a peer fulfilled or revealed). */
  onSecret(_channelId: string, hash: Uint8Array, secret: Uint8Array): void {
    const p = this.o.ledger.outgoing(toHex(hash));
    if (p !== null && p.status === 'in-flight') this.settle(p.hash, { status: 'paid', secret: toHex(secret) });
  }

  /** After a restart: settle what the channels now show. */
  resume(): void {
    for (const h of this.o.manager.all()) this.onState(h.meta.id, h.channel.latest);
  }

  /** A direct channel to the payee if one can carry the amount, else the cheapest hub of the invoice's hints we have a channel with. */
  private route(invoice: Invoice): Route {
    if (invoice.payee === this.o.self.principal) throw new NodeError(NodeCode.BadRequest, 'this is an invoice of this node: a node does not pay itself');
    const direct = this.usable(invoice.payee, invoice.token, invoice.amount);
    if (direct !== null) return { held: direct, hub: null, fee: 0n, max: invoice.amount };
    const viaHubs = invoice.hints
      .map((hint) => ({ hint, principal: principalOf(hint.hubKey, invoice.chainId), fee: hintFee(invoice.amount, hint) }))
      .filter((x) => x.principal !== this.o.self.principal)
      .map((x) => ({ ...x, held: this.usable(x.principal, invoice.token, invoice.amount + x.fee) }))
      .filter((x): x is typeof x & { held: HeldChannel } => x.held !== null)
      .sort((a, b) => (a.fee < b.fee ? -1 : a.fee > b.fee ? 1 : 0));
    const best = viaHubs[0];
    if (best === undefined) {
      throw new NodeError(NodeCode.NoRoute, `no open ${invoice.token ?? 'STX'} channel with ${invoice.payee}, or with a hub the invoice names, holds the amount: open one`, {
        details: { payee: invoice.payee, token: invoice.token, amount: invoice.amount.toString(), hubs: invoice.hints.map((h) => principalOf(h.hubKey, invoice.chainId)) },
      });
    }
    return { held: best.held, hub: { principal: best.principal, expiryDelta: best.hint.expiryDelta }, fee: best.fee, max: invoice.amount + best.fee };
  }

  /** An open channel with `peer` in `token` whose own balance covers `amount` (a connected one first). */
  private usable(peer: string, token: string | null, amount: bigint): HeldChannel | null {
    return this.o.manager.openWith(peer, token, (h) => h.channel.balances.own >= amount);
  }

  /** Ask the hub to forward; it must charge no more than its hint (or the swap's cap) said. What the HTLC carries, as the hub asks. */
  private async askHub(route: Route, invoice: Invoice, expiry: bigint): Promise<bigint> {
    const inToken = route.held.meta.token;
    const ask = { invoice: invoice.text, expiry: expiry.toString(), ...(inToken === invoice.token ? {} : { inToken }) };
    const reply = ForwardReplySchema.safeParse(await this.o.manager.sessionOf(route.hub!.principal).request('forward', ask, 10_000));
    if (!reply.success) throw new NodeError(NodeCode.NoRoute, 'the hub answered the forward request with nonsense');
    if (BigInt(reply.data.fee) > route.fee) throw new NodeError(NodeCode.NoRoute, `the hub asks a fee of ${reply.data.fee}, more than the ${route.fee} its hint names`);
    const asked = BigInt(reply.data.inAmount);
    if (asked > route.max) throw new NodeError(NodeCode.NoRoute, `the hub asks ${asked}, more than the ${route.max} agreed`, { details: { asked: asked.toString(), max: route.max.toString() } });
    if (asked < invoice.amount && inToken === invoice.token) throw new NodeError(NodeCode.NoRoute, 'the hub answered the forward request with nonsense');
    return asked;
  }

  /** Hints for an invoice of `amount`: connected peers that forward and hold enough towards us. */
  private async hints(amount: bigint, token: string | null): Promise<RouteHint[]> {
    // the peers that can pay us the most first, and few of them: a hub issuing an invoice
    // must not ask every user it has a channel with
    const peers = new Set(this.o.manager.all()
      .filter((h) => h.meta.phase === 'open' && h.meta.token === token && h.channel.balances.other >= amount && this.o.manager.peerConnected(h.meta.peer))
      .sort((a, b) => (a.channel.balances.other > b.channel.balances.other ? -1 : a.channel.balances.other < b.channel.balances.other ? 1 : 0))
      .slice(0, HINT_CANDIDATES)
      .map((h) => h.meta.peer));
    const out: RouteHint[] = [];
    for (const peer of peers) {
      if (out.length >= MAX_HINTS) break;
      const session = this.o.manager.sessionOf(peer);
      const p = PolicySchema.safeParse(await session.request('forward-policy', {}, 2_000).catch(() => null));
      if (!p.success) continue; // it does not forward, or did not answer in time
      out.push({ hubKey: session.publicKey, hubUrl: p.data.url, feeBase: BigInt(p.data.feeBase), feePpm: p.data.feePpm, expiryDelta: p.data.expiryDelta });
    }
    return out;
  }

  private outcome(hash: string, channelId: string): Promise<OutgoingPayment> {
    return new Promise((resolve) => {
      const list = this.waiters.get(hash) ?? [];
      list.push({ channelId, resolve });
      this.waiters.set(hash, list);
    });
  }

  private settle(hash: string, outcome: { status: 'paid'; secret: string } | { status: 'failed'; reason: string }): void {
    this.o.ledger.settleOutgoing(hash, outcome);
    const p = this.o.ledger.outgoing(hash)!;
    if (p.status === 'in-flight') return;
    this.o.events.emit({ type: 'invoice.sent', paymentHash: hash, status: p.status, amount: p.amount.toString(), channelId: p.channelId });
    for (const w of this.waiters.get(hash) ?? []) w.resolve(p);
    this.waiters.delete(hash);
  }

  /** An HTLC the peer offers us: fulfil it if it pays an open invoice of ours as asked, else fail it. */
  private incoming(h: HeldChannel, htlc: Htlc): void {
    const hash = toHex(htlc.hash);
    const decided = this.decided.get(h.meta.id) ?? new Set<string>();
    this.decided.set(h.meta.id, decided);
    if (decided.has(hash)) return;
    decided.add(hash);
    const issued = this.o.ledger.issued(hash);
    if (issued === null && this.forwarder?.take(h, htlc) === true) return;
    const problem = this.problemWith(issued, h, htlc);
    if (problem !== null) {
      h.channel.failHtlc(htlc.hash).then(() => this.o.log.info({ channel: h.meta.id, paymentHash: hash, why: problem }, 'failed an HTLC'))
        .catch((e: unknown) => this.o.log.warn({ channel: h.meta.id, paymentHash: hash, err: e }, 'could not fail an incoming HTLC'));
      return;
    }
    // marked paid (on this channel) before the claim: a restart finds the claim and
    // carries it on, and no second HTLC on the hash is ever taken for it
    const first = issued!.status === 'open';
    if (first) this.o.ledger.markIssuedPaid(hash, h.meta.id, Date.now());
    h.channel.fulfilHtlc(fromHex(issued!.secret)).then(() => {
      this.o.events.emit({ type: 'invoice.paid', paymentHash: hash, channelId: h.meta.id, amount: htlc.amount.toString() });
      this.o.log.info({ channel: h.meta.id, paymentHash: hash, amount: htlc.amount.toString() }, 'invoice paid');
    }).catch((e: unknown) => {
      // the claim was refused (e.g. the HTLC expired meanwhile): the invoice is not paid
      if (first) this.o.ledger.reopenIssued(hash);
      this.o.log.warn({ channel: h.meta.id, paymentHash: hash, err: e }, 'could not claim an incoming HTLC');
    });
  }

  /** Why an incoming HTLC does not pay `issued` (null: it does). */
  private problemWith(issued: IssuedInvoice | null, h: HeldChannel, htlc: Htlc): string | null {
    if (issued === null) return 'no invoice of this node has this hash';
    // paid on this very channel: the claim an earlier run began, carried on
    if (issued.status === 'paid' && issued.channelId !== h.meta.id) return 'the invoice is already paid';
    if (this.now() >= issued.expiresAt) return 'the invoice expired';
    if (issued.token !== h.meta.token) return `the invoice is in ${issued.token ?? 'STX'}, the channel in ${h.meta.token ?? 'STX'}`;
    if (htlc.amount < issued.amount) return `the HTLC carries ${htlc.amount}, the invoice asks ${issued.amount}`;
    const need = this.o.manager.heights.tenure + h.meta.window + BigInt(issued.finalExpiryDelta);
    if (htlc.expiry < need) return `the HTLC expires at tenure ${htlc.expiry}; the invoice needs at least ${need}`;
    return null;
  }
}
