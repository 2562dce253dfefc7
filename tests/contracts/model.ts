// Reference model of the channel contract, protocol version 2 (PROTOCOL.md sections 3,
// 5, 6), for the property test in model.test.ts. It owns a plain-TypeScript copy of
// what the contract stores (the fixed `channels` record and the moving `checkpoints`
// record: floor or closing state, status, closer, deadlines, cheater mark; the HTLC
// lists, settled HTLCs, signer keys, `unpaid` payouts, secret reveals by tenure height)
// and of every wallet it pays (its own holdings per token included), and predicts for
// each call either ok with its value or the exact (err uN), checking in the contract's
// order.
//
// Signatures are modelled, not computed: a SigSpec says who signed which state tuple,
// with which key, under which domain and in which form, and the model decides from that
// alone. The test turns a SigSpec into real bytes, so the contract's crypto is checked
// against this judgement. Each call rebuilds the signed tuple from the fields the
// function takes (the implied ones fixed, section 3), as the contract does: a state
// signed for another action fails its signature check.
//
// This file calls nothing on the simnet and holds no keys (it takes the error table and
// constants from helpers.ts); it changes nothing outside its own objects.
import { sha256 } from '@noble/hashes/sha2.js';
import { Cl, serializeCVBytes } from '@stacks/transactions';
import { Action, MAX_UINT128 } from '../../client/src/codec/state.js';
import { ERR, Party, SIMNET_CHAIN_ID, Status } from './helpers.js';

/** (err u1): what stx-transfer? and ft-transfer? return when the sender is short. */
export const ERR_TRANSFER_INSUFFICIENT = 1;
export const MIN_WINDOW = 6n;
export const MAX_WINDOW = 4320n;
export { Party, Status };

/** A token by its contract principal; null is STX. */
export type TokenId = string | null;
export const tokenKey = (t: TokenId): string => t ?? 'STX';

export interface ModelHtlc {
  readonly hash: string; // hex, 32 bytes
  readonly amount: bigint;
  /** tenure height (PROTOCOL 5) */
  readonly expiry: bigint;
  readonly offeredByA: boolean;
}

/** A state tuple (PROTOCOL 3); `action` is any uint (an unknown one is refused). */
export interface ModelState {
  readonly channelId: string; // hex
  readonly nonce: bigint;
  readonly balanceA: bigint;
  readonly balanceB: bigint;
  readonly htlcs: readonly ModelHtlc[];
  readonly action: number;
  readonly actor: string | null;
  readonly amount: bigint;
  readonly validUntil: bigint;
  readonly data: string; // hex, 32 bytes
}

/** How a signature was made: by `signer`'s own or session key, over `over`, under a domain, in a form. */
export interface SigSpec {
  readonly signer: string;
  /** own: the principal's key; session: the key tests/rendezvous/keys.ts derives for it */
  readonly key: 'own' | 'session';
  readonly over: ModelState;
  readonly contract: string;
  readonly chainId: number;
  /** the SIP-018 domain version ("2"; "1" is a version-1 signature) */
  readonly version: string;
  /** low-s: as signed; high-s: the malleated twin; recid-2: v = 2; flip-v: other recovery id; short: 64 bytes */
  readonly form: 'low-s' | 'high-s' | 'recid-2' | 'flip-v' | 'short';
}

/** What a call sends: the state's fields (the function passes those it takes) and two signatures. */
export interface Submission {
  readonly state: ModelState;
  readonly sigA: SigSpec;
  readonly sigB: SigSpec;
}

/** get-channel's record, field for field (closer and cheater: 0 nobody, 1 a, 2 b). */
export interface ModelChannel {
  participantA: string;
  participantB: string;
  token: TokenId;
  window: bigint;
  total: bigint;
  status: bigint;
  nonce: bigint;
  balanceA: bigint;
  balanceB: bigint;
  htlcCount: bigint;
  htlcs: readonly ModelHtlc[];
  closer: bigint;
  deadlineBurn: bigint;
  deadlineTenure: bigint;
  cheater: bigint;
}

export interface Env {
  readonly burn: bigint;
  readonly tenure: bigint;
}

export interface Transfer {
  readonly token: TokenId;
  readonly from: string;
  readonly to: string;
  readonly amount: bigint;
}

