// One side of a two-party channel: the PROTOCOL §4 state machine. It owns the order of
// signatures (the responder, who is owed no less afterwards, signs first; the proposer
// signs last, after verifying), batching of queued payments into one state, the
// per-channel lock, retransmission, the rule that a state is durably stored before this
// side's signature on it leaves and before a payment is reported, what the next state
// builds on while a chain state is pending (footing.ts), payment identity
// (payments.ts), and the HTLC secrets it learns (kept durably before anything acts on
// them). It must not do network I/O itself (the Transport does) nor touch the chain (it
// is told chain heights and what landed).
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { ChannelState, Htlc } from '../codec/state.js';
import { domainHash, stateHash, type Domain } from '../codec/sip018.js';
import type { Signer } from '../signers/signer.js';
import { following, initialRecord } from '../store/rules.js';
import type { PaymentRecord, PendingState, SignedState, StateStore } from '../store/types.js';
import { StoreCode, StoreError } from '../store/types.js';
import { toHex } from '../wire/json.js';
import {
  parseMessage,
  WIRE_VERSION,
  type AckMessage,
  type ErrorMessage,
  type ExpireMessage,
  type Message,
  type ProposalMessage,
  type SecretMessage,
  type SignatureMessage,
} from '../wire/messages.js';
import type { Op } from '../wire/schemas.js';
import type { Transport } from '../wire/transport.js';
import { BitStreamError } from '../errors/errors.js';
import { ChannelCode, ProtocolError, RemoteError, UsageError } from './errors.js';
import { footing, type ChainView, type Footing } from './footing.js';
import { Lock } from './lock.js';
import {
  PaymentEntry, PaymentFailedError, PaymentPendingError, checkPaymentId, entryFromRecord, newPaymentId,
  type PayOptions, type PaymentReceipt, type PaymentStatus, type Waiter,
} from './payments.js';
import { applyOps, checkAmount, checkProposed, type Rules } from './transition.js';
import { checkCanonical, checkSignature, nobleVerifier, type SignatureVerifier } from './verify.js';

export type Role = 'a' | 'b';

export interface ChannelConfig {
  readonly channelId: Uint8Array;
  readonly role: Role;
  readonly domain: Domain;
  /** the two participants' principals (the actor of deposit and withdraw states) */
  readonly participants: { readonly a: string; readonly b: string };
  readonly signer: Signer;
  /** public keys the counterparty has authorised for this channel (its own key and session keys) */
  readonly counterpartyKeys: readonly Uint8Array[];
  /** curve maths for the counterparty's signatures; noble unless a faster backend is given */
  readonly verifier?: SignatureVerifier;
  readonly store: StateStore;
  readonly transport: Transport;
  /** the channel's dispute window, in burn blocks */
  readonly window: bigint;
  /** tenures an HTLC must outlast the window by (default 6) */
  readonly safetyDelta?: bigint;
  /** minimum balance each side keeps once reached (default 0: none) */
  readonly reserve?: bigint;
  /** burn blocks an opening, deposit, withdraw or close must be deep before it counts (default 1; 0: once mined) */
  readonly confirmations?: number;
  /** burn blocks a close, deposit or withdraw state this side proposes stays landable (default 12) */
  readonly landWithin?: bigint;
  /** how far ahead a peer's chain state's valid-until may be, in burn blocks (default 2 to 288) */
  readonly landing?: { readonly min: bigint; readonly max: bigint };
  /** fold payments queued while an update is in flight into the next state (default true) */
  readonly batching?: boolean;
  /** resend an unanswered message after this long (default 200 ms) */
  readonly retransmitMs?: number;
  /** the current burn height, if known */
  readonly burnHeight?: bigint;
  /** the current tenure height, if known (HTLC expiries count tenures) */
  readonly tenureHeight?: bigint;
  /** called with each signature of this side once it is durable and just before it is sent */
  readonly onSignature?: (e: SignatureEvent) => void;
  /** called with each state that becomes final (fully signed and stored) on this side */
  readonly onState?: (s: SignedState) => void;
  /** called once an HTLC secret this side learned from the peer is durably kept, before anything acts on it */
  readonly onSecret?: (hash: Uint8Array, secret: Uint8Array) => void;
  /** called with each refusal of an incoming message (the peer also gets an error message) */
  readonly onError?: (e: unknown) => void;
}

export interface SignatureEvent {
  readonly nonce: bigint;
  readonly hash: Uint8Array;
  readonly sig: Uint8Array;
  /** true when this side signed first (it was the responder) */
  readonly first: boolean;
}

interface Item {
  readonly op: Op;
  /** the payment this item is, for `pay` items */
  readonly entry: PaymentEntry | null;
  resolve(s: SignedState): void;
  reject(e: unknown): void;
}

interface Proposal {
  readonly state: ChannelState;
  readonly hash: Uint8Array;
  readonly ops: Op[];
  readonly tag: Uint8Array;
  readonly items: Item[];
  readonly lapsed: boolean;
  sentAt: number;
  /** an earlier run's proposal, rebuilt from the store after a crash: its payments are the restored ones at its nonce */
  readonly restored?: boolean;
}

/** Refusal codes after which a proposal is retried rather than abandoned: the peer is catching up. */
const RETRYABLE = new Set<string>([
  ChannelCode.NotReady,
  ChannelCode.Collision,
  ChannelCode.DoubleSign,
  ChannelCode.WrongNonce,
]);

/**
 * The tag of a pending state this side built and signed first itself: an offer (PROTOCOL
 * §4.5). A proposer's tag is an HMAC, never all zeros, so an offer is never adopted.
 */
export const OFFER_TAG: Uint8Array = new Uint8Array(32);

const isOfferTag = (tag: Uint8Array): boolean => tag.every((b) => b === 0);
const isOffer = (p: PendingState): boolean => isOfferTag(p.tag);

/** Our first signature on a state in which the counterparty pays us: it signs last if and when it wants. */
export interface OfferedState {
  readonly state: ChannelState;
  readonly hash: Uint8Array;
  readonly sig: Uint8Array;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const isChainOp = (op: Op) => op.op === 'deposit' || op.op === 'withdraw' || op.op === 'close';

/** Decided named payments kept in memory for paymentStatus (they are in the store too). */
const RECENT_PAYMENTS = 10_000;

const NOTHING_SETTLED: { records: PaymentRecord[]; report: () => void } = { records: [], report: () => undefined };

export class Channel {
  readonly channelId: Uint8Array;
  readonly role: Role;
  private readonly cfg: ChannelConfig;
  private readonly verifier: SignatureVerifier;
  private readonly domainHash: Uint8Array;
  private readonly lock = new Lock();
  /** HMAC keyed with this side's tag key, cloned per tag (saves hashing the padded key each time) */
  private readonly tagMac: ReturnType<typeof hmac.create>;
  private latestSigned: SignedState;
  private baseSigned: SignedState | null;
  private closableSigned: SignedState;
  private pending: PendingState | null;
  private pendingSentAt = 0;
  private proposal: Proposal | null = null;
  /** the counterparty's offer at this nonce is passed over: our next proposal takes the nonce after it */
  private passedAt: bigint | null = null;
  /** our last signature as proposer, until the peer acknowledges it */
  private unacked: { nonce: bigint; hash: Uint8Array; sig: Uint8Array; sentAt: number } | null = null;
  private queue: Item[] = [];
  private kickScheduled = false;
  private burnTip: bigint;
  private tenureTip: bigint | null;
  private readonly minedAt = new Map<bigint, bigint>();
  private readonly secrets = new Map<string, Uint8Array>();
  private readonly abandoned = new Set<string>();
  /** undecided payments the caller named, by id (unnamed ones are only their caller's) */
  private readonly payments = new Map<string, PaymentEntry>();
  /** the most recent decided named payments by id, oldest first (for paymentStatus and retries) */
  private decided = new Map<string, PaymentEntry>();
  /** named payments an earlier run left in flight, by the nonce of their proposal */
  private readonly restoredAt = new Map<bigint, Set<PaymentEntry>>();
  /** HTLCs we offered whose removal we asked the receiver for, by hash: who waits for it */
  private readonly expiring = new Map<string, { hash: Uint8Array; sentAt: number; waiters: { resolve(s: SignedState): void; reject(e: unknown): void }[] }>();
  private timer: NodeJS.Timeout | null = null;
  private shut = false;
  private readonly unsubscribe: () => void;

