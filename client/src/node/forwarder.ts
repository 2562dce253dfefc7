// The node as a hub: forwarding an invoice's HTLC from the payer's channel to the
// payee's (PROTOCOL §5, §10). One intermediary:
//   1. the payer asks (`forward`: the invoice and the expiry it will offer); the hub
//      checks the invoice, its channel to the payee and the expiries, quotes its fee
//      (base + rate, the one its invoices' hints name) and records the offer;
//   2. the payer's HTLC (amount + fee) arrives: the hub records the forward durably, then
//      offers the payee an HTLC for the amount, its expiry shorter by the hub's delta;
//   3. the payee fulfils downstream: the hub has the secret (kept durably by the
//      channel) and fulfils upstream at once; the payee fails downstream: the hub fails
//      upstream. An upstream peer that does not take the secret off-chain gets it
//      revealed on-chain before the upstream expiry by the node's tower, whose secret
//      source reads every channel's secrets: that reveal pays the hub however the
//      channel closes.
// The hub never pays out before the payer's HTLC stands in a signed state, and never
// refunds upstream while the downstream HTLC may still be paid.
// Swaps (PROTOCOL §5) are the same forward with another token coming in than going out:
// the payer names its token (`inToken`), the hub prices the invoice's amount at its rate
// for that pair and asks that in the payer's token. A swap of one's own is paying an
// invoice of one's own this way (swaps.ts): one hash locks both HTLCs, so the payer's
// coins move only if the hub's do.
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Htlc } from '../codec/state.js';
import { hintFee } from '../invoice/sign.js';
import type { PeerSession } from '../peer/session.js';
import type { SignedState } from '../store/types.js';
import { fromHex, toHex } from '../wire/json.js';
import { NodeCode, NodeError } from './errors.js';
import type { NodeEvents } from './events.js';
import type { ForwardRecord, InvoiceLedger } from './invoice-ledger.js';
import type { InvoiceDesk } from './invoices.js';
import type { ChannelHooks, ChannelManager } from './manager.js';
import type { HeldChannel } from './open-channel-with.js';

export interface ForwardPolicy {
  readonly enabled: boolean;
  readonly feeBase: bigint;
  readonly feePpm: number;
  /** tenures taken off the expiry of the HTLC forwarded (covers getting a reveal mined upstream) */
  readonly expiryDelta: number;
  /** the swaps this hub makes, by token pair (none: it makes none) */
  readonly rates: readonly SwapRate[];
}

/** A hub takes `inUnits` of `inToken` for every `outUnits` of `outToken` it pays out (null: STX). */
export interface SwapRate {
  readonly inToken: string | null;
  readonly outToken: string | null;
  readonly inUnits: bigint;
  readonly outUnits: bigint;
}

/** What a swap paying `outAmount` costs at `rate`, rounded up (the hub never pays more than its rate). */
export function swapPrice(outAmount: bigint, rate: SwapRate): bigint {
  return (outAmount * rate.inUnits + rate.outUnits - 1n) / rate.outUnits;
}

/** the channel rules' safety delta (channel.ts rules()): an HTLC expiry must clear it */
export const SAFETY_DELTA = 6n;

export const PolicySchema = z.strictObject({
  url: z.string().regex(/^wss?:\/\/[^\s]{1,190}$/),
  feeBase: z.string().regex(/^[0-9]{1,20}$/),
  feePpm: z.number().int().min(0).max(1_000_000),
  expiryDelta: z.number().int().min(1).max(1_000),
});
const TokenSchema = z.string().regex(/^S[0-9A-Z]{27,40}\.[a-zA-Z][a-zA-Z0-9-]{0,39}$/).nullable();
const uint = z.string().regex(/^[0-9]{1,39}$/);
const ForwardRequestSchema = z.strictObject({
  invoice: z.string().min(10).max(2_000), expiry: z.string().regex(/^[0-9]{1,20}$/),
  /** the token the payer's HTLC comes in, if not the invoice's: a swap */
  inToken: TokenSchema.optional(),
});
export const ForwardReplySchema = z.strictObject({ fee: uint, outExpiry: z.string().regex(/^[0-9]{1,20}$/), inAmount: uint });
const SwapQuoteRequestSchema = z.strictObject({ inToken: TokenSchema, outToken: TokenSchema, outAmount: z.string().regex(/^[1-9][0-9]{0,38}$/) });
export const SwapQuoteSchema = z.strictObject({ inAmount: uint, inUnits: uint, outUnits: uint, expiryDelta: z.number().int().min(1).max(1_000) });


