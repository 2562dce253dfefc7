// One side of a two-party channel: the PROTOCOL §4 state machine. It owns the order
// of signatures (the responder, whose balance never falls, signs first; the proposer
// signs last, after verifying), batching of queued payments into one state, the
// per-channel lock, retransmission, and the rule that a state is durably stored before
// this side's signature on it leaves and before a payment resolves. It must not do
// network I/O itself (the Transport does) nor touch the chain (it is told burn heights).
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { Action, type ChannelState } from '../codec/state.js';
import { domainHash, stateHash, type Domain } from '../codec/sip018.js';
import type { Signer } from '../signers/signer.js';
import type { PendingState, SignedState, StateStore } from '../store/types.js';
import { StoreCode, StoreError } from '../store/types.js';
import { toHex } from '../wire/json.js';
import {
  parseMessage,
  WIRE_VERSION,
  type AckMessage,
  type ErrorMessage,
  type Message,
  type ProposalMessage,
  type SecretMessage,
  type SignatureMessage,
} from '../wire/messages.js';
import type { Op } from '../wire/schemas.js';
import type { Transport } from '../wire/transport.js';
import { BitStreamError } from '../errors/errors.js';
import { ChannelCode, ProtocolError, RemoteError, UsageError } from './errors.js';
import { Lock } from './lock.js';
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
  /** burn blocks an HTLC must outlast the window by (default 6) */
  readonly safetyDelta?: bigint;
  /** minimum balance each side keeps once reached (default 0: none) */
  readonly reserve?: bigint;
  /** burn blocks an opening, deposit or withdrawal must be deep before it counts (default 1; 0: at once) */
  readonly confirmations?: number;
  /** fold payments queued while an update is in flight into the next state (default true) */
  readonly batching?: boolean;
  /** resend an unanswered message after this long (default 200 ms) */
  readonly retransmitMs?: number;
  /** the current burn height, if known */
  readonly burnHeight?: bigint;
  /** called with each signature of this side once it is durable and just before it is sent */
  readonly onSignature?: (e: SignatureEvent) => void;
  /** called with each state that becomes final (fully signed and stored) on this side */
  readonly onState?: (s: SignedState) => void;
  /** called when the counterparty reveals an HTLC secret */
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
  resolve(s: SignedState): void;
  reject(e: unknown): void;
}

interface Proposal {
  readonly state: ChannelState;
  readonly hash: Uint8Array;
  readonly ops: Op[];
  readonly tag: Uint8Array;
  readonly items: Item[];
  sentAt: number;
}