export type OkValue =
  | { readonly uint: bigint } | { readonly buff: string } | { readonly principal: string } | { readonly bool: boolean };
export type Outcome =
  | { readonly ok: true; readonly value: OkValue; readonly transfers: readonly Transfer[] }
  | { readonly ok: false; readonly code: number };

/** The state-taking functions, by what they imply of the tuple they rebuild (section 3). */
export type StateFn = 'fund-channel' | 'update-balance' | 'withdraw' | 'close-channel' | 'initiate-dispute' | 'challenge';

/**
 * A token's refusal of a transfer to `to` (a code the token returns), or null: lets a
 * test token with a blocklist stand for one that refuses payouts (PROTOCOL 6.5).
 */
export type Refusal = (token: TokenId, to: string) => number | null;

const err = (code: number): Outcome => ({ ok: false, code });
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export function sameState(x: ModelState, y: ModelState): boolean {
  return (
    x.channelId === y.channelId && x.nonce === y.nonce && x.balanceA === y.balanceA &&
    x.balanceB === y.balanceB && x.action === y.action && x.actor === y.actor && x.amount === y.amount &&
    x.validUntil === y.validUntil && x.data === y.data && x.htlcs.length === y.htlcs.length &&
    x.htlcs.every((h, i) => {
      const g = y.htlcs[i]!;
      return h.hash === g.hash && h.amount === g.amount && h.expiry === g.expiry && h.offeredByA === g.offeredByA;
    })
  );
}

export const htlcSum = (htlcs: readonly ModelHtlc[]) => htlcs.reduce((s, h) => s + h.amount, 0n);

/** What `s` owes participant a (or b): its balance plus the HTLCs the other side offered (PROTOCOL 1). */
export function owed(s: Pick<ModelState, 'balanceA' | 'balanceB' | 'htlcs'>, toA: boolean): bigint {
  const base = toA ? s.balanceA : s.balanceB;
  return s.htlcs.reduce((sum, h) => (h.offeredByA !== toA ? sum + h.amount : sum), base);
}

/**
 * The tuple the contract rebuilds from what `fn` takes of `s` (PROTOCOL 3): the fields
 * the function implies are fixed, whatever the submitted state says.
 */
export function rebuilt(fn: StateFn, s: ModelState): ModelState {
  switch (fn) {
    case 'fund-channel': return { ...s, action: Action.Deposit };
    case 'withdraw': return { ...s, action: Action.Withdraw };
    case 'update-balance': return { ...s, action: Action.Transfer, actor: null, amount: 0n, validUntil: 0n };
    case 'close-channel': return { ...s, action: Action.Close, actor: null, amount: 0n };
    case 'initiate-dispute':
    case 'challenge': return { ...s, actor: null, amount: 0n };
  }
}

/** PROTOCOL section 2, computed independently of the contract. */
export function channelIdOf(contract: string, a: string, b: string, token: TokenId, seq: bigint): string {
  const tuple = Cl.tuple({
    contract: Cl.principal(contract),
    'participant-a': Cl.principal(a),
    'participant-b': Cl.principal(b),
    token: token === null ? Cl.none() : Cl.some(Cl.principal(token)),
    seq: Cl.uint(seq),
  });
  return toHex(sha256(serializeCVBytes(tuple)));
}

export function secretHash(secretHex: string): string {
  return toHex(sha256(Buffer.from(secretHex, 'hex')));
}

/** A signer key argument: none, a valid compressed key (whose session key it is), or a malformed one. */
export type SignerArg = { readonly kind: 'none' } | { readonly kind: 'session'; readonly of: string } | { readonly kind: 'bad' };

export class ContractModel {
  readonly channels = new Map<string, ModelChannel>();
  /** everything paid into each channel (creates and deposits) */
  readonly deposited = new Map<string, bigint>();
  /** everything each channel paid out, by recipient (claims included) */
  readonly paidOut = new Map<string, Map<string, bigint>>();
  /** payouts a token refused, by `${channel}|${owner}` (the contract's `unpaid`) */
  readonly unpaid = new Map<string, bigint>();
  private readonly settled = new Set<string>();
  /** `${channel}|${owner}|${whose session key}`: the session keys authorised (PROTOCOL 1) */
  private readonly sessionSigners = new Set<string>();