export interface ForwarderOptions {
  readonly ledger: InvoiceLedger;
  readonly manager: ChannelManager;
  readonly invoices: InvoiceDesk;
  readonly policy: ForwardPolicy;
  readonly self: string;
  readonly peerUrl: () => string | null;
  readonly events: NodeEvents;
  readonly log: Logger;
}

export class Forwarder implements ChannelHooks {
  /** forwards whose downstream HTLC has stood in a signed state (so its leaving settles them) */
  private readonly standing = new Set<string>();
  /** upstream settlements under way, by hash */
  private readonly relaying = new Set<string>();

  constructor(private readonly o: ForwarderOptions) {
    o.manager.serve('forward-policy', () => this.policyReply());
    o.manager.serve('forward', (body, session) => this.onRequest(body, session));
    o.manager.serve('swap-quote', (body, session) => this.onSwapQuote(body, session));
    o.manager.follow(this);
  }

  private policyReply(): z.infer<typeof PolicySchema> {
    const url = this.o.peerUrl();
    if (!this.o.policy.enabled || url === null) throw new NodeError(NodeCode.OpenRefused, 'this node does not forward payments');
    return { url, feeBase: this.o.policy.feeBase.toString(), feePpm: this.o.policy.feePpm, expiryDelta: this.o.policy.expiryDelta };
  }

  /** The payer's request: check the invoice and the route onward, quote, record the offer. */
  private onRequest(body: unknown, session: PeerSession): z.infer<typeof ForwardReplySchema> {
    if (!this.o.policy.enabled) throw new NodeError(NodeCode.OpenRefused, 'this node does not forward payments');
    const r = ForwardRequestSchema.safeParse(body);
    if (!r.success) throw new NodeError(NodeCode.BadRequest, `forward: ${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}`);
    const invoice = this.o.invoices.read(r.data.invoice);
    if (invoice.payee === this.o.self) throw new NodeError(NodeCode.BadRequest, 'this node is the payee: pay it directly');
    const inToken = r.data.inToken === undefined ? invoice.token : r.data.inToken;
    const swap = inToken !== invoice.token;
    const fee = swap ? 0n : hintFee(invoice.amount, this.o.policy);
    const inAmount = swap ? swapPrice(invoice.amount, this.rate(inToken, invoice.token)) : invoice.amount + fee;
    const outExpiry = BigInt(r.data.expiry) - BigInt(this.o.policy.expiryDelta);
    const out = this.outChannel(invoice.payee, invoice.token, invoice.amount);
    const need = this.needOut(out, invoice.finalExpiryDelta);
    if (outExpiry < need) {
      throw new NodeError(NodeCode.NoRoute, `an upstream expiry of ${r.data.expiry} leaves the payee's HTLC at ${outExpiry}; it needs at least ${need}`);
    }
    const hash = toHex(invoice.paymentHash);
    const offer = { hash, payer: session.principal, payee: invoice.payee, token: invoice.token, outChannel: out.meta.id, amount: invoice.amount, fee, outExpiry, inToken, inAmount, at: Date.now() };
    if (!this.o.ledger.offerForward(offer)) throw new NodeError(NodeCode.InvoicePaid, 'this payment hash is already being forwarded');
    return { fee: fee.toString(), outExpiry: outExpiry.toString(), inAmount: inAmount.toString() };
  }

  /** What a swap paying the asking peer `outAmount` of `outToken` costs in `inToken`: checked against this hub's channel to it, nothing recorded. */
  private onSwapQuote(body: unknown, session: PeerSession): z.infer<typeof SwapQuoteSchema> {
    if (!this.o.policy.enabled) throw new NodeError(NodeCode.OpenRefused, 'this node does not forward payments, so it makes no swaps');
    const r = SwapQuoteRequestSchema.safeParse(body);
    if (!r.success) throw new NodeError(NodeCode.BadRequest, `swap-quote: ${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}`);
    const rate = this.rate(r.data.inToken, r.data.outToken);
    const outAmount = BigInt(r.data.outAmount);
    this.outChannel(session.principal, r.data.outToken, outAmount);
    return { inAmount: swapPrice(outAmount, rate).toString(), inUnits: rate.inUnits.toString(), outUnits: rate.outUnits.toString(), expiryDelta: this.o.policy.expiryDelta };
  }