/** Refusal codes after which a proposal is retried rather than abandoned: the peer is catching up. */
const RETRYABLE = new Set<string>([
  ChannelCode.NotReady,
  ChannelCode.Collision,
  ChannelCode.DoubleSign,
  ChannelCode.WrongNonce,
]);

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isChainAction(s: ChannelState): boolean {
  return s.nonce === 0n || s.action === Action.Deposit || s.action === Action.Withdraw;
}

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
  private pending: PendingState | null;
  private pendingSentAt = 0;
  private proposal: Proposal | null = null;
  /** our last signature as proposer, until the peer acknowledges it */
  private unacked: { nonce: bigint; hash: Uint8Array; sig: Uint8Array; sentAt: number } | null = null;
  private queue: Item[] = [];
  private kickScheduled = false;
  private tip: bigint;
  private readonly minedAt = new Map<bigint, bigint>();
  private readonly secrets = new Map<string, Uint8Array>();
  private timer: NodeJS.Timeout | null = null;
  private shut = false;
  private readonly unsubscribe: () => void;

  private constructor(cfg: ChannelConfig, record: { latest: SignedState; pending: PendingState | null; tagKey: Uint8Array }) {
    this.cfg = cfg;
    this.channelId = cfg.channelId;
    this.role = cfg.role;
    this.verifier = cfg.verifier ?? nobleVerifier;
    this.domainHash = domainHash(cfg.domain);
    this.tagMac = hmac.create(sha256, record.tagKey);
    this.latestSigned = record.latest;
    this.pending = record.pending;
    this.tip = cfg.burnHeight ?? 0n;
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
      record = {
        channelId: cfg.channelId,
        latest: { state: initial, hash: stateHash(initial, domainHash(cfg.domain)), sigA: null, sigB: null },
        pending: null,
        tagKey,
      };
      await cfg.store.create(record);
    }
    return new Channel(cfg, record);
  }

  // ---------------------------------------------------------------------------------
  // What the application calls
  // ---------------------------------------------------------------------------------

  /** The newest fully signed state (the implicit on-chain one before any update). */
  get latest(): SignedState {
    return this.latestSigned;
  }

  /** This side's and the counterparty's balances in the newest fully signed state. */
  get balances(): { own: bigint; other: bigint } {
    const s = this.latestSigned.state;
    return this.role === 'a' ? { own: s.balanceA, other: s.balanceB } : { own: s.balanceB, other: s.balanceA };
  }

  /** Is an update in flight or queued? */
  get busy(): boolean {
    return this.proposal !== null || this.pending !== null || this.queue.length > 0;
  }

  /** Pay `amount` to the counterparty; resolves with the state carrying it once that state is final. */
  pay(amount: bigint): Promise<SignedState> {
    return this.enqueue({ op: 'pay', amount }, amount);
  }

  /** Offer an HTLC to the counterparty. */
  addHtlc(htlc: { hash: Uint8Array; amount: bigint; expiry: bigint }): Promise<SignedState> {
    if (!(htlc.hash instanceof Uint8Array) || htlc.hash.length !== 32) {
      return Promise.reject(new UsageError(ChannelCode.InvalidAmount, 'HTLC hash must be 32 bytes'));
    }
    return this.enqueue({ op: 'add', hash: htlc.hash, amount: htlc.amount, expiry: htlc.expiry }, htlc.amount);
  }

  /** Claim an HTLC the counterparty offered, with its secret. */
  fulfilHtlc(secret: Uint8Array): Promise<SignedState> {
    if (!(secret instanceof Uint8Array) || secret.length !== 32) {
      return Promise.reject(new UsageError(ChannelCode.HtlcBadSecret, 'secret must be 32 bytes'));
    }
    return this.enqueue({ op: 'fulfil', hash: sha256(secret), secret });
  }

  /** Give up an HTLC the counterparty offered (it goes back to the counterparty). */
  failHtlc(hash: Uint8Array): Promise<SignedState> {
    return this.enqueue({ op: 'fail', hash });
  }

  /** Take back an HTLC this side offered whose expiry has passed. */
  expireHtlc(hash: Uint8Array): Promise<SignedState> {
    return this.enqueue({ op: 'expire', hash });
  }

  /** A co-signed deposit state for fund-channel; the channel waits for its confirmation. */
  deposit(amount: bigint): Promise<SignedState> {
    return this.enqueue({ op: 'deposit', amount }, amount);
  }

  /** A co-signed withdraw state for the withdraw call; the channel waits for its confirmation. */
  withdraw(amount: bigint): Promise<SignedState> {
    return this.enqueue({ op: 'withdraw', amount }, amount);
  }

  /** A co-signed close state for close-channel; no update follows it. */
  closeState(): Promise<SignedState> {
    return this.enqueue({ op: 'close' });
  }

  /** Show the counterparty the secret of an HTLC it offered us (so it can settle upstream). */
  revealSecret(secret: Uint8Array): void {
    this.send({ v: WIRE_VERSION, type: 'secret', channelId: this.channelId, hash: sha256(secret), secret });
  }

  /**
   * Remember a secret this side knows (it made it as the payee, or learned it): it will
   * not agree to refund an HTLC locked by it, and can fulfil it.
   */
  learnSecret(secret: Uint8Array): void {
    this.secrets.set(toHex(sha256(secret)), secret);
  }

  /** The chain tip moved: HTLC checks use it, confirmations count from it. */
  setBurnHeight(height: bigint): void {
    if (height > this.tip) this.tip = height;
    this.scheduleKick();
  }

  /** The on-chain call carrying state `nonce` (opening: 0, deposit, withdraw) was mined at `burnHeight`. */
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
    for (const item of this.queue) item.reject(err);
    this.queue = [];
    if (this.proposal) for (const item of this.proposal.items) item.reject(err);
    this.proposal = null;
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
  // Proposing (this side's balance may fall: it signs last)
  // ---------------------------------------------------------------------------------

  private enqueue(op: Op, amount?: bigint): Promise<SignedState> {
    if (this.shut) return Promise.reject(new UsageError(ChannelCode.Closed, 'channel object closed'));
    if (amount !== undefined) {
      try {
        checkAmount(amount);
      } catch (e) {
        return Promise.reject(new UsageError(ChannelCode.InvalidAmount, (e as Error).message, { details: { amount: String(amount) } }));
      }
    }
    return new Promise<SignedState>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.scheduleKick();
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
      burnHeight: this.tip,
      participants: this.cfg.participants,
      knowsSecret: (hash) => this.secrets.has(toHex(hash)),
    };
  }

  private isFinalClose(): boolean {
    return this.latestSigned.state.action === Action.Close;
  }

  /** Does the newest state stand on-chain deep enough to build on (PROTOCOL §4, confirmations)? */
  private ready(): boolean {
    const s = this.latestSigned.state;
    const depth = this.cfg.confirmations ?? 1;
    if (depth <= 0 || !isChainAction(s)) return true;
    const mined = this.minedAt.get(s.nonce);
    return mined !== undefined && this.tip - mined + 1n >= BigInt(depth);
  }

  /** Build and send the next proposal from the queue, if nothing is in flight. */
  private async kick(): Promise<void> {
    if (this.shut || this.proposal || this.pending || this.queue.length === 0) return;
    if (this.isFinalClose()) {
      const err = new UsageError(ChannelCode.Closed, 'the channel has a final close state');
      for (const item of this.queue.splice(0)) item.reject(err);
      return;
    }
    if (!this.ready()) return; // waits for confirmOnChain / setBurnHeight
    const iAmA = this.role === 'a';
    const rules = this.rules();
    const base = this.latestSigned.state;
    const batching = this.cfg.batching ?? true;
    let ops: Op[] = [];
    let state: ChannelState | null = null;
    const items: Item[] = [];
    let taken = 0;
    for (const item of this.queue) {
      const single = item.op.op === 'deposit' || item.op.op === 'withdraw' || item.op.op === 'close';
      if (items.length > 0 && (!batching || single)) break;
      taken++;
      const candidate = mergeOp(ops, item.op);
      if (candidate.length > 32) {
        taken--;
        break;
      }
      try {
        state = applyOps(base, candidate, iAmA, rules);
      } catch (e) {
        item.reject(e instanceof ProtocolError ? new UsageError(e.code as ChannelCode, e.message, { details: e.details }) : e);
        continue;
      }
      ops = candidate;
      items.push(item);
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
    const tag = this.tagOf(hash);
    this.proposal = { state, hash, ops, tag, items, sentAt: Date.now() };
    this.sendProposal(this.proposal);
    this.armTimer();
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
        await this.finish(p.state, p.hash, m.sig, p.items);
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
   * (our HMAC over its hash) proves we made it; without it a peer could invent one.
   */
  private async adopt(m: SignatureMessage): Promise<void> {
    const state = m.state!;
    if (!equalBytes(this.tagOf(m.hash), m.tag!)) {
      throw new ProtocolError(ChannelCode.BadTag, 'the state is not a proposal of ours');
    }
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
      this.queue.unshift(...this.proposal.items);
      this.proposal = null;
    }
    await this.finish(state, hash, m.sig, []);
  }

  private async finish(state: ChannelState, hash: Uint8Array, theirs: Uint8Array, items: Item[]): Promise<void> {
    const own = await this.cfg.signer.signState(state, this.cfg.domain, hash);
    checkCanonical(own);
    const signed: SignedState =
      this.role === 'a' ? { state, hash, sigA: own, sigB: theirs } : { state, hash, sigA: theirs, sigB: own };
    await this.cfg.store.saveSigned(this.channelId, signed);
    this.latestSigned = signed;
    this.proposal = null;
    this.unacked = { nonce: state.nonce, hash, sig: own, sentAt: Date.now() };
    this.cfg.onSignature?.({ nonce: state.nonce, hash, sig: own, first: false });
    this.send({ v: WIRE_VERSION, type: 'signature', channelId: this.channelId, nonce: state.nonce, hash, sig: own, first: false });
    for (const item of items) item.resolve(signed);
    this.cfg.onState?.(signed);
    this.armTimer();
    if (this.queue.length > 0) this.scheduleKick();
  }

  // ---------------------------------------------------------------------------------
  // Responding (this side's balance does not fall: it signs first)
  // ---------------------------------------------------------------------------------

  private async onProposal(m: ProposalMessage): Promise<void> {
    const latest = this.latestSigned;
    const n = m.state.nonce;
    if (!equalBytes(m.state.channelId, this.channelId)) throw new ProtocolError(ChannelCode.UnknownChannel, 'proposal for another channel');
    if (m.prevSig && this.pending && this.pending.state.nonce === n - 1n) {
      await this.completePending(this.pending.state.nonce, this.pending.hash, m.prevSig);
    }
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
      throw new ProtocolError(ChannelCode.WrongNonce, 'proposal while our signature on the previous state awaits completion', {
        details: { nonce: n, pending: this.pending.state.nonce },
      });
    }
    if (n !== latest.state.nonce + 1n) {
      throw new ProtocolError(ChannelCode.WrongNonce, 'nonce is not the next one', { details: { nonce: n, latest: latest.state.nonce } });
    }
    if (this.isFinalClose()) throw new ProtocolError(ChannelCode.Closed, 'the channel has a final close state');
    if (!this.ready()) throw new ProtocolError(ChannelCode.NotReady, 'the newest on-chain state is not confirmed deep enough');
    if (this.proposal) {
      // both proposed nonce n at once: a's proposal wins; b drops its own (it signed nothing)
      if (this.role === 'a') throw new ProtocolError(ChannelCode.Collision, 'both sides proposed; a proposes first');
      this.queue.unshift(...this.proposal.items);
      this.proposal = null;
    }
    const expected = applyOps(latest.state, m.ops, this.role === 'b', this.rules());
    checkProposed(expected, m.state);
    const hash = stateHash(expected, this.domainHash);
    const sig = await this.cfg.signer.signState(expected, this.cfg.domain, hash);
    checkCanonical(sig);
    const pending: PendingState = { state: expected, hash, sig, tag: m.tag };
    await this.cfg.store.savePending(this.channelId, pending);
    this.pending = pending;
    // the peer holds state n now, so our older unacknowledged signature is moot
    if (this.unacked && this.unacked.nonce < n) this.unacked = null;
    this.cfg.onSignature?.({ nonce: n, hash, sig, first: true });
    this.sendFirst(n, hash, sig);
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
    // The write is queued now and the lock released before it commits, so the next
    // proposal's pending signature can share its fsync (group commit). Nothing that
    // depends on it leaves before it is durable: the ack and onState wait for it, and any
    // later signature waits for its own, later commit (commits are in order).
    const durable = this.cfg.store.saveSigned(this.channelId, signed);
    this.latestSigned = signed;
    this.pending = null;
    durable.then(
      () => {
        this.send({ v: WIRE_VERSION, type: 'ack', channelId: this.channelId, nonce, hash });
        this.cfg.onState?.(signed);
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
  // Acks, errors, secrets, retransmission
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

  private onRemoteError(m: ErrorMessage): void {
    const p = this.proposal;
    if (!p || m.ref === undefined || !equalBytes(m.ref, p.tag)) return; // not about our open proposal
    if (RETRYABLE.has(m.code)) return; // the retransmit timer tries again
    this.proposal = null;
    const err = new RemoteError(m.code, `peer refused the proposal: ${m.message}`, { details: { nonce: p.state.nonce } });
    for (const item of p.items) item.reject(err);
    if (this.queue.length > 0) this.scheduleKick();
  }

  private onSecret(m: SecretMessage): void {
    if (!equalBytes(sha256(m.secret), m.hash)) throw new ProtocolError(ChannelCode.HtlcBadSecret, 'secret does not match the hash');
    const ours = this.role === 'a';
    if (!this.latestSigned.state.htlcs.some((h) => h.offeredByA === ours && equalBytes(h.hash, m.hash))) {
      throw new ProtocolError(ChannelCode.HtlcUnknown, 'no HTLC of ours with this hash');
    }
    this.secrets.set(toHex(m.hash), m.secret);
    this.cfg.onSecret?.(m.hash, m.secret);
  }

  private armTimer(): void {
    if (this.timer || this.shut) return;
    const every = this.cfg.retransmitMs ?? 200;
    this.timer = setInterval(() => {
      void this.lock.run(() => this.retransmit(every));
    }, every);
    this.timer.unref();
  }

  private retransmit(every: number): void {
    if (this.shut) return;
    const now = Date.now();
    const stale = (t: number) => now - t >= every;
    if (this.proposal && stale(this.proposal.sentAt)) this.sendProposal(this.proposal);
    if (this.pending && stale(this.pendingSentAt)) {
      this.sendFirst(this.pending.state.nonce, this.pending.hash, this.pending.sig, this.pending);
      this.pendingSentAt = now;
    }
    const u = this.unacked;
    if (u && u.nonce !== this.latestSigned.state.nonce) this.unacked = null;
    else if (u && stale(u.sentAt)) {
      this.send({ v: WIRE_VERSION, type: 'signature', channelId: this.channelId, nonce: u.nonce, hash: u.hash, sig: u.sig, first: false });
      u.sentAt = now;
    }
    if (!this.proposal && !this.pending && !this.unacked && this.timer) {
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
    this.send(msg);
  }

  private send(m: Message): void {
    if (!this.shut) this.cfg.transport.send(m);
  }

  /** The proposal tag of a state hash: HMAC-SHA256 under this side's tag key. */
  private tagOf(hash: Uint8Array): Uint8Array {
    return this.tagMac.clone().update(hash).digest();
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

/** Append `op` to a batch, folding consecutive payments into one. */
function mergeOp(ops: Op[], op: Op): Op[] {
  const last = ops[ops.length - 1];
  if (op.op === 'pay' && last?.op === 'pay') return [...ops.slice(0, -1), { op: 'pay', amount: last.amount + op.amount }];
  return [...ops, op];
}