  constructor(
    readonly contract: string,
    /** the seq the next channel takes (the contract's channel-count) */
    public nextSeq: bigint,
    /** token key -> principal -> balance, for every wallet the run watches */
    readonly wallets: Map<string, Map<string, bigint>>,
    /** token key -> what the contract holds (its wallet), from the chain at the start */
    readonly holdings: Map<string, bigint>,
    /** secret hash -> tenure height of its first reveal (only the run's own hashes) */
    readonly reveals = new Map<string, bigint>(),
    readonly refusal: Refusal = () => null,
  ) {}

  balance(token: TokenId, who: string): bigint {
    return this.wallets.get(tokenKey(token))?.get(who) ?? 0n;
  }

  /** Tokens given to a wallet from outside the contract (the test's faucet calls). */
  credit(token: TokenId, who: string, amount: bigint): void {
    this.move({ token, from: '', to: who, amount });
  }

  paidTotal(id: string): bigint {
    let s = 0n;
    for (const v of this.paidOut.get(id)?.values() ?? []) s += v;
    return s;
  }

  paidTo(id: string, who: string): bigint {
    return this.paidOut.get(id)?.get(who) ?? 0n;
  }

  unpaidOf(id: string, owner: string): bigint {
    return this.unpaid.get(`${id}|${owner}`) ?? 0n;
  }

  isSettled(id: string, index: number): boolean {
    return this.settled.has(`${id}:${index}`);
  }

  isSessionSigner(id: string, owner: string, keyOf: string): boolean {
    return this.sessionSigners.has(`${id}|${owner}|${keyOf}`);
  }

  // ---- public functions, in the contract's order of checks --------------------------
  // `caller` is always the direct caller (contract-caller): a participant's address, or
  // the intermediary contract a test routes the call through.

  create(caller: string, b: string, token: TokenId, amount: bigint, window: bigint, signer: SignerArg = { kind: 'none' }): Outcome {
    if (caller === b) return err(ERR.SELF_CHANNEL);
    if (window < MIN_WINDOW || window > MAX_WINDOW) return err(ERR.BAD_WINDOW);
    if (amount <= 0n) return err(ERR.ZERO_AMOUNT);
    if (signer.kind === 'bad') return err(ERR.BAD_SIGNER_KEY);
    const short = this.payInRefusal(token, caller, amount);
    if (short !== null) return short;
    const id = channelIdOf(this.contract, caller, b, token, this.nextSeq);
    this.nextSeq += 1n;
    this.channels.set(id, {
      participantA: caller, participantB: b, token, window, total: amount, status: Status.Open,
      nonce: 0n, balanceA: amount, balanceB: 0n, htlcCount: 0n, htlcs: [], closer: Party.Nobody,
      deadlineBurn: 0n, deadlineTenure: 0n, cheater: Party.Nobody,
    });
    this.addSigner(id, caller, signer);
    this.deposited.set(id, amount);
    const transfers = [this.payIn(token, caller, amount)];
    return { ok: true, value: { buff: id }, transfers };
  }

  fund(caller: string, sub: Submission, token: TokenId, env: Env, signer: SignerArg = { kind: 'none' }, contract = this.contract): Outcome {
    const s = sub.state;
    const ch = this.openChannel(s.channelId, contract);
    if (typeof ch === 'number') return err(ch);
    if (s.actor !== caller) return err(ERR.NOT_ACTOR);
    if (!this.isParticipant(ch, caller)) return err(ERR.NOT_PARTICIPANT);
    if (s.amount <= 0n) return err(ERR.ZERO_AMOUNT);
    if (s.amount > MAX_UINT128 - ch.total) return err(ERR.AMOUNT_OVERFLOW);
    if (token !== ch.token) return err(ERR.WRONG_TOKEN);
    if (env.burn > s.validUntil) return err(ERR.STATE_EXPIRED);
    const bad = this.validate(ch, sub, 'fund-channel', contract, ch.total + s.amount, true);
    if (bad !== null) return err(bad);
    if (signer.kind === 'bad') return err(ERR.BAD_SIGNER_KEY);
    const short = this.payInRefusal(token, caller, s.amount);
    if (short !== null) return short;
    this.addSigner(s.channelId, caller, signer);
    this.deposited.set(s.channelId, (this.deposited.get(s.channelId) ?? 0n) + s.amount);
    this.checkpoint(ch, s, ch.total + s.amount);
    const transfers = [this.payIn(token, caller, s.amount)];
    return { ok: true, value: { uint: s.nonce }, transfers };
  }