  private constructor(cfg: ChannelConfig, record: NonNullable<ReturnType<StateStore['load']>>) {
    this.cfg = cfg;
    this.channelId = cfg.channelId;
    this.role = cfg.role;
    this.verifier = cfg.verifier ?? nobleVerifier;
    this.domainHash = domainHash(cfg.domain);
    this.tagMac = hmac.create(sha256, record.tagKey);
    this.latestSigned = record.latest;
    this.baseSigned = record.base;
    this.closableSigned = record.closable;
    this.pending = record.pending;
    for (const h of record.abandoned) this.abandoned.add(toHex(h));
    for (const [k, v] of cfg.store.secrets(cfg.channelId)) this.secrets.set(k, v);
    for (const r of cfg.store.inFlight(cfg.channelId)) {
      const e = this.track(entryFromRecord(r));
      let at = this.restoredAt.get(r.nonce);
      if (!at) this.restoredAt.set(r.nonce, (at = new Set()));
      at.add(e);
    }
    this.burnTip = cfg.burnHeight ?? 0n;
    this.tenureTip = cfg.tenureHeight ?? null;
    // after a restart we cannot know whether the peer got our last signature: offer it again
    const own = this.ownSig(record.latest);
    if (own) this.unacked = { nonce: record.latest.state.nonce, hash: record.latest.hash, sig: own, sentAt: 0 };
    this.unsubscribe = cfg.transport.onMessage((raw) => {
      this.receive(raw).catch(() => undefined);
    });
    if (this.pending || this.unacked) this.armTimer();
  }

  /**
   * Resume the channel from the store, or create it at `initial` (the on-chain implicit
   * state, nonce 0) if the store does not know it.
   */
  static async open(cfg: ChannelConfig, initial?: ChannelState): Promise<Channel> {
    let record = cfg.store.load(cfg.channelId);
    if (!record) {
      if (!initial) throw new StoreError(StoreCode.UnknownChannel, 'channel not in the store and no initial state given');
      if (!equalBytes(initial.channelId, cfg.channelId) || initial.nonce !== 0n) {
        throw new UsageError(ChannelCode.BadOps, 'the initial state is the on-chain state of this channel at nonce 0');
      }
      const tagKey = new Uint8Array(32);
      crypto.getRandomValues(tagKey);
      const implicit: SignedState = { state: initial, hash: stateHash(initial, domainHash(cfg.domain)), sigA: null, sigB: null };
      record = initialRecord(cfg.channelId, implicit, tagKey);
      await cfg.store.create(record);
    }
    const channel = new Channel(cfg, record);
    await channel.settleStoredPayments();
    // a proposal lost in a crash, if it can be rebuilt: propose it again (kick decides)
    channel.scheduleKick();
    return channel;
  }

  // ---------------------------------------------------------------------------------
  // What the application calls
  // ---------------------------------------------------------------------------------

  /** The newest fully signed state (the implicit on-chain one before any update). */
  get latest(): SignedState {
    return this.latestSigned;
  }

  /** The newest fully signed transfer or close state: what a close or a challenge uses (PROTOCOL §8). */
  get closable(): SignedState {
    return this.closableSigned;
  }

  /** This side's and the counterparty's balances in the newest fully signed state. */
  get balances(): { own: bigint; other: bigint } {
    const s = this.latestSigned.state;
    return this.role === 'a' ? { own: s.balanceA, other: s.balanceB } : { own: s.balanceB, other: s.balanceA };
  }

  /**
   * The state this side signed first and awaits the last signature on, if any: what a
   * payee checks a payment against before it hands the payer's signature in (x402).
   */
  get awaiting(): { readonly state: ChannelState; readonly hash: Uint8Array } | null {
    return this.pending === null ? null : { state: this.pending.state, hash: this.pending.hash };
  }

  /** Is an update in flight or queued? */
  get busy(): boolean {
    return this.proposal !== null || this.pending !== null || this.queue.length > 0;
  }

  /** Our offer awaiting the counterparty's last signature, if the pending state is one (PROTOCOL §4.5). */
  get offered(): OfferedState | null {
    const p = this.pending;
    return p === null || !isOffer(p) ? null : { state: p.state, hash: p.hash, sig: p.sig };
  }

  /**
   * Offer the counterparty the next state, in which it pays us `amount` with `data`:
   * built, signed first and stored here (PROTOCOL §4.5), and not sent: the application
   * carries it (x402: a paid response carries the next request's offer). The
   * counterparty signs it last when it wants it (takeOffer), or passes over it with its
   * next proposal. Refused while anything is in flight or queued, and while it stands
   * this side proposes nothing.
   */
  offer(amount: bigint, data: Uint8Array): Promise<OfferedState> {
    return this.lock.run(async () => {
      if (this.shut) throw new UsageError(ChannelCode.Closed, 'channel object closed');
      this.checkUsageAmount(amount);
      if (!(data instanceof Uint8Array) || data.length !== 32) throw new UsageError(ChannelCode.BadOps, 'offer data must be 32 bytes');
      const nonce = this.latestSigned.state.nonce + 1n;
      // (a passed-over offer's nonce is never offered again: we proposed past it)
      if (this.proposal || this.pending || this.queue.length > 0 || this.passedAt === nonce) {
        throw new UsageError(ChannelCode.Busy, 'an update is in flight or queued: no offer now');
      }
      const f = this.usableFooting();
      // the counterparty's payment, as if it had proposed it
      const state = this.paymentState(f.base, nonce, amount, data, this.role === 'b');
      const hash = stateHash(state, this.domainHash);
      const sig = await this.cfg.signer.signState(state, this.cfg.domain, hash);
      checkCanonical(sig);
      const pending: PendingState = { state, hash, sig, tag: OFFER_TAG, lapsed: f.lapsed };
      await this.cfg.store.savePending(this.channelId, pending);
      this.pending = pending;
      this.cfg.onSignature?.({ nonce, hash, sig, first: true });
      return { state, hash, sig };
    });
  }

  /**
   * Sign last on the counterparty's offer of the next state, where we pay `amount` with
   * `data` (rebuilt here: the offer names only its nonce, hash and signature). Resolves
   * with the state once it is final and durable here; our signature leaves on the
   * transport as for any state we sign last. Refused, nothing signed, when the offer is
   * not exactly that state, its signature does not verify, the channel moved past it
   * (or passed over it), or an update of ours is in flight.
   */
  takeOffer(offer: { readonly nonce: bigint; readonly hash: Uint8Array; readonly sig: Uint8Array }, amount: bigint, data: Uint8Array): Promise<SignedState> {
    return this.lock.run(async () => {
      if (this.shut) throw new UsageError(ChannelCode.Closed, 'channel object closed');
      this.checkUsageAmount(amount);
      if (this.proposal || this.pending) throw new UsageError(ChannelCode.Busy, 'an update is in flight: the offer waits');
      const next = this.latestSigned.state.nonce + 1n;
      if (offer.nonce !== next || this.passedAt === next) {
        throw new UsageError(ChannelCode.OfferGone, `the offer of state ${offer.nonce} is gone (the channel is at ${next - 1n}${this.passedAt === next ? ', and passed over it' : ''})`);
      }
      const f = this.usableFooting();
      const state = this.paymentState(f.base, next, amount, data, this.role === 'a');
      const hash = stateHash(state, this.domainHash);
      if (!equalBytes(hash, offer.hash)) throw new ProtocolError(ChannelCode.StateMismatch, 'the offer is not the state of this payment');
      checkSignature(this.verifier, hash, offer.sig, this.cfg.counterpartyKeys);
      await this.finish(state, hash, offer.sig, [], f.lapsed);
      return this.latestSigned;
    });
  }

