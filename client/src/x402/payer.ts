// The client's side of x402 payments on its channels: the base fetch that @x402/fetch
// wraps (it signs the server's offer of the next state and pays at once, or proposes the
// paying state on the unpaid request and hands the server's first signature to the
// channel; and it takes each receipt back), and the spend caps, checked before anything
// is signed or proposed. The scheme client only picks up the signature made here.
import { decodePaymentRequiredHeader, decodePaymentResponseHeader, encodePaymentSignatureHeader } from '@x402/core/http';
import type { PaymentPayload, PaymentRequired, PaymentRequirements } from '@x402/core/types';
import type { Channel } from '../channel/channel.js';
import { toHex, fromHex } from '../wire/json.js';
import { messageToJson, type Message, type ProposalMessage } from '../wire/messages.js';
import { WIRE_VERSION } from '../wire/version.js';
import { bindingData, requestPath } from './binding.js';
import type { Courier } from './courier.js';
import { RefusalReason, X402Code, X402Error } from './errors.js';
import { echoPaymentId, encodeProposalHeader, offerSchema, paymentOf, receiptSchema, refusalSchema, retriesOf, type NextOffer, type Payload, type Receipt } from './forms.js';
import { PAYMENT_IDENTIFIER, PROPOSAL_HEADER, SCHEME, type StacksNetwork } from './names.js';
import { Slot } from './slot.js';

export interface PayerChannel {
  readonly channel: Channel;
  readonly courier: Courier;
  /** the server node's principal (x402's payTo) */
  readonly payTo: string;
  readonly network: StacksNetwork;
  /** the x402 asset of the channel's token: STX or the SIP-010 contract */
  readonly asset: string;
}

export interface SpendCaps {
  /** the most one request may cost */
  readonly perRequest?: bigint;
  /** the most all requests may cost together (this Payer's lifetime) */
  readonly total?: bigint;
  /** the most each origin (`https://api.example.com`) may be paid in all; when given, an origin not listed gets nothing */
  readonly origins?: Readonly<Record<string, bigint>>;
}

export interface PayerOptions {
  readonly caps?: SpendCaps;
  /** the channels someone else holds (a node's) that can pay `payTo` in `asset`, besides those added */
  readonly find?: (payTo: string, network: string, asset: string) => PayerChannel | undefined;
  /** how long a request may hold its channel's slot between its proposal and its paid response (default 30 s) */
  readonly holdMs?: number;
  /** how long the channel may take to propose or sign (default 10 s) */
  readonly channelMs?: number;
  /**
   * A paid request whose connection fails is sent again, as it is, up to this many times
   * (default 2), on routes that serve retries (payment-identifier): never charged twice.
   */
  readonly retries?: number;
  /** the wait before the first retry, doubled before each next one (default 250 ms) */
  readonly retryDelayMs?: number;
}

/** A payment this Payer signed last and whose paid request has not come back yet. */
interface Signed {
  readonly payload: Payload;
  readonly entry: PayerChannel;
  readonly origin: string;
  readonly free: () => void;
  /** how many times its paid request may be sent again (what the route serves, within ours) */
  readonly retries: number;
  /** the price it paid, which the server's offer of the next request pays again */
  readonly amount: string;
}

/** What a URL's 402 asked, remembered; the channel is looked up at each call (channels close and open). */
interface Terms {
  /** our accept in it */
  readonly accept: PaymentRequirements;
  /** the 402's resource and extensions, which a paid request's payload repeats */
  readonly resource: PaymentRequired['resource'];
  readonly extensions: PaymentRequired['extensions'];
}

/** The server's offer of a channel's next state, for the next request to this URL at this price. */
interface HeldOffer {
  /** the request it binds (offerKey) */
  readonly key: string;
  readonly amount: string;
  readonly next: NextOffer;
}

/** Prices remembered by request URL, so the next request proposes at once; oldest dropped beyond this. */
const PRICES = 1024;

/** No channel here can pay `wanted`: where the server's node is, when its accept says (extra.node). */
function noChannel(wanted: PaymentRequirements): X402Error {
  const node = wanted.extra?.['node'] ?? null;
  const where = typeof (node as { peerUrl?: unknown } | null)?.peerUrl === 'string' ? ` at ${(node as { peerUrl: string }).peerUrl}` : '';
  return new X402Error(X402Code.NoChannel, `no open channel with ${wanted.payTo} in ${wanted.asset} on ${wanted.network}: open one with the server's node${where} first`, {
    details: { payTo: wanted.payTo, asset: wanted.asset, network: wanted.network, node },
  });
}