  updateBalance(caller: string, sub: Submission, contract = this.contract): Outcome {
    const s = sub.state;
    const ch = this.openChannel(s.channelId, contract);
    if (typeof ch === 'number') return err(ch);
    if (!this.isParticipant(ch, caller)) return err(ERR.NOT_PARTICIPANT);
    const bad = this.validate(ch, sub, 'update-balance', contract, ch.total, true);
    if (bad !== null) return err(bad);
    this.checkpoint(ch, s, ch.total);
    return { ok: true, value: { uint: s.nonce }, transfers: [] };
  }

  /** Either participant lands a withdraw; it pays the state's actor (PROTOCOL 4.3). */
  withdraw(caller: string, sub: Submission, token: TokenId, env: Env, contract = this.contract): Outcome {
    const s = sub.state;
    const ch = this.openChannel(s.channelId, contract);
    if (typeof ch === 'number') return err(ch);
    if (!this.isParticipant(ch, caller)) return err(ERR.NOT_PARTICIPANT);
    if (s.actor === null || !this.isParticipant(ch, s.actor)) return err(ERR.NOT_ACTOR);
    if (s.amount <= 0n) return err(ERR.ZERO_AMOUNT);
    if (s.amount > ch.total) return err(ERR.AMOUNT_EXCEEDS_TOTAL);
    if (token !== ch.token) return err(ERR.WRONG_TOKEN);
    if (env.burn > s.validUntil) return err(ERR.STATE_EXPIRED);
    const bad = this.validate(ch, sub, 'withdraw', contract, ch.total - s.amount, true);
    if (bad !== null) return err(bad);
    // state first, token last: a refusal undoes the whole call
    const refused = this.refusal(ch.token, s.actor);
    if (refused !== null) return err(refused);
    this.checkpoint(ch, s, ch.total - s.amount);
    const transfers = [this.payOut(s.channelId, ch.token, s.actor, s.amount)];
    return { ok: true, value: { uint: s.nonce }, transfers };
  }

  addSignerCall(caller: string, id: string, key: SignerArg, contract = this.contract): Outcome {
    const ch = this.openChannel(id, contract);
    if (typeof ch === 'number') return err(ch);
    if (!this.isParticipant(ch, caller)) return err(ERR.NOT_PARTICIPANT);
    if (key.kind !== 'session') return err(ERR.BAD_SIGNER_KEY);
    this.addSigner(id, caller, key);
    return { ok: true, value: { bool: true }, transfers: [] };
  }

  closeChannel(caller: string, sub: Submission, token: TokenId, env: Env, contract = this.contract): Outcome {
    const s = sub.state;
    const ch = this.openChannel(s.channelId, contract);
    if (typeof ch === 'number') return err(ch);
    if (!this.isParticipant(ch, caller)) return err(ERR.NOT_PARTICIPANT);
    if (token !== ch.token) return err(ERR.WRONG_TOKEN);
    if (env.burn > s.validUntil) return err(ERR.STATE_EXPIRED);
    const bad = this.validate(ch, sub, 'close-channel', contract, ch.total, false);
    if (bad !== null) return err(bad);
    Object.assign(ch, {
      status: Status.Closed, nonce: s.nonce, balanceA: s.balanceA, balanceB: s.balanceB,
      htlcs: s.htlcs, htlcCount: BigInt(s.htlcs.length), closer: this.party(ch, caller), total: htlcSum(s.htlcs),
    });
    const transfers = this.payBoth(s.channelId, ch, s.balanceA, s.balanceB);
    return { ok: true, value: { uint: s.nonce }, transfers };
  }