  /**
   * Never take the counterparty's offer at `nonce`: our next proposal passes over it, at
   * the nonce after it, so the counterparty never signs a second state at that nonce.
   */
  passOffer(nonce: bigint): void {
    if (nonce === this.latestSigned.state.nonce + 1n) this.passedAt = nonce;
  }

  /**
   * Pay `amount` to the counterparty. Resolves with the receipt once the state carrying
   * it is final; rejects with PaymentFailedError (nothing moved, ever) or, when the
   * caller stops waiting after the payment was proposed, PaymentPendingError.
   */
  pay(amount: bigint, opts: PayOptions = {}): Promise<PaymentReceipt> {
    try {
      if (this.shut) throw new UsageError(ChannelCode.Closed, 'channel object closed');
      if (opts.id !== undefined) checkPaymentId(opts.id);
      if (opts.data !== undefined && (!(opts.data instanceof Uint8Array) || opts.data.length !== 32)) {
        throw new UsageError(ChannelCode.BadOps, 'payment data must be 32 bytes');
      }
      this.checkUsageAmount(amount);
    } catch (e) {
      return Promise.reject(e);
    }
    const named = opts.id !== undefined;
    const id = opts.id ?? newPaymentId();
    let entry = named ? (this.payments.get(id) ?? this.decided.get(id)) : undefined;
    if (entry === undefined && named) {
      const stored = this.cfg.store.payment(id);
      if (stored !== null) entry = this.track(entryFromRecord(stored));
    }
    if (entry !== undefined) {
      // the same id again: the first payment's outcome, never a second payment
      if (entry.amount !== amount) {
        return Promise.reject(new UsageError(ChannelCode.PaymentIdConflict, 'this payment id was used for another amount', { details: { id, amount: String(entry.amount) } }));
      }
      return this.waitFor(entry, opts);
    }
    const fresh = new PaymentEntry(id, this.channelId, amount, named, opts.data);
    const e = named ? this.track(fresh) : fresh;
    const op: Op = opts.data === undefined ? { op: 'pay', amount } : { op: 'pay', amount, data: opts.data };
    this.queue.push({
      op,
      entry: e,
      resolve: (s) => e.complete(s.state.nonce, s.hash),
      reject: (err) => e.fail(err),
    });
    this.scheduleKick();
    return this.waitFor(e, opts);
  }

  /** What is known of payment `id` (one the caller named), or null if this channel never saw it. */
  paymentStatus(id: string): PaymentStatus | null {
    const e = this.payments.get(id) ?? this.decided.get(id);
    if (e) return e.view();
    const stored = this.cfg.store.payment(id);
    return stored === null ? null : entryFromRecord(stored).view();
  }

  /** Offer an HTLC to the counterparty (expiry: a tenure height). */
  addHtlc(htlc: { hash: Uint8Array; amount: bigint; expiry: bigint }): Promise<SignedState> {
    if (!(htlc.hash instanceof Uint8Array) || htlc.hash.length !== 32) {
      return Promise.reject(new UsageError(ChannelCode.InvalidAmount, 'HTLC hash must be 32 bytes'));
    }
    return this.enqueue({ op: 'add', hash: htlc.hash, amount: htlc.amount, expiry: htlc.expiry }, htlc.amount);
  }

  /** Claim an HTLC the counterparty offered, with its secret (kept durably first). */
  async fulfilHtlc(secret: Uint8Array): Promise<SignedState> {
    if (!(secret instanceof Uint8Array) || secret.length !== 32) {
      throw new UsageError(ChannelCode.HtlcBadSecret, 'secret must be 32 bytes');
    }
    await this.learnSecret(secret);
    return this.enqueue({ op: 'fulfil', hash: sha256(secret), secret });
  }

  /** Give up an HTLC the counterparty offered (it goes back to the counterparty). */
  failHtlc(hash: Uint8Array): Promise<SignedState> {
    if (this.secrets.has(toHex(hash))) {
      return Promise.reject(new UsageError(ChannelCode.HtlcSecretKnown, 'the secret is known: fulfil, not fail'));
    }
    return this.enqueue({ op: 'fail', hash });
  }

  /**
   * Take back an HTLC this side offered whose expiry has passed: asks the receiver to
   * propose its removal (PROTOCOL §4.1: the receiver, who is then owed less, signs last).
   * Resolves with the state without it. A receiver that never answers leaves the
   * on-chain refund: close the channel.
   */
  expireHtlc(hash: Uint8Array): Promise<SignedState> {
    const mine = this.role === 'a';
    const h = this.latestSigned.state.htlcs.find((x) => x.offeredByA === mine && equalBytes(x.hash, hash));
    if (!h) return Promise.reject(new UsageError(ChannelCode.HtlcUnknown, 'no HTLC of ours with this hash'));
    if (this.tenureTip === null || this.tenureTip <= h.expiry) {
      return Promise.reject(new UsageError(ChannelCode.HtlcNotExpired, 'HTLC has not expired yet', { details: { expiry: h.expiry, tenure: this.tenureTip } }));
    }
    const k = toHex(hash);
    return new Promise<SignedState>((resolve, reject) => {
      let e = this.expiring.get(k);
      if (!e) this.expiring.set(k, (e = { hash, sentAt: 0, waiters: [] }));
      e.waiters.push({ resolve, reject });
      this.sendExpire(e);
      this.armTimer();
    });
  }

  /** A co-signed deposit state for fund-channel; the channel waits for it to land or lapse. */
  deposit(amount: bigint): Promise<SignedState> {
    return this.enqueue({ op: 'deposit', amount, validUntil: 0n }, amount);
  }

  /** A co-signed withdraw state for withdraw (either side may land it); the channel waits for it to land or lapse. */
  withdraw(amount: bigint): Promise<SignedState> {
    return this.enqueue({ op: 'withdraw', amount, validUntil: 0n }, amount);
  }

  /** A co-signed close state for close-channel; nothing is signed after it until it lands or lapses. */
  closeState(): Promise<SignedState> {
    return this.enqueue({ op: 'close', validUntil: 0n });
  }

  /** Show the counterparty the secret of an HTLC it offered us (so it can settle upstream). */
  revealSecret(secret: Uint8Array): void {
    this.send({ v: WIRE_VERSION, type: 'secret', channelId: this.channelId, hash: sha256(secret), secret });
  }

  /**
   * Keep a secret this side knows (it made it as the payee, or learned it), durably: it
   * will never give up an HTLC locked by it, after a restart too, and can fulfil it.
   */
  async learnSecret(secret: Uint8Array): Promise<void> {
    await this.cfg.store.saveSecret(this.channelId, secret);
    this.secrets.set(toHex(sha256(secret)), secret);
  }

  /** The secret of `hash`, if this side knows it (a watchtower's SecretSource). */
  secretFor(hash: Uint8Array): Uint8Array | null {
    return this.secrets.get(toHex(hash)) ?? null;
  }

  /** The chain tip moved: HTLC checks use the tenure height, confirmations and lapses count burn blocks. */
  setChainTime(time: { burnHeight: bigint; tenureHeight?: bigint }): void {
    if (time.burnHeight > this.burnTip) this.burnTip = time.burnHeight;
    if (time.tenureHeight !== undefined && (this.tenureTip === null || time.tenureHeight > this.tenureTip)) this.tenureTip = time.tenureHeight;
    this.scheduleKick();
  }

  /** The burn tip moved (the tenure height is left as it was; see setChainTime). */
  setBurnHeight(height: bigint): void {
    this.setChainTime({ burnHeight: height });
  }

  /** The on-chain call carrying state `nonce` (opening: 0, deposit, withdraw, close) was mined at `burnHeight`. */
  confirmOnChain(nonce: bigint, burnHeight: bigint): void {
    this.minedAt.set(nonce, burnHeight);
    this.scheduleKick();
  }

