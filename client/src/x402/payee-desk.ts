// The server's side of each x402 payment on its channels: sign the client's proposal
// first when it pays exactly this request's price (the offer), then take the client's
// last signature only for the state offered for this very request (the settlement). One
// payment at a time per channel; the Channel keeps every rule and every durable write.
import type { ChannelState } from '../codec/state.js';
import type { Channel } from '../channel/channel.js';
import { Lock } from '../channel/lock.js';
import { PaymentPendingError } from '../channel/payments.js';
import { BitStreamError } from '../errors/errors.js';
import { fromHex, toHex } from '../wire/json.js';
import { messageToJson, parseMessage, type Message, type SignatureMessage } from '../wire/messages.js';
import { WIRE_VERSION } from '../wire/version.js';
import { bindingData } from './binding.js';
import type { Courier } from './courier.js';
import { RefusalReason } from './errors.js';
import { parseProposalHeader, payloadSchema, type NextOffer, type Offer, type Payload, type Receipt } from './forms.js';

export interface PayeeChannel {
  readonly channel: Channel;
  /** the channel's transport: its messages ride the HTTP exchange */
  readonly courier: Courier;
  /** the x402 asset of the channel's token: STX or the SIP-010 contract */
  readonly asset: string;
  /** the client's principal (x402's `payer`) */
  readonly payer: string;
}

/** The request a payment must be bound to, as this server sees it, and its price. */
export interface Priced {
  readonly method: string;
  readonly path: string;
  readonly amount: bigint;
  readonly asset: string;
  /**
   * The route serves retries of its last payment (x402's payment-identifier): the id the
   * client's payload names, and how many retries one payment gets. Absent: a payment
   * already taken is refused as replayed.
   */
  readonly retry?: { readonly id: string; readonly limit: number };
  /**
   * Once this payment settles, offer the next request of this route at this price (the
   * route pays up front; a metered route's charge pays back, and would wait on an offer).
   */
  readonly next?: boolean;
}

/** What the x402 scheme and facilitator ask of the server's channels: this desk, or a node's over HTTP. */
export interface Desk {
  /** Our first signature on the header's proposal, priced by the candidate in the channel's asset; or why not. */
  offer(header: string, candidates: readonly Priced[]): Promise<Outcome<Offer & { asset: string }>>;
  /** Would `payload` pay for `priced` now? Changes nothing (x402's verify). */
  check(payload: unknown, priced: Priced): Promise<Outcome<Payload>>;
  /** The payment, final and durable here before this resolves with its receipt; or why not, nothing changed. */
  settle(payload: unknown, priced: Priced): Promise<Outcome<Receipt & { payer: string }>>;
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: RefusalReason; readonly message: string };

/** How long the channel may take to sign or to make a state durable before the request is refused. */
const CHANNEL_MS = 10_000;

const refuse = (reason: RefusalReason, message: string): Outcome<never> => ({ ok: false, reason, message });

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The payment this desk settled last on a channel, until its request is charged (after the handler, or cancel). */
interface Settled {
  readonly nonce: string;
  readonly hash: string;
  readonly paymentId: string;
  readonly method: string;
  readonly path: string;
  readonly amount: bigint;
}

/** The receipt of `p`'s state: the payment named, the payer it came from, and our offer of the next state if one stands. */
function receiptOf(entry: PayeeChannel, p: Payload, next: NextOffer | undefined): Receipt & { payer: string } {
  return { channelId: p.channelId, nonce: p.nonce, hash: p.hash, payer: entry.payer, ...(next === undefined ? {} : { next }) };
}

/** How long a refund may take over the peer link before the receipt says it is pending. */
const REFUND_MS = 10_000;

export class PayeeDesk implements Desk {
  private readonly channels = new Map<string, PayeeChannel>();
  private readonly locks = new Map<string, Lock>();
  private readonly settled = new Map<string, Settled>();
  /** per channel: the last payment retried and how often (a retry is only ever of the channel's latest state) */
  private readonly retried = new Map<string, { readonly nonce: string; readonly hash: string; count: number }>();
  /**
   * per channel: our last offer of a next state, as the receipt carries it. In memory: a
   * restarted desk does not advertise an offer it made before, and the client, shown it
   * when it proposes at its nonce, passes over it.
   */
  private readonly offers = new Map<string, NextOffer>();

  /** `lookup`: the channels someone else holds (a node's), besides those added here. */
  constructor(private readonly lookup: (channelId: string) => PayeeChannel | undefined = () => undefined) {}

  /** Serve payments on `c` (keyed by its channel id). */
  add(c: PayeeChannel): void {
    this.channels.set(toHex(c.channel.channelId), c);
  }