  initiateDispute(caller: string, sub: Submission, env: Env, contract = this.contract): Outcome {
    const s = sub.state;
    const ch = this.openChannel(s.channelId, contract);
    if (typeof ch === 'number') return err(ch);
    if (!this.isParticipant(ch, caller)) return err(ERR.NOT_PARTICIPANT);
    if (s.action !== Action.Transfer && s.action !== Action.Close) return err(ERR.WRONG_ACTION);
    const bad = this.validate(ch, sub, 'initiate-dispute', contract, ch.total, false);
    if (bad !== null) return err(bad);
    Object.assign(ch, { nonce: s.nonce, balanceA: s.balanceA, balanceB: s.balanceB, htlcs: s.htlcs, htlcCount: BigInt(s.htlcs.length) });
    return this.startWindow(ch, caller, env);
  }

  emergencyClose(caller: string, id: string, env: Env, contract = this.contract): Outcome {
    const ch = this.openChannel(id, contract);
    if (typeof ch === 'number') return err(ch);
    if (!this.isParticipant(ch, caller)) return err(ERR.NOT_PARTICIPANT);
    return this.startWindow(ch, caller, env);
  }

  challenge(_caller: string, sub: Submission, env: Env, contract = this.contract): Outcome {
    const s = sub.state;
    const ch = contract === this.contract ? this.channels.get(s.channelId) : undefined;
    if (ch === undefined) return err(ERR.UNKNOWN_CHANNEL);
    if (ch.status !== Status.Closing) return err(ERR.NOT_CLOSING);
    if (windowEnded(ch, env)) return err(ERR.WINDOW_ENDED);
    if (s.action !== Action.Transfer && s.action !== Action.Close) return err(ERR.WRONG_ACTION);
    const bad = this.validate(ch, sub, 'challenge', contract, ch.total, true);
    if (bad !== null) return err(bad);
    // PROTOCOL 6.3: a newer state that owes the closer less marks it, for good
    const closerIsA = ch.closer === Party.A;
    if (owed(s, closerIsA) < owed(ch, closerIsA)) ch.cheater = ch.closer;
    Object.assign(ch, { nonce: s.nonce, balanceA: s.balanceA, balanceB: s.balanceB, htlcs: s.htlcs, htlcCount: BigInt(s.htlcs.length) });
    return { ok: true, value: { uint: s.nonce }, transfers: [] };
  }

  resolve(_caller: string, id: string, token: TokenId, env: Env, contract = this.contract): Outcome {
    const ch = contract === this.contract ? this.channels.get(id) : undefined;
    if (ch === undefined) return err(ERR.UNKNOWN_CHANNEL);
    if (ch.status !== Status.Closing) return err(ERR.NOT_CLOSING);
    if (!windowEnded(ch, env)) return err(ERR.WINDOW_OPEN);
    if (token !== ch.token) return err(ERR.WRONG_TOKEN);
    const { paysA, paysB } = finalPays(ch);
    Object.assign(ch, { status: Status.Closed, total: ch.total - paysA - paysB });
    const transfers = this.payBoth(id, ch, paysA, paysB);
    return { ok: true, value: { uint: ch.nonce }, transfers };
  }

  settleHtlc(_caller: string, id: string, index: number, token: TokenId, env: Env, contract = this.contract): Outcome {
    const ch = contract === this.contract ? this.channels.get(id) : undefined;
    if (ch === undefined) return err(ERR.UNKNOWN_CHANNEL);
    const htlc = ch.htlcs[index];
    if (htlc === undefined) return err(ERR.HTLC_INDEX);
    // revealed by its expiry, both tenure heights (PROTOCOL 5)
    const height = this.reveals.get(htlc.hash);
    const toReceiver = height !== undefined && height <= htlc.expiry;
    if (ch.status !== Status.Closed) return err(ERR.NOT_CLOSED);
    if (this.isSettled(id, index)) return err(ERR.HTLC_SETTLED);
    if (!toReceiver && env.tenure <= htlc.expiry) return err(ERR.HTLC_PENDING);
    if (token !== ch.token) return err(ERR.WRONG_TOKEN);
    const payee = toReceiver === htlc.offeredByA ? ch.participantB : ch.participantA;
    const refused = htlc.amount > 0n ? this.refusal(ch.token, payee) : null;
    if (refused !== null) return err(refused);
    this.settled.add(`${id}:${index}`);
    ch.total -= htlc.amount;
    const transfers = [this.payOut(id, ch.token, payee, htlc.amount)].filter((t) => t.amount > 0n);
    return { ok: true, value: { principal: payee }, transfers };
  }