  /** Stop timers and detach from the transport; queued operations are refused. */
  close(): void {
    this.shut = true;
    this.unsubscribe();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const err = new UsageError(ChannelCode.Closed, 'channel object closed');
    for (const item of this.queue) {
      // never proposed at a nonce still open: it fails for good
      if (item.entry?.durable) void this.cfg.store.savePayments([item.entry.failedRecord(err.code)]).catch(() => undefined);
      item.reject(err);
    }
    this.queue = [];
    if (this.proposal) {
      for (const item of this.proposal.items) {
        // proposed: the peer may hold it and a later run may still complete it (adopt)
        if (item.entry) item.entry.release(new PaymentPendingError(`payment ${item.entry.id} was in flight when the channel object closed`, { details: { id: item.entry.id } }));
        else item.reject(err);
      }
    }
    this.proposal = null;
    for (const e of this.expiring.values()) for (const w of e.waiters) w.reject(err);
    this.expiring.clear();
  }

  /**
   * Handle one message from the peer (JSON text or value). Resolves when it is handled;
   * rejects with a typed error (and sends the peer an error message) when refused, with
   * the channel unchanged.
   */
  async receive(raw: unknown): Promise<void> {
    let msg: Message;
    try {
      msg = parseMessage(raw);
    } catch (e) {
      this.refuse(e, null);
      throw e;
    }
    try {
      await this.lock.run(() => this.handle(msg));
    } catch (e) {
      this.refuse(e, msg);
      throw e;
    }
  }

  // ---------------------------------------------------------------------------------
  // Proposing (this side may be owed less: it signs last)
  // ---------------------------------------------------------------------------------

  private checkUsageAmount(amount: bigint): void {
    try {
      checkAmount(amount);
    } catch (e) {
      throw new UsageError(ChannelCode.InvalidAmount, (e as Error).message, { details: { amount: String(amount) } });
    }
  }