  private rate(inToken: string | null, outToken: string | null): SwapRate {
    const rate = this.o.policy.rates.find((x) => x.inToken === inToken && x.outToken === outToken);
    if (rate === undefined || inToken === outToken) {
      throw new NodeError(NodeCode.NoRoute, `this hub makes no swaps from ${inToken ?? 'STX'} to ${outToken ?? 'STX'}`, { details: { inToken, outToken } });
    }
    return rate;
  }

  /**
   * An HTLC a peer offers on a hash this node did not issue. true: it is a forward's (this
   * took it on, or it is under way); false: nobody asked to forward it.
   */
  take(h: HeldChannel, htlc: Htlc): boolean {
    const hash = toHex(htlc.hash);
    const f = this.o.ledger.forward(hash);
    if (f === null) return false;
    if (f.status !== 'offered') {
      // under way or done (e.g. seen again after a restart): finish what is left
      this.finish(f);
      return true;
    }
    const problem = this.problemWith(f, h, htlc);
    if (problem !== null) {
      this.o.ledger.endForward(hash, 'failed', problem);
      this.failUpstream(h, htlc.hash, problem);
      return true;
    }
    const outExpiry = htlc.expiry - BigInt(this.o.policy.expiryDelta);
    const out = this.o.manager.find(f.outChannel)!;
    // durable before the downstream HTLC exists: a restart finds the forward and finishes it
    this.o.ledger.startForward(hash, h.meta.id, outExpiry);
    out.channel.addHtlc({ hash: htlc.hash, amount: f.amount, expiry: outExpiry }).catch((e: unknown) => {
      // the downstream HTLC never stood: nothing can be claimed from us, refund upstream
      this.o.ledger.endForward(hash, 'failed', `downstream refused: ${(e as Error).message}`);
      this.failUpstream(h, htlc.hash, (e as Error).message);
    });
    return true;
  }

  onSecret(channelId: string, hash: Uint8Array, secret: Uint8Array): void {
    const f = this.o.ledger.forward(toHex(hash));
    if (f !== null && f.status === 'forwarding' && f.outChannel === channelId) this.settleUpstream(f, secret);
  }

  onState(channelId: string, signed: SignedState): void {
    for (const f of this.o.ledger.forwardingOut(channelId)) {
      const out = this.o.manager.find(channelId);
      if (out === null) continue;
      const ours = out.meta.role === 'a';
      if (signed.state.htlcs.some((x) => x.offeredByA === ours && toHex(x.hash) === f.hash)) {
        this.standing.add(f.hash);
        continue;
      }
      if (!this.standing.has(f.hash)) continue;
      this.standing.delete(f.hash);
      this.finish(f, true);
    }
  }

  /** What this hub forwarded: the newest `limit`, and the fees earned. */
  report(limit = 100): ReturnType<InvoiceLedger['forwards']> {
    return this.o.ledger.forwards(limit);
  }

  /** After a restart: settle upstream what the downstream channels already decided. */
  resume(): void {
    for (const f of this.o.ledger.forwarding()) {
      const out = this.o.manager.find(f.outChannel);
      if (out === null) continue;
      const ours = out.meta.role === 'a';
      if (out.channel.latest.state.htlcs.some((x) => x.offeredByA === ours && toHex(x.hash) === f.hash)) this.standing.add(f.hash);
      else if (out.channel.secretFor(fromHex(f.hash)) !== null) this.finish(f);
      else this.reoffer(f, out);
    }
  }

  /**
   * The downstream HTLC neither stands nor was settled: its proposal may have died with the
   * previous run (the payee never read it). Offer the same HTLC again. If the payee did
   * sign the lost one, it shows that signature and the channel adopts it; this offer is
   * then a duplicate its own rules refuse (HTLC_DUPLICATE), with nothing to undo. Refused
   * for any other reason, nothing is failed upstream here: the lost proposal could still
   * come back, and the upstream HTLC's expiry settles the forward if nothing does.
   */
  private reoffer(f: ForwardRecord, out: HeldChannel): void {
    out.channel.addHtlc({ hash: fromHex(f.hash), amount: f.amount, expiry: f.outExpiry })
      .then(() => this.o.log.info({ paymentHash: f.hash, channel: f.outChannel }, 'offered a forward\'s HTLC again after a restart'))
      .catch((e: unknown) => this.o.log.info({ paymentHash: f.hash, channel: f.outChannel, code: (e as { code?: string }).code }, 'a forward\'s HTLC was not offered again'));
  }