  /**
   * Pays `owner` what waits for it (PROTOCOL 6.5): a payout its token refused, or, on a
   * closing channel whose window has ended, its share, finalising the channel with the
   * other side's share left waiting in `unpaid` too. Anyone may call.
   */
  claim(_caller: string, id: string, owner: string, token: TokenId, env: Env, contract = this.contract): Outcome {
    const ch = contract === this.contract ? this.channels.get(id) : undefined;
    if (ch === undefined) return err(ERR.UNKNOWN_CHANNEL);
    // a refused call changes nothing: work on copies, commit at the end
    const owedNow = new Map<string, bigint>([[ch.participantA, this.unpaidOf(id, ch.participantA)], [ch.participantB, this.unpaidOf(id, ch.participantB)]]);
    let finalised: Partial<ModelChannel> | null = null;
    if (ch.status === Status.Closing) {
      if (!windowEnded(ch, env)) return err(ERR.WINDOW_OPEN);
      const { paysA, paysB } = finalPays(ch);
      finalised = { status: Status.Closed, total: ch.total - paysA - paysB };
      owedNow.set(ch.participantA, owedNow.get(ch.participantA)! + paysA);
      owedNow.set(ch.participantB, owedNow.get(ch.participantB)! + paysB);
    }
    const amount = owedNow.get(owner) ?? 0n;
    if (amount === 0n) return err(ERR.NOTHING_OWED);
    if (token !== ch.token) return err(ERR.WRONG_TOKEN);
    const refused = this.refusal(ch.token, owner);
    if (refused !== null) return err(refused);
    if (finalised !== null) Object.assign(ch, finalised);
    for (const [who, x] of owedNow) {
      if (x > 0n && who !== owner) this.unpaid.set(`${id}|${who}`, x);
    }
    this.unpaid.delete(`${id}|${owner}`);
    const transfers = [this.payOut(id, ch.token, owner, amount)];
    return { ok: true, value: { uint: amount }, transfers };
  }

  revealSecret(secretHex: string, env: Env): Outcome {
    const hash = secretHash(secretHex);
    if (this.reveals.has(hash)) return err(ERR.ALREADY_REVEALED);
    this.reveals.set(hash, env.tenure);
    return { ok: true, value: { buff: hash }, transfers: [] };
  }

  // ---- the contract's private rules ------------------------------------------------

  /**
   * validate: nonce (above the floor, or at least it), sum, signature A, signature B over
   * the tuple `fn` rebuilds; null when valid.
   */
  private validate(ch: ModelChannel, sub: Submission, fn: StateFn, contract: string, total: bigint, aboveFloor: boolean): number | null {
    const s = sub.state;
    if (aboveFloor ? s.nonce <= ch.nonce : s.nonce < ch.nonce) return ERR.STALE_NONCE;
    if (s.balanceA + s.balanceB + htlcSum(s.htlcs) !== total) return ERR.SUM_MISMATCH;
    const signedTuple = rebuilt(fn, s);
    const a = this.sigVerdict(sub.sigA, ch.participantA, signedTuple, contract);
    if (a !== true) return a === false ? ERR.SIGNATURE_A : a;
    const b = this.sigVerdict(sub.sigB, ch.participantB, signedTuple, contract);
    if (b !== true) return b === false ? ERR.SIGNATURE_B : b;
    return null;
  }

  /** true: a signer of `owner` signed exactly `tuple` here; false: some other key or message; or the error. */
  private sigVerdict(sig: SigSpec, owner: string, tuple: ModelState, contract: string): true | false | number {
    if (sig.form === 'short') return ERR.SIGNATURE_LENGTH;
    if (sig.form === 'high-s') return ERR.HIGH_S;
    if (sig.form === 'recid-2') return ERR.RECOVERY_ID;
    if (sig.form === 'flip-v') return false; // recovers some other key
    const here = sig.contract === contract && sig.chainId === SIMNET_CHAIN_ID && sig.version === '2' && sameState(sig.over, tuple);
    const keyOk = sig.key === 'own' ? sig.signer === owner : this.isSessionSigner(tuple.channelId, owner, sig.signer);
    return here && keyOk;
  }