  private find(channelId: string): PayeeChannel | undefined {
    return this.channels.get(channelId) ?? this.lookup(channelId);
  }

  private lockOf(channelId: string): Lock {
    let lock = this.locks.get(channelId);
    if (!lock) this.locks.set(channelId, (lock = new Lock()));
    return lock;
  }

  offer(header: string, candidates: readonly Priced[]): Promise<Outcome<Offer & { asset: string }>> {
    let h: ReturnType<typeof parseProposalHeader>;
    try {
      h = parseProposalHeader(header);
    } catch (e) {
      return Promise.resolve(refuse(RefusalReason.Malformed, `the proposal header does not parse: ${(e as Error).message}`));
    }
    const entry = this.find(h.channelId);
    if (!entry) return Promise.resolve(refuse(RefusalReason.UnknownChannel, `no channel ${h.channelId} is served here`));
    const priced = candidates.find((c) => c.asset === entry.asset);
    if (!priced) return Promise.resolve(refuse(RefusalReason.WrongToken, `the channel is in ${entry.asset}; this request is priced in ${candidates.map((c) => c.asset).join(', ') || 'nothing'}`));
    return this.lockOf(h.channelId).run(() => this.offerOn(entry, h, priced));
  }

  private async offerOn(entry: PayeeChannel, h: ReturnType<typeof parseProposalHeader>, priced: Priced): Promise<Outcome<Offer & { asset: string }>> {
    let msg: ReturnType<typeof parseMessage>;
    try {
      msg = parseMessage(h.proposal);
    } catch (e) {
      return refuse(RefusalReason.Malformed, `the proposal does not parse: ${(e as Error).message}`);
    }
    if (msg.type !== 'proposal' || toHex(msg.state.channelId) !== h.channelId) return refuse(RefusalReason.Malformed, 'the header carries no proposal for its channel');
    const op = msg.ops.length === 1 ? msg.ops[0]! : null;
    if (op === null || op.op !== 'pay') return refuse(RefusalReason.Malformed, 'a paying proposal is one payment');
    if (op.amount !== priced.amount) return refuse(RefusalReason.WrongAmount, `the proposal pays ${op.amount}, the price is ${priced.amount}`);
    const binding = bindingData({ ...priced, paymentId: h.paymentId });
    if (op.data === undefined || !equalBytes(op.data, binding)) {
      return refuse(RefusalReason.OtherRequest, `the proposal is not bound to ${priced.method} ${priced.path} with payment id ${h.paymentId}`);
    }
    const nonce = msg.state.nonce;
    if (entry.channel.offered?.state.nonce === nonce) {
      // the client lost our offer of this nonce (we never sign a second state there): it passes over it
      return refuse(RefusalReason.OfferStanding, `our offer of state ${nonce} stands: propose at ${nonce + 1n}, passing over it`);
    }
    const first = await this.hand(entry, h.proposal, (m) => m.type === 'signature' && m.first && m.nonce === nonce, {
      refused: RefusalReason.ChannelRefused, what: 'the proposal', late: 'the channel did not sign in time',
    });
    if (!first.ok) return first;
    const sig = first.value as SignatureMessage;
    return { ok: true, value: { channelId: h.channelId, nonce: nonce.toString(), hash: toHex(sig.hash), signature: toHex(sig.sig), asset: entry.asset } };
  }

  /**
   * Hand the client's message to the channel and wait for the answer it sends (our first
   * signature, or the ack once the state is durable); a refusal leaves nothing behind.
   */
  private async hand(
    entry: PayeeChannel,
    raw: unknown,
    answer: (m: Message) => boolean,
    why: { refused: RefusalReason; what: string; late: string },
  ): Promise<Outcome<Message>> {
    const expected = entry.courier.expect(answer, CHANNEL_MS);
    try {
      await entry.channel.receive(raw);
    } catch (e) {
      expected.cancel();
      entry.courier.drop((m) => m.type === 'error'); // the refusal the channel addressed to the client: the 402 says it
      const code = e instanceof BitStreamError ? e.code : 'UNKNOWN';
      return refuse(why.refused, `the channel refused ${why.what} (${code}): ${(e as Error).message}`);
    }
    const m = await expected.result;
    return m === null ? refuse(RefusalReason.ChannelRefused, why.late) : { ok: true, value: m };
  }