  /**
   * Settle upstream what downstream decided. The secret known: fulfil upstream. Failed
   * only once the downstream HTLC was seen standing and then leaving without a secret
   * (`left`), or when a failure was already decided: a downstream HTLC not seen yet may
   * still be signed (its proposal in flight, or returned by the peer after a restart),
   * and refunding upstream then would pay the payee with the hub's money.
   */
  private finish(f: ForwardRecord, left = false): void {
    const out = this.o.manager.find(f.outChannel);
    const secret = out?.channel.secretFor(fromHex(f.hash)) ?? null;
    if (secret !== null) {
      this.settleUpstream(f, secret);
      return;
    }
    const up = f.inChannel === null ? null : this.o.manager.find(f.inChannel);
    if (f.status === 'failed') {
      if (up !== null && this.holdsUpstream(up, f.hash)) this.failUpstream(up, fromHex(f.hash), f.reason ?? 'forward failed');
      return;
    }
    if (f.status !== 'forwarding' || !left) return;
    this.o.ledger.endForward(f.hash, 'failed', 'the payee failed the HTLC');
    if (up !== null) this.failUpstream(up, fromHex(f.hash), 'the payee failed the HTLC');
  }

  private holdsUpstream(up: HeldChannel, hash: string): boolean {
    const theirs = up.meta.role === 'b';
    return up.channel.latest.state.htlcs.some((x) => x.offeredByA === theirs && toHex(x.hash) === hash);
  }

  private settleUpstream(f: ForwardRecord, secret: Uint8Array): void {
    if (this.relaying.has(f.hash) || f.inChannel === null) return;
    const up = this.o.manager.find(f.inChannel);
    if (up === null) return;
    if (!this.holdsUpstream(up, f.hash)) {
      this.o.ledger.endForward(f.hash, 'settled');
      return;
    }
    this.relaying.add(f.hash);
    up.channel.fulfilHtlc(secret).then(() => {
      this.o.ledger.endForward(f.hash, 'settled');
      this.o.events.emit({ type: 'forward.settled', paymentHash: f.hash, inChannel: f.inChannel!, outChannel: f.outChannel, amount: f.amount.toString(), fee: f.fee.toString() });
      this.o.log.info({ paymentHash: f.hash, fee: f.fee.toString() }, 'forwarded a payment');
    }).catch((e: unknown) => this.o.log.warn({ paymentHash: f.hash, err: e }, 'could not fulfil upstream; the tower reveals the secret before the expiry'))
      .finally(() => this.relaying.delete(f.hash));
  }

  private failUpstream(h: HeldChannel, hash: Uint8Array, why: string): void {
    this.o.events.emit({ type: 'forward.failed', paymentHash: toHex(hash), inChannel: h.meta.id, reason: why });
    h.channel.failHtlc(hash).catch((e: unknown) => this.o.log.warn({ channel: h.meta.id, err: e }, 'could not fail an HTLC upstream'));
  }

  private problemWith(f: ForwardRecord, h: HeldChannel, htlc: Htlc): string | null {
    if (h.meta.peer !== f.payer) return 'the HTLC comes from another peer than the one that asked to forward it';
    const out = this.o.manager.find(f.outChannel);
    if (out === null || out.meta.phase !== 'open') return 'the channel to the payee is not open';
    if (h.meta.token !== f.inToken) return `the HTLC is in ${h.meta.token ?? 'STX'}; the forward was agreed in ${f.inToken ?? 'STX'}`;
    if (htlc.amount < f.inAmount) return `the HTLC carries ${htlc.amount}; forwarding ${f.amount} costs ${f.inAmount}`;
    if (htlc.expiry - BigInt(this.o.policy.expiryDelta) < f.outExpiry) return 'the HTLC expires sooner than the payer said';
    if (out.channel.balances.own < f.amount) return 'the channel to the payee no longer holds the amount';
    return null;
  }

  private outChannel(payee: string, token: string | null, amount: bigint): HeldChannel {
    const out = this.o.manager.openWith(payee, token, (h) => h.channel.balances.own >= amount);
    if (out === null) throw new NodeError(NodeCode.NoRoute, `this hub has no open ${token ?? 'STX'} channel to ${payee} holding ${amount}`);
    return out;
  }

  /** The lowest expiry the payee's HTLC may have: the payee's need, and the channel rule's. */
  private needOut(out: HeldChannel, finalExpiryDelta: number): bigint {
    const delta = BigInt(finalExpiryDelta) > SAFETY_DELTA ? BigInt(finalExpiryDelta) : SAFETY_DELTA;
    return this.o.manager.heights.tenure + out.meta.window + delta;
  }
}
