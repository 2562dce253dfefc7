// The node's invoices (PROTOCOL §10): issuing them as the payee, paying them as the
// payer, and settling the HTLCs that carry them.
// - Issue: a fresh secret, kept durably (invoice-ledger.ts) before the signed invoice
//   leaves the node.
// - Pay: read and verify the invoice, refuse a hash already paid or in flight, lock the
//   amount in an HTLC towards the payee on a channel with it, and wait for the secret
//   (the proof of payment) or the HTLC's failure.
// - Settle, as the payee: every HTLC a peer offers on one of our hashes is fulfilled if
//   it matches the open invoice (token, amount, an expiry we can claim in time), and
//   failed otherwise; so is an HTLC on a hash we never issued. After a restart the
//   HTLCs still standing are looked at again, and payments in flight are settled from
//   what the channels know.
// It decides; the channels (through the manager) sign and store.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Channel } from '../channel/channel.js';
import { ChannelCode } from '../channel/errors.js';
import { PaymentFailedError, PaymentPendingError } from '../channel/payments.js';
import type { Htlc } from '../codec/state.js';
import { sha256 } from '../crypto/sha256.js';
import { createInvoice, readInvoice, type Invoice } from '../invoice/sign.js';
import type { SignedState } from '../store/types.js';
import { fromHex, toHex } from '../wire/json.js';
import { NodeCode, NodeError } from './errors.js';
import type { NodeEvents } from './events.js';
import type { InvoiceLedger, IssuedInvoice, OutgoingPayment } from './invoice-ledger.js';
import type { ChannelManager } from './manager.js';
import type { ChannelMeta } from './meta.js';

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
  /** unix seconds (tests move it) */
  readonly now?: () => number;
}

export interface IssueRequest {
  readonly amount: bigint;
  readonly token: string | null;
  readonly memo?: string;
  readonly expirySeconds?: number;
  readonly finalExpiryDelta?: number;
}

export const INVOICE_DEFAULTS = { expirySeconds: 3600, finalExpiryDelta: 12, payTimeoutMs: 60_000 } as const;
/** tenures a payer adds to the expiry it must give, for the two sides' views of the tip to differ */
const EXPIRY_MARGIN = 3n;
/** the channel rules' safety delta (rules() in channel.ts): an HTLC expiry must clear it too */
const SAFETY_DELTA = 6n;

type Held = { readonly meta: ChannelMeta; readonly channel: Channel };

interface Waiter {
  readonly channelId: string;
  readonly resolve: (p: OutgoingPayment) => void;
}