/** The PAYMENT-REQUIRED of a response, or null when it has none that decodes. */
function requiredOf(res: Response): PaymentRequired | null {
  const header = res.headers.get('payment-required');
  if (header === null) return null;
  try {
    return decodePaymentRequiredHeader(header);
  } catch {
    return null;
  }
}

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export class Payer {
  private readonly entries: PayerChannel[] = [];
  private readonly slots = new WeakMap<Channel, Slot>();
  private readonly find: NonNullable<PayerOptions['find']>;
  private readonly prices = new Map<string, Terms>();
  private readonly signed = new Map<string, Signed>();
  /** per channel: the server's offer of its next state (at most one stands) */
  private readonly offers = new WeakMap<Channel, HeldOffer>();
  private readonly caps: SpendCaps;
  private readonly holdMs: number;
  private readonly channelMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private spentTotal = 0n;
  private readonly spentByOrigin = new Map<string, bigint>();

  constructor(opts: PayerOptions = {}) {
    this.caps = opts.caps ?? {};
    this.find = opts.find ?? (() => undefined);
    this.holdMs = opts.holdMs ?? 30_000;
    this.channelMs = opts.channelMs ?? 10_000;
    this.retries = opts.retries ?? 2;
    this.retryDelayMs = opts.retryDelayMs ?? 250;
  }

  /** Pay servers whose payTo, network and asset are this channel's. */
  add(entry: PayerChannel): void {
    this.entries.push(entry);
  }

  private slotOf(channel: Channel): Slot {
    let slot = this.slots.get(channel);
    if (!slot) this.slots.set(channel, (slot = new Slot()));
    return slot;
  }

  /** What this Payer has paid, in all and by origin (amounts it signed last). */
  get spent(): { total: bigint; byOrigin: ReadonlyMap<string, bigint> } {
    return { total: this.spentTotal, byOrigin: this.spentByOrigin };
  }

  /**
   * The base fetch for @x402/fetch's wrapFetchWithPayment (it carries this scheme's
   * messages). `perRequest` tightens the per-request cap for what goes through it.
   */
  fetchWith(base: Fetch = fetch, opts: { perRequest?: bigint } = {}): Fetch {
    return (input, init) => this.send(base, new Request(input, init), opts.perRequest);
  }

  /** The payload for the offer in `accept` (called by the scheme client). */
  payloadFor(accept: PaymentRequirements): Payload {
    const offer = offerSchema.safeParse(accept.extra['offer']);
    if (!offer.success) {
      throw new X402Error(X402Code.BadServerReply, 'the 402 carries no BitStream offer: send the request through Payer.fetchWith so it proposes', {
        details: { refusal: accept.extra['refusal'] },
      });
    }
    const s = this.signed.get(`${offer.data.channelId}:${offer.data.nonce}`);
    if (!s || s.payload.hash !== offer.data.hash) throw new X402Error(X402Code.BadServerReply, 'the offer is not one this Payer signed');
    return s.payload;
  }

  private async send(base: Fetch, req: Request, perRequest: bigint | undefined): Promise<Response> {
    if (req.headers.has('payment-signature')) return this.paid(base, req);
    const key = `${req.method} ${req.url}`;
    let terms = this.prices.get(key);
    if (terms === undefined) {
      const res = await base(req.clone());
      if (res.status !== 402) return res;
      const found = this.termsOf(res);
      if (found === null) return res; // not ours to pay: the wrapper tries its other schemes
      terms = found;
      this.remember(key, terms);
    }
    return this.propose(base, req, key, terms, false, perRequest);
  }

  private remember(key: string, terms: Terms): void {
    this.prices.delete(key);
    this.prices.set(key, terms);
    if (this.prices.size > PRICES) this.prices.delete(this.prices.keys().next().value!);
  }

  /** Our accept in a 402 that a channel here can pay, or null when it names no BitStream one. */
  private termsOf(res: Response): Terms | null {
    const required = requiredOf(res);
    if (required === null) return null;
    const ours = (required.accepts ?? []).filter((a) => a.scheme === SCHEME);
    if (ours.length === 0) return null;
    const payable = ours.find((a) => this.channelOf(a) !== undefined);
    if (payable === undefined) throw noChannel(ours[0]!);
    // the accept as the route's terms: what a paid request's payload repeats, bar this 402's own offer or refusal
    const { offer: _offer, refusal: _refusal, ...extra } = payable.extra ?? {};
    return { accept: { ...payable, extra }, resource: required.resource, extensions: required.extensions };
  }

  private channelOf(accept: PaymentRequirements): PayerChannel | undefined {
    return this.entries.find((e) => e.payTo === accept.payTo && e.network === accept.network && e.asset === accept.asset)
      ?? this.find(accept.payTo, accept.network, accept.asset);
  }

  private checkCaps(origin: string, amount: bigint, entry: PayerChannel, tighter: bigint | undefined): void {
    const c = this.caps;
    const perRequest = tighter === undefined ? c.perRequest : c.perRequest === undefined || tighter < c.perRequest ? tighter : c.perRequest;
    if (perRequest !== undefined && amount > perRequest) {
      throw new X402Error(X402Code.OverRequestCap, `the price ${amount} is over the per-request cap ${perRequest}`, { details: { amount: String(amount), cap: String(perRequest) } });
    }
    if (c.total !== undefined && this.spentTotal + amount > c.total) {
      throw new X402Error(X402Code.OverTotalCap, `paying ${amount} would pass the total cap ${c.total} (${this.spentTotal} spent)`, {
        details: { amount: String(amount), cap: String(c.total), spent: String(this.spentTotal) },
      });
    }
    if (c.origins !== undefined) {
      const allowance = c.origins[origin];
      const spent = this.spentByOrigin.get(origin) ?? 0n;
      if (allowance === undefined || spent + amount > allowance) {
        throw new X402Error(X402Code.OverOriginAllowance, allowance === undefined ? `${origin} has no allowance` : `paying ${amount} would pass ${origin}'s allowance ${allowance} (${spent} spent)`, {
          details: { origin, amount: String(amount), allowance: allowance === undefined ? null : String(allowance), spent: String(spent) },
        });
      }
    }
    const own = entry.channel.balances.own;
    if (own < amount) {
      throw new X402Error(X402Code.BalanceShort, `the channel holds ${own}, the price is ${amount}: deposit or open a larger channel`, {
        details: { balance: String(own), amount: String(amount) },
      });
    }
  }

  /**
   * Pay for `req`: with the server's standing offer when it is for this very request (one
   * request), else by proposing on the unpaid request, whose 402 with the offer comes back
   * signed last, ready for the wrapper.
   */
  private async propose(base: Fetch, req: Request, key: string, terms: Terms, retried: boolean, perRequest: bigint | undefined): Promise<Response> {
    const accept = terms.accept;
    const entry = this.channelOf(accept);
    if (entry === undefined) throw noChannel(accept);
    const amount = BigInt(accept.amount);
    const origin = new URL(req.url).origin;
    const free = await this.slotOf(entry.channel).take(this.holdMs);
    let kept = false;
    try {
      this.checkCaps(origin, amount, entry, perRequest);
      const held = this.offers.get(entry.channel);
      this.offers.delete(entry.channel);
      if (held !== undefined && held.key === offerKey(req) && held.amount === accept.amount) {
        // the server offered this very request's state: one request, no proposal
        const paid = await this.payWithOffer(base, req, terms, entry, held, origin, free);
        if (paid !== null) {
          kept = true; // the paid request freed the slot
          const renewed = paid.status === 402 && !retried ? this.termsOf(paid) : null;
          if (renewed !== null && renewed.accept.amount !== accept.amount) {
            // the route's price changed after the server offered it: the state we signed
            // pays the old price for a request not served (PROTOCOL §11); once more at the new one
            this.remember(key, renewed);
            return this.propose(base, req, key, renewed, true, perRequest);
          }
          if (paid.status === 402) {
            // signed last and refused unsettled (the server's node failed, or it refused its own
            // offer): the state may still complete without this request served (PROTOCOL §11)
            throw new X402Error(X402Code.Unanswered, `the server did not settle the payment of state ${held.next.nonce}: payment ${held.next.paymentId} may still complete without this request being served`, {
              details: { paymentId: held.next.paymentId, channelId: toHex(entry.channel.channelId), nonce: held.next.nonce, reason: refusedReason(paid) },
            });
          }
          return paid;
        }
      } else if (held !== undefined) {
        // another request or price: pass over the offer, so our proposal takes the nonce after it
        entry.channel.passOffer(BigInt(held.next.nonce));
      }
      const paymentId = `x402-${toHex(crypto.getRandomValues(new Uint8Array(12)))}`;
      const data = bindingData({ method: req.method, path: requestPath(req.url), amount, asset: accept.asset, paymentId });
      const proposed = entry.courier.expect((m) => m.type === 'proposal' && m.ops.some((op) => op.op === 'pay' && op.data !== undefined && toHex(op.data) === toHex(data)), this.channelMs);
      const stop = new AbortController();
      const paying = entry.channel.pay(amount, { id: paymentId, data, signal: stop.signal });
      paying.catch(() => undefined); // its outcome is read from the channel; a refusal is reported below
      const proposal = (await proposed.result) as ProposalMessage | null;
      if (proposal === null) {
        stop.abort(); // still queued: it fails for good, never proposed to the peer later
        throw new X402Error(X402Code.BadServerReply, 'the channel did not propose in time (is another update in flight?)');
      }
      const nonce = proposal.state.nonce;
      // expected from now on, so the last signature rides the paid request whichever way the first came
      const last = entry.courier.expect((m) => m.type === 'signature' && !m.first && m.nonce === nonce, this.holdMs);
      const withProposal = req.clone();
      withProposal.headers.set(PROPOSAL_HEADER, encodeProposalHeader(toHex(entry.channel.channelId), paymentId, proposal));
      const unanswered = (why: string, cause?: unknown) => {
        // the server may have signed first before it failed: never abandon what it may hold.
        // The channel finishes the exchange over the peer connection (or the next
        // proposal carries it), paying for a request that was not served; the state's
        // data binds this request and payment id, which proves it (PROTOCOL §11)
        last.cancel();
        return new X402Error(X402Code.Unanswered, `the server did not answer the proposal (${why}): payment ${paymentId} may still complete without this request being served`, {
          details: { paymentId, channelId: toHex(entry.channel.channelId), nonce: String(nonce) },
          ...(cause === undefined ? {} : { cause }),
        });
      };
      let res: Response;
      try {
        res = await base(withProposal);
      } catch (e) {
        throw unanswered((e as Error).message, e);
      }
      if (res.status >= 500) throw unanswered(`status ${res.status}`);
      const answer = res.status === 402 ? this.answerOf(res, accept) : null;
      if (answer === null || 'refusal' in answer) {
        last.cancel();
        await this.abandon(entry, proposal, answer === null ? 'no offer came back' : answer.refusal.message);
        if (answer === null) return res;
        const renewed = this.termsOf(res);
        if (!retried && answer.refusal.reason === RefusalReason.WrongAmount && renewed !== null) {
          // the price changed since it was remembered: once more at the new one
          this.remember(key, renewed);
          free();
          kept = true;
          return this.propose(base, req, key, renewed, true, perRequest);
        }
        if (!retried && answer.refusal.reason === RefusalReason.OfferStanding) {
          // we lost the server's offer at this nonce (a lost response, a restart): pass over it
          entry.channel.passOffer(nonce);
          free();
          kept = true;
          return this.propose(base, req, key, terms, true, perRequest);
        }
        throw new X402Error(X402Code.Refused, `the server refused the payment: ${answer.refusal.message}`, { details: { reason: answer.refusal.reason } });
      }
      const offer = answer.offer;
      if (BigInt(offer.nonce) !== nonce || toHex(entry.channel.channelId) !== offer.channelId) {
        last.cancel();
        await this.abandon(entry, proposal, 'the offer is for another state');
        throw new X402Error(X402Code.BadServerReply, `the offer is for state ${offer.nonce} of ${offer.channelId}, not the one proposed`);
      }
      const first: Message = { v: WIRE_VERSION, type: 'signature', channelId: entry.channel.channelId, nonce: BigInt(offer.nonce), hash: fromHex(offer.hash), sig: fromHex(offer.signature), first: true };
      try {
        await entry.channel.receive(messageToJson(first));
      } catch (e) {
        // the same signature may have come over the peer connection first: then it is signed already
        const signed = entry.channel.latest.state.nonce === nonce && toHex(entry.channel.latest.hash) === offer.hash;
        if (!signed) {
          last.cancel();
          await this.abandon(entry, proposal, 'the offer did not verify');
          throw new X402Error(X402Code.BadServerReply, `the server's signature on the offer does not verify: ${(e as Error).message}`, { cause: e });
        }
      }
      const sig = await last.result;
      if (sig === null || sig.type !== 'signature') throw new X402Error(X402Code.BadServerReply, 'the channel did not sign the offer in time');
      this.spentTotal += amount;
      this.spentByOrigin.set(origin, (this.spentByOrigin.get(origin) ?? 0n) + amount);
      const payload: Payload = { channelId: offer.channelId, nonce: offer.nonce, hash: offer.hash, signature: toHex(sig.sig), paymentId };
      const retries = Math.min(this.retries, retriesOf(accept.extra));
      const signedKey = `${offer.channelId}:${offer.nonce}`;
      // its paid request has as long as the slot is held: a request never sent is forgotten then
      const forget = setTimeout(() => this.release(signedKey), this.holdMs);
      forget.unref?.();
      this.signed.set(signedKey, { payload, entry, origin, retries, amount: accept.amount, free: () => (clearTimeout(forget), free()) });
      kept = true;
      return res;
    } finally {
      if (!kept) free();
    }
  }

  /**
   * Pay with the server's offer of this request's state (PROTOCOL §11, One request per
   * call): sign it last and send the request with PAYMENT-SIGNATURE at once. Null when the
   * offer cannot be taken (the channel moved, or it is not the state it names): it is
   * passed over, and the caller proposes instead.
   */
  private async payWithOffer(base: Fetch, req: Request, terms: Terms, entry: PayerChannel, held: HeldOffer, origin: string, free: () => void): Promise<Response | null> {
    const accept = terms.accept;
    const amount = BigInt(accept.amount);
    const nonce = BigInt(held.next.nonce);
    const data = bindingData({ method: req.method, path: requestPath(req.url), amount, asset: accept.asset, paymentId: held.next.paymentId });
    const last = entry.courier.expect((m) => m.type === 'signature' && !m.first && m.nonce === nonce, this.channelMs);
    try {
      await entry.channel.takeOffer({ nonce, hash: fromHex(held.next.hash), sig: fromHex(held.next.signature) }, amount, data);
    } catch {
      last.cancel();
      entry.channel.passOffer(nonce);
      return null;
    }
    const sig = await last.result;
    if (sig === null || sig.type !== 'signature') throw new X402Error(X402Code.BadServerReply, 'the channel did not sign the offer in time');
    this.spentTotal += amount;
    this.spentByOrigin.set(origin, (this.spentByOrigin.get(origin) ?? 0n) + amount);
    const payload: Payload = { channelId: toHex(entry.channel.channelId), nonce: held.next.nonce, hash: held.next.hash, signature: toHex(sig.sig), paymentId: held.next.paymentId };
    const declared = terms.extensions?.[PAYMENT_IDENTIFIER];
    const echoed = echoPaymentId(declared, payload.paymentId);
    const extensions = echoed === null ? terms.extensions : { ...terms.extensions, [PAYMENT_IDENTIFIER]: echoed };
    // the payload x402's client would build from the 402 (@x402/core createPaymentPayload)
    const paymentPayload: PaymentPayload = {
      x402Version: 2, payload: { ...payload }, accepted: accept, resource: terms.resource,
      ...(extensions === undefined ? {} : { extensions }),
    };
    const paid = req.clone();
    paid.headers.set('payment-signature', encodePaymentSignatureHeader(paymentPayload));
    this.signed.set(`${payload.channelId}:${payload.nonce}`, { payload, entry, origin, retries: Math.min(this.retries, retriesOf(accept.extra)), amount: accept.amount, free });
    return this.paid(base, paid);
  }

  /** The offer or refusal in a 402 for our accept (same scheme, network, asset and payTo). */
  private answerOf(res: Response, accept: PaymentRequirements): { offer: ReturnType<typeof offerSchema.parse> } | { refusal: ReturnType<typeof refusalSchema.parse> } | null {
    const required = requiredOf(res);
    if (required === null) return null;
    const ours = required.accepts?.find((a) => a.scheme === SCHEME && a.network === accept.network && a.asset === accept.asset && a.payTo === accept.payTo);
    if (ours === undefined) return null;
    const offer = offerSchema.safeParse(ours.extra?.['offer']);
    if (offer.success) return { offer: offer.data };
    const refusal = refusalSchema.safeParse(ours.extra?.['refusal']);
    return refusal.success ? { refusal: refusal.data } : null;
  }

  /** Our proposal got no offer: it is never signed, and its payment fails (Channel's refusal path). */
  private async abandon(entry: PayerChannel, proposal: ProposalMessage, why: string): Promise<void> {
    const refusal: Message = { v: WIRE_VERSION, type: 'error', channelId: entry.channel.channelId, nonce: proposal.state.nonce, ref: proposal.tag, code: X402Code.Refused, message: why.slice(0, 500) };
    await entry.channel.receive(messageToJson(refusal)).catch(() => undefined);
  }

  /** The paid request: its receipt acknowledges our last signature; it frees its own payment's channel, whatever came back. */
  private async paid(base: Fetch, req: Request): Promise<Response> {
    const key = carriedKey(req);
    try {
      const signed = key === null ? undefined : this.signed.get(key);
      const res = await this.sendPaid(base, req, signed?.retries ?? 0);
      const receipt = receiptOf(res);
      if (receipt !== null && signed !== undefined && key === `${receipt.channelId}:${receipt.nonce}`) {
        if (receipt.refund?.status === 'completed') {
          // what a metered request did not use came back: it was not spent
          const back = BigInt(receipt.refund.amount);
          this.spentTotal -= back;
          this.spentByOrigin.set(signed.origin, (this.spentByOrigin.get(signed.origin) ?? 0n) - back);
        }
        const ack: Message = { v: WIRE_VERSION, type: 'ack', channelId: fromHex(receipt.channelId), nonce: BigInt(receipt.nonce), hash: fromHex(receipt.hash) };
        await signed.entry.channel.receive(messageToJson(ack)).catch(() => undefined);
        // the server's offer of the next request's state, kept until that request (or another) comes
        if (receipt.next !== undefined) this.offers.set(signed.entry.channel, { key: offerKey(req), amount: signed.amount, next: receipt.next });
      }
      return res;
    } finally {
      if (key !== null) this.release(key);
    }
  }

  /**
   * Send the paid request; when its connection fails, send it again as it is (the server
   * knows a retry by its payment id and serves it without a new charge; PROTOCOL §11, Retries).
   */
  private async sendPaid(base: Fetch, req: Request, retries: number): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= retries;
      try {
        return await base(last ? req : req.clone());
      } catch (e) {
        if (last) throw e;
        await new Promise((r) => setTimeout(r, this.retryDelayMs * 2 ** attempt));
      }
    }
  }

  private release(key: string): void {
    const s = this.signed.get(key);
    if (!s) return;
    this.signed.delete(key);
    s.free();
  }
}

/** What an offer binds of a request (PROTOCOL §11: the method, the path and query, no host): any instance behind the node takes it. */
function offerKey(req: Request): string {
  return `${req.method.toUpperCase()} ${requestPath(req.url)}`;
}

/** `channelId:nonce` of the payment a paid request carries, or null when its header is not ours. */
function carriedKey(req: Request): string | null {
  const p = paymentOf(req.headers.get('payment-signature'));
  return p === null ? null : `${p.channelId}:${p.nonce}`;
}

/** x402's reason a paid request was refused (its PAYMENT-RESPONSE errorReason, or the 402's error), or null. */
function refusedReason(res: Response): string | null {
  try {
    const header = res.headers.get('payment-response');
    if (header !== null) return decodePaymentResponseHeader(header).errorReason ?? null;
    return requiredOf(res)?.error ?? null;
  } catch {
    return null;
  }
}

/** The receipt in a paid response's PAYMENT-RESPONSE, or null. */
function receiptOf(res: Response): Receipt | null {
  const header = res.headers.get('payment-response');
  if (header === null) return null;
  try {
    const parsed = receiptSchema.safeParse(decodePaymentResponseHeader(header).extra);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