  /**
   * The client's payment (PAYMENT-SIGNATURE's payload) for `priced`: once the state is
   * final and durable here, its receipt; otherwise why not, with nothing changed.
   */
  settle(payload: unknown, priced: Priced): Promise<Outcome<Receipt & { payer: string }>> {
    const found = this.entryOf(payload);
    if (!found.ok) return Promise.resolve(found);
    const { entry, p } = found.value;
    const charging = p.phase === 'after-handler' || p.phase === 'cancel';
    return this.lockOf(p.channelId).run(() => (charging ? this.chargeOn(entry, p, priced) : this.settleOn(entry, p, priced)));
  }

  check(payload: unknown, priced: Priced): Promise<Outcome<Payload>> {
    const found = this.entryOf(payload);
    if (!found.ok) return Promise.resolve(found);
    const checked = this.checkOn(found.value.entry, found.value.p, priced);
    return Promise.resolve(checked.ok ? { ok: true, value: checked.value.p } : checked);
  }

  private entryOf(payload: unknown): Outcome<{ entry: PayeeChannel; p: Payload }> {
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) return refuse(RefusalReason.Malformed, `the payment payload does not parse: ${parsed.error.issues[0]?.message ?? ''}`);
    const entry = this.find(parsed.data.channelId);
    if (!entry) return refuse(RefusalReason.UnknownChannel, `no channel ${parsed.data.channelId} is served here`);
    return { ok: true, value: { entry, p: parsed.data } };
  }

  /** Would `p` pay for `priced`: as the state we await, or as a retry of the one we took last (`retry`). */
  private checkOn(entry: PayeeChannel, p: Payload, priced: Priced): Outcome<{ p: Payload; retry: boolean }> {
    if (entry.asset !== priced.asset) return refuse(RefusalReason.WrongToken, `the channel is in ${entry.asset}, the price in ${priced.asset}`);
    const nonce = BigInt(p.nonce);
    const latest = entry.channel.latest;
    const awaiting = entry.channel.awaiting;
    if (awaiting === null || awaiting.state.nonce !== nonce || toHex(awaiting.hash) !== p.hash) {
      if (this.isRetry(entry, p, priced)) {
        if (this.retriesLeft(p, priced)) return { ok: true, value: { p, retry: true } };
        return refuse(RefusalReason.Replayed, `state ${p.nonce} already paid, and its ${priced.retry?.limit ?? 0} retries are spent`);
      }
      if (nonce <= latest.state.nonce) return refuse(RefusalReason.Replayed, `state ${nonce} already paid (the channel is at ${latest.state.nonce})`);
      return refuse(RefusalReason.NoOffer, `no offer of ours awaits a signature on state ${nonce}`);
    }
    if (!equalBytes(awaiting.state.data, bindingData({ ...priced, paymentId: p.paymentId }))) {
      return refuse(RefusalReason.OtherRequest, `the state was offered for another request than ${priced.method} ${priced.path} with payment id ${p.paymentId}`);
    }
    const paid = this.payerBalance(entry, latest.state) - this.payerBalance(entry, awaiting.state);
    if (paid !== priced.amount) return refuse(RefusalReason.WrongAmount, `the state pays ${paid}, the price is ${priced.amount}`);
    return { ok: true, value: { p, retry: false } };
  }

  /**
   * Is `p` the very payment this channel took last, sent again for the same request and
   * naming its payment id as the retry id? Read off the channel's latest state (durable:
   * it holds after a restart), never off memory: its nonce, hash, the request its data
   * binds and the payer's own signature.
   */
  private isRetry(entry: PayeeChannel, p: Payload, priced: Priced): boolean {
    if (priced.retry === undefined || priced.retry.id !== p.paymentId) return false;
    const latest = entry.channel.latest;
    const theirs = entry.channel.role === 'a' ? latest.sigB : latest.sigA;
    return latest.state.nonce === BigInt(p.nonce) && toHex(latest.hash) === p.hash && theirs !== null && toHex(theirs) === p.signature
      && equalBytes(latest.state.data, bindingData({ ...priced, paymentId: p.paymentId }));
  }

  /** The retry count of `p`'s state when it is the one retried last on its channel. */
  private retriedOf(p: Payload): { count: number } | undefined {
    const r = this.retried.get(p.channelId);
    return r !== undefined && r.nonce === p.nonce && r.hash === p.hash ? r : undefined;
  }

  private retriesLeft(p: Payload, priced: Priced): boolean {
    return (this.retriedOf(p)?.count ?? 0) < (priced.retry?.limit ?? 0);
  }

  /** A retry of the latest payment: served again, charged nothing more (the state stays as it is). */
  private retryOn(entry: PayeeChannel, p: Payload): Outcome<Receipt & { payer: string }> {
    const r = this.retriedOf(p);
    if (r !== undefined) r.count += 1;
    else this.retried.set(p.channelId, { nonce: p.nonce, hash: p.hash, count: 1 });
    return { ok: true, value: receiptOf(entry, p, this.standing(entry, p.channelId)) };
  }

  private async settleOn(entry: PayeeChannel, p: Payload, priced: Priced): Promise<Outcome<Receipt & { payer: string }>> {
    const checked = this.checkOn(entry, p, priced);
    if (!checked.ok) return checked;
    if (checked.value.retry) return this.retryOn(entry, p);
    const nonce = BigInt(p.nonce);
    const last: Message = { v: WIRE_VERSION, type: 'signature', channelId: entry.channel.channelId, nonce, hash: fromHex(p.hash), sig: fromHex(p.signature), first: false };
    // the ack leaves only once the state is durable (Channel.completePending)
    const acked = await this.hand(entry, messageToJson(last), (m) => m.type === 'ack' && m.nonce === nonce, {
      refused: RefusalReason.BadSignature, what: 'the signature', late: 'the state was not durable in time',
    });
    if (!acked.ok) return acked;
    this.settled.set(p.channelId, { nonce: p.nonce, hash: p.hash, paymentId: p.paymentId, method: priced.method, path: priced.path, amount: priced.amount });
    if (priced.next === true) await this.offerNext(entry, p.channelId, priced);
    return { ok: true, value: receiptOf(entry, p, this.standing(entry, p.channelId)) };
  }

  /**
   * Sign first on the state that pays for the next request of this route at this price
   * (PROTOCOL §11, One request per call). Not now when the channel has anything in flight
   * or queued: the next request proposes, as without an offer.
   */
  private async offerNext(entry: PayeeChannel, channelId: string, priced: Priced): Promise<void> {
    const paymentId = `x402-${toHex(crypto.getRandomValues(new Uint8Array(12)))}`;
    try {
      const o = await entry.channel.offer(priced.amount, bindingData({ ...priced, paymentId }));
      this.offers.set(channelId, { nonce: o.state.nonce.toString(), hash: toHex(o.hash), signature: toHex(o.sig), paymentId });
    } catch {
      this.offers.delete(channelId);
    }
  }

  /** Our offer that stands on the channel now, as a receipt carries it. */
  private standing(entry: PayeeChannel, channelId: string): NextOffer | undefined {
    const o = entry.channel.offered;
    const known = this.offers.get(channelId);
    return o !== null && known !== undefined && known.hash === toHex(o.hash) ? known : undefined;
  }

  /**
   * After the handler: keep `priced.amount` of what the request's state paid (what a
   * metered request used; 0 for a handler that failed) and pay the rest back on the
   * channel, once per payment.
   */
  private async chargeOn(entry: PayeeChannel, p: Payload, priced: Priced): Promise<Outcome<Receipt & { payer: string }>> {
    const s = this.settled.get(p.channelId);
    if (!s && priced.retry?.id === p.paymentId && this.retriedOf(p) !== undefined) {
      // a retry's charge: the first request was charged (and paid anything back) already
      return { ok: true, value: receiptOf(entry, p, this.standing(entry, p.channelId)) };
    }
    if (!s || s.nonce !== p.nonce || s.hash !== p.hash || s.paymentId !== p.paymentId || s.method !== priced.method || s.path !== priced.path) {
      return refuse(RefusalReason.NotSettled, `state ${p.nonce} was not settled here for ${priced.method} ${priced.path}, or is charged already`);
    }
    if (priced.amount > s.amount) return refuse(RefusalReason.WrongAmount, `the charge ${priced.amount} is over the ${s.amount} the state paid`);
    this.settled.delete(p.channelId);
    const back = s.amount - priced.amount;
    if (back === 0n) return { ok: true, value: receiptOf(entry, p, this.standing(entry, p.channelId)) };
    // a payment from us: we propose it over the channel's own link, the client signs first
    // and we last (§4.1). Behind an offer of ours (a failed handler on a route paid up
    // front) the channel first asks the client about the offer, which it passes over (§4.5)
    const status = await entry.channel.pay(back, { id: `refund-${p.paymentId}`, timeoutMs: REFUND_MS }).then(
      () => 'completed' as const,
      (e: unknown) => (e instanceof PaymentPendingError ? ('pending' as const) : ('failed' as const)),
    );
    // the offer is gone once the refund passed over it
    return { ok: true, value: { ...receiptOf(entry, p, this.standing(entry, p.channelId)), refund: { amount: back.toString(), status } } };
  }

  private payerBalance(entry: PayeeChannel, s: ChannelState): bigint {
    return entry.channel.role === 'a' ? s.balanceB : s.balanceA;
  }
}