export class InvoiceDesk {
  private readonly waiters = new Map<string, Waiter[]>();
  /** payments of ours whose HTLC has stood in a signed state (so its leaving settles them) */
  private readonly standing = new Set<string>();
  /** incoming HTLCs being settled, by channel and hash: each is decided once */
  private readonly deciding = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly o: InvoiceDeskOptions) {
    this.now = o.now ?? (() => Math.floor(Date.now() / 1000));
  }

  /** Issue an invoice: its secret is durable before this returns. */
  async issue(r: IssueRequest): Promise<Invoice> {
    const peerUrl = this.o.peerUrl();
    if (peerUrl === null) throw new NodeError(NodeCode.ChannelState, 'this node takes no peers, so nobody could pay its invoice');
    const secret = randomBytes(32);
    const invoice = await createInvoice({
      chainId: this.o.chainId, paymentHash: sha256(secret), amount: r.amount, token: r.token, createdAt: this.now(),
      expirySeconds: r.expirySeconds ?? INVOICE_DEFAULTS.expirySeconds, payeeKey: this.o.self.publicKey, payeeUrl: peerUrl,
      memo: r.memo ?? '', finalExpiryDelta: r.finalExpiryDelta ?? INVOICE_DEFAULTS.finalExpiryDelta, hints: [],
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

  /** How this node would pay `text`: the channel, the fee and the total, or NODE_NO_ROUTE. */
  quote(text: string): { invoice: Invoice; channelId: string; fee: bigint; total: bigint } {
    const invoice = this.read(text);
    const h = this.route(invoice);
    return { invoice, channelId: h.meta.id, fee: 0n, total: invoice.amount };
  }

  /** Pay an invoice; resolves once the payee's secret is known (paid) or the HTLC failed. */
  async pay(text: string, o: { timeoutMs?: number } = {}): Promise<OutgoingPayment> {
    const { invoice, channelId } = this.quote(text);
    const hash = toHex(invoice.paymentHash);
    const h = this.o.manager.entry(channelId);
    if (!this.o.ledger.beginOutgoing({ hash, text: invoice.text, payee: invoice.payee, amount: invoice.amount, fee: 0n, channelId, at: Date.now() })) {
      const was = this.o.ledger.outgoing(hash)!;
      throw new NodeError(NodeCode.InvoicePaid, `this invoice is already ${was.status === 'paid' ? 'paid' : 'being paid'}: a payment hash is paid once`, {
        details: { paymentHash: hash, status: was.status },
      });
    }
    const done = this.outcome(hash, channelId);
    const heights = this.o.manager.heights;
    const delta = BigInt(invoice.finalExpiryDelta) > SAFETY_DELTA ? BigInt(invoice.finalExpiryDelta) : SAFETY_DELTA;
    const expiry = heights.tenure + h.meta.window + delta + EXPIRY_MARGIN;
    try {
      await h.channel.addHtlc({ hash: invoice.paymentHash, amount: invoice.amount, expiry });
    } catch (e) {
      // the HTLC never stood in a signed state: nothing is locked, the payment failed
      this.settle(hash, { status: 'failed', reason: `${(e as { code?: string }).code ?? 'ERROR'}: ${(e as Error).message}` });
      throw new PaymentFailedError(ChannelCode.PaymentFailed, `the HTLC could not be offered: ${(e as Error).message}`, { cause: e, details: { paymentHash: hash } });
    }
    this.o.events.emit({ type: 'invoice.htlc', paymentHash: hash, channelId, amount: invoice.amount.toString(), expiry: expiry.toString() });
    const timeoutMs = o.timeoutMs ?? INVOICE_DEFAULTS.payTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([done, new Promise<null>((r) => (timer = setTimeout(() => r(null), timeoutMs)))]);
    clearTimeout(timer);
    if (waited === null) {
      throw new PaymentPendingError(`the payee has not settled within ${timeoutMs} ms; the HTLC stands until it does or expires at tenure ${expiry}`, {
        details: { paymentHash: hash, channelId, expiry: expiry.toString() },
      });
    }
    if (waited.status === 'failed') throw new PaymentFailedError(ChannelCode.PaymentFailed, `the payee refused the payment: ${waited.reason ?? 'no reason'}`, { details: { paymentHash: hash } });
    return waited;
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
    for (const htlc of signed.state.htlcs) if (htlc.offeredByA === theirs) this.incoming(h, htlc);
    // A payment of ours whose HTLC stood and has left the state was settled by the payee:
    // paid if we know the secret, failed if not. One whose HTLC has not stood yet is not
    // judged: its proposal may still be signed (after a restart too), so failing it
    // would let it be paid twice.
    for (const p of this.o.ledger.inFlight()) {
      if (p.channelId !== channelId) continue;
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

  private route(invoice: Invoice): Held {
    if (invoice.payee === this.o.self.principal) throw new NodeError(NodeCode.BadRequest, 'this is an invoice of this node: a node does not pay itself');
    const direct = this.o.manager.all().filter((h) =>
      h.meta.peer === invoice.payee && h.meta.phase === 'open' && h.meta.token === invoice.token && h.channel.balances.own >= invoice.amount);
    const usable = direct.find((h) => this.o.manager.peerConnected(h.meta.peer)) ?? direct[0];
    if (usable === undefined) {
      throw new NodeError(NodeCode.NoRoute, `no open ${invoice.token ?? 'STX'} channel with ${invoice.payee} holds ${invoice.amount}: open one, or pay through a hub the invoice names`, {
        details: { payee: invoice.payee, token: invoice.token, amount: invoice.amount.toString() },
      });
    }
    return usable;
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
  private incoming(h: Held, htlc: Htlc): void {
    const hash = toHex(htlc.hash);
    const key = `${h.meta.id}:${hash}`;
    if (this.deciding.has(key)) return;
    this.deciding.add(key);
    const issued = this.o.ledger.issued(hash);
    const problem = this.problemWith(issued, h, htlc);
    const settled = problem === null
      ? h.channel.fulfilHtlc(fromHex(issued!.secret)).then(() => {
        this.o.ledger.markIssuedPaid(hash, h.meta.id, Date.now());
        this.o.events.emit({ type: 'invoice.paid', paymentHash: hash, channelId: h.meta.id, amount: htlc.amount.toString() });
        this.o.log.info({ channel: h.meta.id, paymentHash: hash, amount: htlc.amount.toString() }, 'invoice paid');
      })
      : h.channel.failHtlc(htlc.hash).then(() => this.o.log.info({ channel: h.meta.id, paymentHash: hash, why: problem }, 'failed an HTLC'));
    settled.catch((e: unknown) => this.o.log.warn({ channel: h.meta.id, paymentHash: hash, err: e }, 'could not settle an incoming HTLC'))
      .finally(() => this.deciding.delete(key));
  }

  /** Why an incoming HTLC does not pay `issued` (null: it does). */
  private problemWith(issued: IssuedInvoice | null, h: Held, htlc: Htlc): string | null {
    if (issued === null) return 'no invoice of this node has this hash';
    if (issued.status === 'paid') return 'the invoice is already paid';
    if (this.now() >= issued.expiresAt) return 'the invoice expired';
    if (issued.token !== h.meta.token) return `the invoice is in ${issued.token ?? 'STX'}, the channel in ${h.meta.token ?? 'STX'}`;
    if (htlc.amount < issued.amount) return `the HTLC carries ${htlc.amount}, the invoice asks ${issued.amount}`;
    const need = this.o.manager.heights.tenure + h.meta.window + BigInt(issued.finalExpiryDelta);
    if (htlc.expiry < need) return `the HTLC expires at tenure ${htlc.expiry}; the invoice needs at least ${need}`;
    return null;
  }
}