  private addSigner(id: string, owner: string, key: SignerArg): void {
    if (key.kind === 'session') this.sessionSigners.add(`${id}|${owner}|${key.of}`);
  }

  private openChannel(id: string, contract: string): ModelChannel | number {
    const ch = contract === this.contract ? this.channels.get(id) : undefined;
    if (ch === undefined) return ERR.UNKNOWN_CHANNEL;
    if (ch.status !== Status.Open) return ERR.NOT_OPEN;
    return ch;
  }

  private isParticipant(ch: ModelChannel, who: string): boolean {
    return who === ch.participantA || who === ch.participantB;
  }

  private party(ch: ModelChannel, who: string): bigint {
    return who === ch.participantA ? Party.A : Party.B;
  }

  private checkpoint(ch: ModelChannel, s: ModelState, total: bigint): void {
    Object.assign(ch, { total, nonce: s.nonce, balanceA: s.balanceA, balanceB: s.balanceB, htlcs: s.htlcs, htlcCount: BigInt(s.htlcs.length) });
  }

  private startWindow(ch: ModelChannel, caller: string, env: Env): Outcome {
    Object.assign(ch, {
      status: Status.Closing, closer: this.party(ch, caller),
      deadlineBurn: env.burn + ch.window, deadlineTenure: env.tenure + ch.window,
    });
    return { ok: true, value: { uint: ch.deadlineBurn }, transfers: [] };
  }

  /** Why escrowing `amount` from `from` fails: the transfer's (err u1) when the sender is short. */
  private payInRefusal(token: TokenId, from: string, amount: bigint): Outcome | null {
    if (this.balance(token, from) < amount) return err(ERR_TRANSFER_INSUFFICIENT);
    return null;
  }

  private payIn(token: TokenId, from: string, amount: bigint): Transfer {
    const t = { token, from, to: this.contract, amount };
    this.move(t);
    this.holdings.set(tokenKey(token), (this.holdings.get(tokenKey(token)) ?? 0n) + amount);
    return t;
  }

  /** close-channel and resolve: each side paid separately; a refused payout waits in `unpaid` (6.5). */
  private payBoth(id: string, ch: ModelChannel, paysA: bigint, paysB: bigint): Transfer[] {
    const out: Transfer[] = [];
    for (const [to, amount] of [[ch.participantA, paysA], [ch.participantB, paysB]] as const) {
      if (amount === 0n) continue;
      if (this.refusal(ch.token, to) !== null) {
        this.unpaid.set(`${id}|${to}`, this.unpaidOf(id, to) + amount);
        continue;
      }
      out.push(this.payOut(id, ch.token, to, amount));
    }
    return out;
  }

  private payOut(id: string, token: TokenId, to: string, amount: bigint): Transfer {
    const t = { token, from: this.contract, to, amount };
    if (amount === 0n) return t; // the contract skips zero payouts
    this.move(t);
    this.holdings.set(tokenKey(token), (this.holdings.get(tokenKey(token)) ?? 0n) - amount);
    const paid = this.paidOut.get(id) ?? new Map<string, bigint>();
    paid.set(to, (paid.get(to) ?? 0n) + amount);
    this.paidOut.set(id, paid);
    return t;
  }

  private move(t: Transfer): void {
    const w = this.wallets.get(tokenKey(t.token)) ?? new Map<string, bigint>();
    this.wallets.set(tokenKey(t.token), w);
    if (t.from !== '') w.set(t.from, (w.get(t.from) ?? 0n) - t.amount);
    w.set(t.to, (w.get(t.to) ?? 0n) + t.amount);
  }
}

/** What resolve (or a finalising claim) pays each side: the cheater's balance goes to the other (6.3). */
function finalPays(ch: ModelChannel): { paysA: bigint; paysB: bigint } {
  const both = ch.balanceA + ch.balanceB;
  const paysA = ch.cheater === Party.B ? both : ch.cheater === Party.A ? 0n : ch.balanceA;
  return { paysA, paysB: both - paysA };
}

/**
 * The window has ended once its tenures have passed (PROTOCOL 1): the contract reads the
 * tenure clock alone, as a chain adds at most one tenure per burn block.
 */
export function windowEnded(ch: Pick<ModelChannel, 'deadlineTenure'>, env: Env): boolean {
  return env.tenure >= ch.deadlineTenure;
}