  private enqueue(op: Op, amount?: bigint): Promise<SignedState> {
    if (this.shut) return Promise.reject(new UsageError(ChannelCode.Closed, 'channel object closed'));
    if (amount !== undefined) {
      try {
        this.checkUsageAmount(amount);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return new Promise<SignedState>((resolve, reject) => {
      this.queue.push({ op, entry: null, resolve, reject });
      this.scheduleKick();
    });
  }

  /** Keep a named payment by id; once decided, among the recent ones (RECENT_PAYMENTS). */
  private track(e: PaymentEntry): PaymentEntry {
    if (e.settled) {
      this.retire(e);
      return e;
    }
    this.payments.set(e.id, e);
    e.onSettled = (x) => this.retire(x);
    return e;
  }

  /** A decided named payment: out of the undecided ones, to the back of the recent ones. */
  private retire(e: PaymentEntry): void {
    this.payments.delete(e.id);
    if (e.nonce !== undefined) this.restoredAt.get(e.nonce)?.delete(e);
    this.decided.set(e.id, e);
    // trimmed in bulk: deleting a Map's oldest key one at a time leaves holes that every
    // later walk from the front skips, which made a busy channel quadratic
    if (this.decided.size > 2 * RECENT_PAYMENTS) this.decided = new Map([...this.decided].slice(-RECENT_PAYMENTS));
  }

  /** The caller's promise for a payment, honouring its timeout and abort signal. */
  private waitFor(entry: PaymentEntry, opts: PayOptions): Promise<PaymentReceipt> {
    if (opts.timeoutMs === undefined && opts.signal === undefined) {
      return new Promise<PaymentReceipt>((resolve, reject) => entry.wait({ resolve, reject }));
    }
    return new Promise<PaymentReceipt>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | null = null;
      const done = () => {
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const w: Waiter = {
        resolve: (r) => (done(), resolve(r)),
        reject: (e) => (done(), reject(e)),
      };
      const stop = (code: string, why: string) => {
        if (entry.settled) return;
        entry.forget(w);
        done();
        if (entry.status === 'queued') {
          // never proposed: it fails for good
          const i = this.queue.findIndex((it) => it.entry === entry);
          if (i >= 0) this.queue.splice(i, 1);
          const err = new PaymentFailedError(code, `payment ${entry.id} ${why} before it was proposed`, { details: { id: entry.id } });
          if (entry.durable) void this.cfg.store.savePayments([entry.failedRecord(code)]).catch(() => undefined);
          entry.fail(err);
          reject(err);
        } else {
          reject(new PaymentPendingError(`payment ${entry.id} ${why} while in flight: its outcome is not known yet`, {
            details: { id: entry.id, status: entry.status, reason: code },
          }));
        }
      };
      const onAbort = () => stop(ChannelCode.PaymentAborted, 'was aborted');
      if (opts.signal?.aborted) {
        stop(ChannelCode.PaymentAborted, 'was aborted');
        return;
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.timeoutMs !== undefined) timer = setTimeout(() => stop(ChannelCode.PaymentTimeout, 'timed out'), opts.timeoutMs);
      entry.wait(w);
    });
  }

  private scheduleKick(): void {
    if (this.kickScheduled || this.shut) return;
    this.kickScheduled = true;
    void this.lock.run(() => {
      this.kickScheduled = false;
      return this.kick();
    }).catch((e) => this.cfg.onError?.(e));
  }

  private rules(): Rules {
    return {
      window: this.cfg.window,
      safetyDelta: this.cfg.safetyDelta ?? 6n,
      reserve: this.cfg.reserve ?? 0n,
      burnHeight: this.burnTip,
      tenureHeight: this.tenureTip,
      landing: this.cfg.landing ?? { min: 2n, max: 288n },
      participants: this.cfg.participants,
    };
  }

  private chainView(): ChainView {
    return { burnHeight: this.burnTip, minedAt: (n) => this.minedAt.get(n), depth: this.cfg.confirmations ?? 1 };
  }

  /** What the next state builds on now (PROTOCOL §4.3). */
  private footing(): Footing {
    return footing(this.latestSigned.state, this.baseSigned?.state ?? null, this.chainView());
  }

  /** The state paying `amount` with `data` on `base` (by a if `payerIsA`); a rule it breaks is the caller's usage error. */
  private paymentState(base: ChannelState, nonce: bigint, amount: bigint, data: Uint8Array, payerIsA: boolean): ChannelState {
    try {
      return applyOps(base, nonce, [{ op: 'pay', amount, data }], payerIsA, this.rules());
    } catch (e) {
      throw e instanceof ProtocolError ? new UsageError(e.code as ChannelCode, e.message, { details: e.details }) : e;
    }
  }

  /** The footing, or the usage error of a channel closed or waiting on the chain. */
  private usableFooting(): Extract<Footing, { kind: 'ready' }> {
    const f = this.footing();
    if (f.kind === 'closed') throw new UsageError(ChannelCode.Closed, 'the channel was closed on-chain with a close state');
    if (f.kind === 'wait') throw new UsageError(ChannelCode.NotReady, `not ready: ${f.reason}`);
    return f;
  }

  /** Build and send the next proposal from the queue, if nothing is in flight. */
  private async kick(): Promise<void> {
    if (this.shut || this.proposal) return;
    if (this.pending) {
      // our offer stands and we have something to propose: ask the payer to take it or pass over it (§4.5)
      if (isOffer(this.pending) && this.queue.length > 0) this.askAboutOffer(this.pending);
      return;
    }
    const lostAt = this.restoredAt.get(this.latestSigned.state.nonce + 1n);
    if (this.queue.length === 0 && (lostAt === undefined || lostAt.size === 0)) return;
    const f = this.footing();
    if (f.kind === 'closed') {
      const err = new UsageError(ChannelCode.Closed, 'the channel was closed on-chain with a close state');
      for (const item of this.queue.splice(0)) item.reject(err);
      return;
    }
    if (f.kind === 'wait') return; // waits for confirmOnChain / setChainTime
    const passing = this.passedAt === this.latestSigned.state.nonce + 1n;
    const lost = passing ? null : this.lostProposal(f.base, f.lapsed);
    if (lost !== null) {
      this.proposal = lost;
      this.sendProposal(lost);
      this.armTimer();
      return;
    }
    if (this.queue.length === 0) return;
    const iAmA = this.role === 'a';
    const rules = this.rules();
    // past an offer we passed over: the nonce after it (PROTOCOL §4.5)
    const nonce = this.latestSigned.state.nonce + (passing ? 2n : 1n);
    const batching = this.cfg.batching ?? true;
    const landBy = this.burnTip + (this.cfg.landWithin ?? 12n);
    let ops: Op[] = [];
    let state: ChannelState | null = null;
    const items: Item[] = [];
    let taken = 0;
    for (const queued of this.queue) {
      // a chain state's valid-until counts from now, not from when it was asked for
      const item = isChainOp(queued.op) ? { ...queued, op: { ...queued.op, validUntil: landBy } as Op } : queued;
      const single = isChainOp(item.op) || (item.op.op === 'pay' && item.op.data !== undefined);
      if (items.length > 0 && (!batching || single)) break;
      taken++;
      const candidate = mergeOp(ops, item.op);
      if (candidate.length > 32) {
        taken--;
        break;
      }
      try {
        state = applyOps(f.base, nonce, candidate, iAmA, rules);
      } catch (e) {
        queued.reject(e instanceof ProtocolError ? new UsageError(e.code as ChannelCode, e.message, { details: e.details }) : e);
        continue;
      }
      ops = candidate;
      items.push(queued);
      if (single) break;
    }
    this.queue.splice(0, taken);
    if (items.length === 0 || state === null) {
      if (this.queue.length > 0) this.scheduleKick();
      return;
    }
    let hash: Uint8Array;
    try {
      hash = stateHash(state, this.domainHash);
    } catch (e) {
      for (const item of items) item.reject(e); // never leave a caller waiting
      return;
    }
    // payments the caller named are recorded before the proposal leaves, so a retry by
    // id after a crash finds them (and a later run can tell whether this state completed)
    const named: PaymentRecord[] = [];
    for (const item of items) {
      const e = item.entry;
      if (!e) continue;
      e.status = 'in-flight';
      e.nonce = nonce;
      e.hash = hash;
      if (e.durable) named.push(e.record());
    }
    if (named.length > 0) {
      try {
        await this.cfg.store.savePayments(named);
      } catch (err) {
        for (const item of items) item.reject(err);
        return;
      }
    }
    this.proposal = { state, hash, ops, tag: this.tagOf(hash, f.lapsed), items, lapsed: f.lapsed, sentAt: Date.now() };
    this.sendProposal(this.proposal);
    this.armTimer();
  }

  /**
   * The proposal an earlier run made at the next nonce and lost in a crash, rebuilt from
   * the store — only when it can be rebuilt exactly: its payments, all named and in flight
   * there, folded into one payment as a batch of them was, must hash to the state they
   * recorded. Proposing it again is proposing the same state, so the peer signs it (or
   * sends its signature again) and those payments complete once. Without this, payments
   * whose proposal died with the process waited for some new payment to take their nonce.
   * One that cannot be rebuilt (it carried payments nobody named) waits for that.
   */
  private lostProposal(base: ChannelState, lapsed: boolean): Proposal | null {
    const nonce = this.latestSigned.state.nonce + 1n;
    const at = [...(this.restoredAt.get(nonce) ?? [])].filter((e) => !e.settled && e.status === 'in-flight');
    const hash = at[0]?.hash;
    if (hash === undefined || at.some((e) => e.hash === undefined || !equalBytes(e.hash, hash) || e.nonce !== nonce)) return null;
    const ops: Op[] = [{ op: 'pay', amount: at.reduce((sum, e) => sum + e.amount, 0n) }];
    let state: ChannelState;
    try {
      state = applyOps(base, nonce, ops, this.role === 'a', this.rules());
      if (!equalBytes(stateHash(state, this.domainHash), hash)) return null;
    } catch {
      return null;
    }
    return { state, hash, ops, tag: this.tagOf(hash, lapsed), items: [], lapsed, sentAt: Date.now(), restored: true };
  }

  private sendProposal(p: Proposal): void {
    const msg: ProposalMessage = { v: WIRE_VERSION, type: 'proposal', state: p.state, ops: p.ops, tag: p.tag };
    // piggyback our last signature on the previous state when the peer may lack it
    if (this.unacked && this.unacked.nonce === p.state.nonce - 1n) msg.prevSig = this.unacked.sig;
    p.sentAt = Date.now();
    this.send(msg);
  }

  /** The responder signed our proposal: verify, sign last, store, release. */
  private async onFirstSignature(m: SignatureMessage): Promise<void> {
    const p = this.proposal;
    const latest = this.latestSigned;
    if (p && m.nonce === p.state.nonce) {
      if (equalBytes(m.hash, p.hash)) {
        checkSignature(this.verifier, p.hash, m.sig, this.cfg.counterpartyKeys);
        await this.finish(p.state, p.hash, m.sig, p.items, p.lapsed, p.restored === true);
        return;
      }
      if (m.state && m.tag && isOfferTag(m.tag) && m.nonce === latest.state.nonce + 1n) {
        // the peer offered this nonce (PROTOCOL §4.5), and never signs a second state there:
        // our proposal passes over the offer, to the nonce after it
        this.passedAt = m.nonce;
        this.requeue(p.items);
        this.proposal = null;
        this.scheduleKick();
        return;
      }
      if (m.state && m.tag) {
        // the peer holds a signature on a proposal we made before a restart: complete that one
        await this.adopt(m);
        return;
      }
      throw new ProtocolError(ChannelCode.StateMismatch, 'signature for a state we did not propose', { details: { nonce: m.nonce } });
    }
    if (!p && !this.pending && m.nonce === latest.state.nonce + 1n && m.state && m.tag) {
      if (isOfferTag(m.tag)) {
        // the payee asks about its offer, which we did not take: we never will (§4.5)
        this.passedAt = m.nonce;
        throw new ProtocolError(ChannelCode.OfferPassed, 'we pass over the offer and never take it', { details: { nonce: m.nonce } });
      }
      await this.adopt(m);
      return;
    }
    if (m.nonce === latest.state.nonce && equalBytes(m.hash, latest.hash) && latest.sigA && latest.sigB) {
      // our last signature was lost: send it again (it is stored; nothing is signed anew)
      const theirs = this.role === 'a' ? latest.sigB : latest.sigA;
      if (!equalBytes(theirs, m.sig)) checkSignature(this.verifier, latest.hash, m.sig, this.cfg.counterpartyKeys);
      const own = this.ownSig(latest)!;
      this.send({ v: WIRE_VERSION, type: 'signature', channelId: this.channelId, nonce: m.nonce, hash: m.hash, sig: own, first: false });
      return;
    }
    if (m.nonce <= latest.state.nonce) throw new ProtocolError(ChannelCode.StaleNonce, 'signature for an old state (replay)', { details: { nonce: m.nonce } });
    throw new ProtocolError(ChannelCode.Unexpected, 'signature for no open proposal', { details: { nonce: m.nonce } });
  }

  /**
   * Complete a proposal of ours that the peer signed but we lost in a crash. The tag
   * (our HMAC over its hash) proves we made it; without it a peer could invent one. A
   * proposal we abandoned is never signed: a payment on it was reported failed.
   */
  private async adopt(m: SignatureMessage): Promise<void> {
    const state = m.state!;
    const lapsed = equalBytes(this.tagOf(m.hash, true), m.tag!);
    if (!lapsed && !equalBytes(this.tagOf(m.hash, false), m.tag!)) {
      throw new ProtocolError(ChannelCode.BadTag, 'the state is not a proposal of ours');
    }
    if (this.abandoned.has(toHex(m.hash))) throw new ProtocolError(ChannelCode.Abandoned, 'we abandoned this proposal and never sign it');
    if (!equalBytes(state.channelId, this.channelId)) throw new ProtocolError(ChannelCode.UnknownChannel, 'state of another channel');
    if (state.nonce !== this.latestSigned.state.nonce + 1n || m.nonce !== state.nonce) {
      throw new ProtocolError(ChannelCode.WrongNonce, 'recovered proposal is not the next state');
    }
    let hash: Uint8Array;
    try {
      hash = stateHash(state, this.domainHash);
    } catch (cause) {
      throw new ProtocolError(ChannelCode.StateMismatch, 'recovered state does not encode', { cause });
    }
    if (!equalBytes(hash, m.hash)) throw new ProtocolError(ChannelCode.StateMismatch, 'recovered state does not match its hash');
    checkSignature(this.verifier, hash, m.sig, this.cfg.counterpartyKeys);
    if (this.proposal) {
      // our current proposal was never signed by us: put its operations back in the queue
      this.requeue(this.proposal.items);
      this.proposal = null;
    }
    await this.finish(state, hash, m.sig, [], lapsed, true);
  }

  private requeue(items: Item[]): void {
    for (const item of items) if (item.entry) item.entry.status = 'queued';
    this.queue.unshift(...items);
  }

  /**
   * Sign last and store. `recovered`: the state is a proposal an earlier run made (adopt),
   * so the payments that run left in flight at this nonce are the ones it carries; any
   * other state at this nonce is this run's, and they fail, even when its bytes are the
   * same (one payment of 1 from the same base is the same state whichever payment it is).
   */
  private async finish(state: ChannelState, hash: Uint8Array, theirs: Uint8Array, items: Item[], lapsed: boolean, recovered = false): Promise<void> {
    const own = await this.cfg.signer.signState(state, this.cfg.domain, hash);
    checkCanonical(own);
    const signed: SignedState =
      this.role === 'a' ? { state, hash, sigA: own, sigB: theirs } : { state, hash, sigA: theirs, sigB: own };
    // the named payments this state carries complete in the same commit; those an earlier
    // run left in flight at this nonce complete with it only if it is that run's proposal
    const restored = this.settleRestored(state.nonce, recovered ? hash : null);
    const carried: PaymentRecord[] = [];
    for (const item of items) if (item.entry?.durable) carried.push(item.entry.completedRecord());
    await this.cfg.store.saveSigned(this.channelId, signed, { lapsed, payments: carried.length === 0 ? restored.records : [...carried, ...restored.records] });
    this.advance(signed, lapsed);
    this.proposal = null;
    this.unacked = { nonce: state.nonce, hash, sig: own, sentAt: Date.now() };
    this.cfg.onSignature?.({ nonce: state.nonce, hash, sig: own, first: false });
    this.send({ v: WIRE_VERSION, type: 'signature', channelId: this.channelId, nonce: state.nonce, hash, sig: own, first: false });
    for (const item of items) item.resolve(signed);
    restored.report();
    this.cfg.onState?.(signed);
    this.afterState(signed);
    this.armTimer();
    if (this.queue.length > 0) this.scheduleKick();
  }

  /**
   * What a new state at `nonce` does to the named payments an earlier run left in flight
   * there: they complete if it is their state (`hash`: the earlier run's proposal was
   * recovered) and can never complete otherwise (`null`: the nonce is taken by another
   * proposal). Returns the records to write with the state and what to report once it is
   * durable. (This run's own proposals settle their payments directly.)
   */
  private settleRestored(nonce: bigint, hash: Uint8Array | null): { records: PaymentRecord[]; report: () => void } {
    return decideRestored(this.restoredAt.get(nonce) ?? [], nonce, hash);
  }

  /** Payments an earlier run left in flight whose nonce has since passed: decide them now. */
  private async settleStoredPayments(): Promise<void> {
    const latest = this.latestSigned;
    const settled = decideRestored([...this.restoredAt.values()].flatMap((at) => [...at]), latest.state.nonce, latest.hash);
    if (settled.records.length > 0) await this.cfg.store.savePayments(settled.records);
    settled.report();
  }

  private advance(signed: SignedState, lapsed: boolean): void {
    // as the store keeps it
    const next = following({ latest: this.latestSigned, base: this.baseSigned, closable: this.closableSigned }, signed, lapsed);
    this.baseSigned = next.base;
    this.closableSigned = next.closable;
    this.latestSigned = signed;
    this.abandoned.clear();
  }

  /** A new final state: wake whoever waits for an HTLC of ours to be gone. */
  private afterState(signed: SignedState): void {
    if (this.expiring.size === 0) return;
    const mine = this.role === 'a';
    for (const [k, e] of this.expiring) {
      if (signed.state.htlcs.some((h) => h.offeredByA === mine && equalBytes(h.hash, e.hash))) continue;
      this.expiring.delete(k);
      for (const w of e.waiters) w.resolve(signed);
    }
  }

  // ---------------------------------------------------------------------------------
  // Responding (this side is owed no less: it signs first)
  // ---------------------------------------------------------------------------------

  private async onProposal(m: ProposalMessage): Promise<void> {
    const n = m.state.nonce;
    if (!equalBytes(m.state.channelId, this.channelId)) throw new ProtocolError(ChannelCode.UnknownChannel, 'proposal for another channel');
    if (m.prevSig && this.pending && this.pending.state.nonce === n - 1n) {
      await this.completePending(this.pending.state.nonce, this.pending.hash, m.prevSig);
    }
    // read after the piggybacked signature: it may just have made state n-1 the newest
    const latest = this.latestSigned;
    if (n <= latest.state.nonce) {
      if (n === latest.state.nonce && latest.sigA && latest.sigB && this.sameState(m.state, latest.hash)) {
        // a retransmit of a proposal we already completed: the same signature again
        this.sendFirst(n, latest.hash, this.ownSig(latest)!);
        return;
      }
      throw new ProtocolError(ChannelCode.StaleNonce, 'proposal for an old nonce (replay)', { details: { nonce: n, latest: latest.state.nonce } });
    }
    if (this.pending) {
      if (n === this.pending.state.nonce) {
        if (this.sameState(m.state, this.pending.hash)) {
          this.sendFirst(n, this.pending.hash, this.pending.sig);
          return;
        }
        // never two states at one nonce: show the proposer what we signed (it may have lost it)
        this.sendFirst(n, this.pending.hash, this.pending.sig, this.pending);
        throw new ProtocolError(ChannelCode.DoubleSign, 'already signed a different state at this nonce', { details: { nonce: n } });
      }
      // the payer passes over our offer (it never signed it: a payer that did sends prevSig):
      // the proposal builds on the latest state and supersedes the offer (PROTOCOL §4.5)
      const passing = isOffer(this.pending) && n === this.pending.state.nonce + 1n && n === latest.state.nonce + 2n;
      if (!passing) {
        throw new ProtocolError(ChannelCode.WrongNonce, 'proposal while our signature on the previous state awaits completion', {
          details: { nonce: n, pending: this.pending.state.nonce },
        });
      }
    } else if (n !== latest.state.nonce + 1n && !(n === latest.state.nonce + 2n && this.passedAt === latest.state.nonce + 1n)) {
      throw new ProtocolError(ChannelCode.WrongNonce, 'nonce is not the next one', { details: { nonce: n, latest: latest.state.nonce } });
    }
    const f = this.footing();
    if (f.kind === 'closed') throw new ProtocolError(ChannelCode.Closed, 'the channel was closed on-chain with a close state');
    if (f.kind === 'wait') throw new ProtocolError(ChannelCode.NotReady, `not ready: ${f.reason}`);
    if (this.proposal) {
      // both proposed nonce n at once: a's proposal wins; b drops its own (it signed nothing)
      if (this.role === 'a') throw new ProtocolError(ChannelCode.Collision, 'both sides proposed; a proposes first');
      this.requeue(this.proposal.items);
      this.proposal = null;
    }
    const expected = applyOps(f.base, n, m.ops, this.role === 'b', this.rules());
    checkProposed(expected, m.state);
    // the peer claims an HTLC we offered: its secret is kept and reported before anything
    // else, so an intermediary can always claim upstream (PROTOCOL §5)
    for (const op of m.ops) if (op.op === 'fulfil') await this.keepPeerSecret(op.hash, op.secret);
    const hash = stateHash(expected, this.domainHash);
    const sig = await this.cfg.signer.signState(expected, this.cfg.domain, hash);
    checkCanonical(sig);
    const pending: PendingState = { state: expected, hash, sig, tag: m.tag, lapsed: f.lapsed };
    await this.cfg.store.savePending(this.channelId, pending);
    this.pending = pending;
    // the peer holds state n now, so our older unacknowledged signature is moot
    if (this.unacked && this.unacked.nonce < n) this.unacked = null;
    this.cfg.onSignature?.({ nonce: n, hash, sig, first: true });
    this.sendFirst(n, hash, sig);
    this.pendingSentAt = Date.now();
    this.armTimer();
  }

  /**
   * Is our pending first signature one to resend? Always, bar an offer: that is the
   * application's to carry, and is shown to the payer only while we have something to
   * propose behind it (askAboutOffer).
   */
  private resendsPending(): boolean {
    return this.pending !== null && (!isOffer(this.pending) || this.queue.length > 0);
  }

  /** Show the payer our standing offer: it answers with its last signature, or that it passed over it for good. */
  private askAboutOffer(p: PendingState): void {
    this.sendFirst(p.state.nonce, p.hash, p.sig, p);
    this.pendingSentAt = Date.now();
    this.armTimer();
  }

  private sendFirst(nonce: bigint, hash: Uint8Array, sig: Uint8Array, withState?: PendingState): void {
    const msg: SignatureMessage = { v: WIRE_VERSION, type: 'signature', channelId: this.channelId, nonce, hash, sig, first: true };
    if (withState) {
      msg.state = withState.state;
      msg.tag = withState.tag;
    }
    this.send(msg);
  }

  /** The proposer's last signature on a state we signed first. */
  private async onLastSignature(m: SignatureMessage): Promise<void> {
    const latest = this.latestSigned;
    if (this.pending && m.nonce === this.pending.state.nonce) {
      await this.completePending(m.nonce, m.hash, m.sig);
      return;
    }
    if (m.nonce === latest.state.nonce && equalBytes(m.hash, latest.hash) && latest.sigA && latest.sigB) {
      const theirs = this.role === 'a' ? latest.sigB : latest.sigA;
      if (!equalBytes(theirs, m.sig)) checkSignature(this.verifier, latest.hash, m.sig, this.cfg.counterpartyKeys);
      this.send({ v: WIRE_VERSION, type: 'ack', channelId: this.channelId, nonce: m.nonce, hash: m.hash });
      return;
    }
    if (m.nonce <= latest.state.nonce) throw new ProtocolError(ChannelCode.StaleNonce, 'signature for an old state (replay)', { details: { nonce: m.nonce } });
    throw new ProtocolError(ChannelCode.Unexpected, 'last signature for a state we did not sign', { details: { nonce: m.nonce } });
  }

  private async completePending(nonce: bigint, hash: Uint8Array, theirs: Uint8Array): Promise<void> {
    const p = this.pending!;
    if (nonce !== p.state.nonce || !equalBytes(hash, p.hash)) {
      throw new ProtocolError(ChannelCode.StateMismatch, 'signature for another state than the one we signed');
    }
    checkSignature(this.verifier, p.hash, theirs, this.cfg.counterpartyKeys);
    const signed: SignedState =
      this.role === 'a' ? { state: p.state, hash: p.hash, sigA: p.sig, sigB: theirs } : { state: p.state, hash: p.hash, sigA: theirs, sigB: p.sig };
    // named payments an earlier run left in flight at this nonce can no longer complete: the peer's state took it
    const settled = this.settleRestored(nonce, null);
    // The write is queued now and the lock released before it commits, so the next
    // proposal's pending signature can share its fsync (group commit). Nothing that
    // depends on it leaves before it is durable: the ack and onState wait for it, and any
    // later signature waits for its own, later commit (commits are in order).
    const durable = this.cfg.store.saveSigned(this.channelId, signed, { lapsed: p.lapsed, payments: settled.records });
    this.advance(signed, p.lapsed);
    this.pending = null;
    durable.then(
      () => {
        this.send({ v: WIRE_VERSION, type: 'ack', channelId: this.channelId, nonce, hash });
        settled.report();
        this.cfg.onState?.(signed);
        this.afterState(signed);
      },
      (e: unknown) => this.storeFailed(e),
    );
    if (this.queue.length > 0) this.scheduleKick();
  }

  /** Memory ran ahead of a write that failed: stop, so nothing more is signed on it. */
  private storeFailed(e: unknown): void {
    this.cfg.onError?.(e);
    this.close();
  }

  // ---------------------------------------------------------------------------------
  // Acks, errors, secrets, expiries, retransmission
  // ---------------------------------------------------------------------------------

  private async handle(m: Message): Promise<void> {
    if (this.shut) throw new UsageError(ChannelCode.Closed, 'channel object closed');
    if (m.type !== 'error' && !equalBytes(m.type === 'proposal' ? m.state.channelId : m.channelId, this.channelId)) {
      throw new ProtocolError(ChannelCode.UnknownChannel, 'message for another channel');
    }
    switch (m.type) {
      case 'proposal':
        return this.onProposal(m);
      case 'signature':
        return m.first ? this.onFirstSignature(m) : this.onLastSignature(m);
      case 'ack':
        return this.onAck(m);
      case 'error':
        return this.onRemoteError(m);
      case 'secret':
        return this.onSecret(m);
      case 'expire':
        return this.onExpire(m);
    }
  }

  private onAck(m: AckMessage): void {
    const u = this.unacked;
    if (u && m.nonce === u.nonce && equalBytes(m.hash, u.hash)) {
      this.unacked = null;
      return;
    }
    if (m.nonce <= this.latestSigned.state.nonce) throw new ProtocolError(ChannelCode.StaleNonce, 'ack for an old state', { details: { nonce: m.nonce } });
    throw new ProtocolError(ChannelCode.Unexpected, 'ack for a state we did not sign');
  }

  /**
   * The peer refused our open proposal. The refusal is not authenticated (error messages
   * carry no signature), so before its payments are reported failed the proposal is
   * durably marked as one we will never sign: whatever the peer does later, a payment
   * reported failed never completes.
   */
  private async onRemoteError(m: ErrorMessage): Promise<void> {
    if (m.code === ChannelCode.OfferPassed && this.pending && isOffer(this.pending) && m.nonce === this.pending.state.nonce) {
      // the payer will never take our offer: drop it, and propose past it (§4.5). (The store
      // keeps it until a later state replaces it; a restart shows it to the payer again.)
      this.passedAt = m.nonce;
      this.pending = null;
      this.scheduleKick();
      return;
    }
    if (m.ref !== undefined) this.onExpireRefused(m.ref, m);
    const p = this.proposal;
    if (!p || m.ref === undefined || !equalBytes(m.ref, p.tag)) return; // not about our open proposal
    if (RETRYABLE.has(m.code)) return; // the retransmit timer tries again
    const err = new RemoteError(m.code, `peer refused the proposal: ${m.message}`, { details: { nonce: p.state.nonce } });
    const failed = p.items
      .filter((i) => i.entry?.durable)
      .map((i) => i.entry!.failedRecord(m.code));
    await this.cfg.store.saveAbandoned(this.channelId, p.hash);
    // a rebuilt proposal's payments are the restored ones at its nonce: never signed now, they fail for good
    const restored = p.restored === true ? this.settleRestored(p.state.nonce, null) : NOTHING_SETTLED;
    if (failed.length + restored.records.length > 0) await this.cfg.store.savePayments([...failed, ...restored.records]);
    this.abandoned.add(toHex(p.hash));
    this.proposal = null;
    for (const item of p.items) item.reject(err);
    restored.report();
    if (this.queue.length > 0) this.scheduleKick();
  }

  private async onSecret(m: SecretMessage): Promise<void> {
    if (!equalBytes(sha256(m.secret), m.hash)) throw new ProtocolError(ChannelCode.HtlcBadSecret, 'secret does not match the hash');
    const ours = this.role === 'a';
    if (!this.latestSigned.state.htlcs.some((h) => h.offeredByA === ours && equalBytes(h.hash, m.hash))) {
      throw new ProtocolError(ChannelCode.HtlcUnknown, 'no HTLC of ours with this hash');
    }
    await this.keepPeerSecret(m.hash, m.secret);
  }

  /** A secret the peer showed us, kept durably, then reported. */
  private async keepPeerSecret(hash: Uint8Array, secret: Uint8Array): Promise<void> {
    const k = toHex(hash);
    if (this.secrets.has(k)) return;
    await this.cfg.store.saveSecret(this.channelId, secret);
    this.secrets.set(k, secret);
    this.cfg.onSecret?.(hash, secret);
  }

  /** The offerer asks us (the receiver) to remove its HTLC past its expiry: we propose the removal and sign last. */
  private onExpire(m: ExpireMessage): void {
    const theirs = this.role === 'b';
    const h: Htlc | undefined = this.latestSigned.state.htlcs.find((x) => x.offeredByA === theirs && equalBytes(x.hash, m.hash));
    if (!h) throw new ProtocolError(ChannelCode.HtlcUnknown, 'no HTLC of the peer with this hash');
    if (this.tenureTip === null || this.tenureTip <= h.expiry) throw new ProtocolError(ChannelCode.HtlcNotExpired, 'HTLC has not expired yet');
    if (this.secrets.has(toHex(m.hash))) throw new ProtocolError(ChannelCode.HtlcSecretKnown, 'the secret is known: the HTLC is settled by the chain, not given up');
    const queued = (ops: readonly Op[]) => ops.some((o) => o.op === 'fail' && equalBytes(o.hash, m.hash));
    if (queued(this.queue.map((i) => i.op)) || (this.proposal && queued(this.proposal.ops))) return;
    this.queue.push({ op: { op: 'fail', hash: m.hash }, entry: null, resolve: () => undefined, reject: (e) => this.cfg.onError?.(e) });
    this.scheduleKick();
  }

  /** The receiver refused our expire request for good (it knows the secret, or has no such HTLC). */
  private onExpireRefused(hash: Uint8Array, m: ErrorMessage): void {
    const k = toHex(hash);
    const e = this.expiring.get(k);
    // its clock may be behind ours: the request is sent again until the expiry passes there too
    if (!e || m.code === ChannelCode.HtlcNotExpired || m.code === ChannelCode.NotReady) return;
    this.expiring.delete(k);
    const err = new RemoteError(m.code, `peer refused to remove the expired HTLC: ${m.message}`);
    for (const w of e.waiters) w.reject(err);
  }

  private sendExpire(e: { hash: Uint8Array; sentAt: number }): void {
    e.sentAt = Date.now();
    this.send({ v: WIRE_VERSION, type: 'expire', channelId: this.channelId, hash: e.hash });
  }

  private armTimer(): void {
    if (this.timer || this.shut) return;
    const every = this.cfg.retransmitMs ?? 200;
    this.timer = setInterval(() => {
      void this.lock.run(() => this.retransmit(every));
    }, every);
    // (Node: the retransmit timer alone keeps no process alive; a browser's timer is a number)
    (this.timer as { unref?: () => void }).unref?.();
  }

  private retransmit(every: number): void {
    if (this.shut) return;
    const now = Date.now();
    const stale = (t: number) => now - t >= every;
    if (this.proposal && stale(this.proposal.sentAt)) this.sendProposal(this.proposal);
    if (this.pending && this.resendsPending() && stale(this.pendingSentAt)) {
      this.sendFirst(this.pending.state.nonce, this.pending.hash, this.pending.sig, this.pending);
      this.pendingSentAt = now;
    }
    const u = this.unacked;
    if (u && u.nonce !== this.latestSigned.state.nonce) this.unacked = null;
    else if (u && stale(u.sentAt)) {
      this.send({ v: WIRE_VERSION, type: 'signature', channelId: this.channelId, nonce: u.nonce, hash: u.hash, sig: u.sig, first: false });
      u.sentAt = now;
    }
    // an expire request waits on the receiver's clock, not on a lost message: ask less often
    for (const e of this.expiring.values()) if (now - e.sentAt >= every * 10) this.sendExpire(e);
    if (!this.proposal && !this.resendsPending() && !this.unacked && this.expiring.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
    if (!this.proposal && this.queue.length > 0) this.scheduleKick();
  }

  /** Tell the peer why its message was refused (never in answer to an error or an ack). */
  private refuse(e: unknown, m: Message | null): void {
    this.cfg.onError?.(e);
    if (this.shut || m?.type === 'error' || m?.type === 'ack') return;
    const code = e instanceof BitStreamError ? e.code : 'INTERNAL';
    const msg: ErrorMessage = {
      v: WIRE_VERSION,
      type: 'error',
      channelId: this.channelId,
      code: /^[A-Z0-9_]{1,64}$/.test(code) ? code : 'INTERNAL',
      message: (e instanceof Error ? e.message : String(e)).slice(0, 500),
    };
    if (m?.type === 'proposal') {
      msg.nonce = m.state.nonce;
      msg.ref = m.tag;
    } else if (m?.type === 'signature') msg.nonce = m.nonce;
    else if (m?.type === 'expire') msg.ref = m.hash;
    this.send(msg);
  }

  private send(m: Message): void {
    if (!this.shut) this.cfg.transport.send(m);
  }

  /** The proposal tag of a state hash: HMAC-SHA256 under this side's tag key, over the hash and whether it builds on a lapsed state. */
  private tagOf(hash: Uint8Array, lapsed: boolean): Uint8Array {
    return this.tagMac.clone().update(hash).update(Uint8Array.of(lapsed ? 1 : 0)).digest();
  }

  private ownSig(s: SignedState): Uint8Array | null {
    return this.role === 'a' ? s.sigA : s.sigB;
  }

  /** Is `state` the state whose hash is `hash`? (false for a state that does not even encode) */
  private sameState(state: ChannelState, hash: Uint8Array): boolean {
    try {
      return equalBytes(stateHash(state, this.domainHash), hash);
    } catch {
      return false;
    }
  }
}

/**
 * Decide restored in-flight payments by the state that stands at `nonce`, the nonce of
 * their proposal or a later one: completed if it is their state, else failed for good
 * (their nonce is taken). Payments proposed above `nonce` stay open.
 */
function decideRestored(entries: Iterable<PaymentEntry>, nonce: bigint, hash: Uint8Array | null): { records: PaymentRecord[]; report: () => void } {
  const done: { entry: PaymentEntry; completed: boolean }[] = [];
  for (const e of entries) {
    if (e.settled || e.status !== 'in-flight' || e.nonce === undefined || e.hash === undefined || e.nonce > nonce) continue;
    done.push({ entry: e, completed: hash !== null && e.nonce === nonce && equalBytes(e.hash, hash) });
  }
  if (done.length === 0) return NOTHING_SETTLED;
  return {
    records: done.filter((d) => d.entry.durable).map((d) => (d.completed ? d.entry.completedRecord() : d.entry.failedRecord(ChannelCode.PaymentFailed))),
    report: () => {
      for (const { entry, completed } of done) {
        if (completed && hash !== null) entry.complete(nonce, hash);
        else entry.fail(new PaymentFailedError(ChannelCode.PaymentFailed, `payment ${entry.id}: another state took its nonce`, { details: { id: entry.id, nonce: entry.nonce } }));
      }
    },
  };
}

/** Append `op` to a batch, folding consecutive payments without data into one. */
function mergeOp(ops: Op[], op: Op): Op[] {
  const last = ops[ops.length - 1];
  if (op.op === 'pay' && op.data === undefined && last?.op === 'pay' && last.data === undefined) {
    return [...ops.slice(0, -1), { op: 'pay', amount: last.amount + op.amount }];
  }
  return [...ops, op];
}
