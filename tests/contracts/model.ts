// Reference model of the channel contract (PROTOCOL.md sections 3, 5, 6), for the
// property test in model.test.ts. It owns a plain-TypeScript copy of what the contract
// stores (channels with floor / closing state, status, closer, deadlines, penalty mark,
// HTLCs, settled HTLCs, escrow per token, secret reveals) and of every wallet it pays,
// and predicts for each call either ok with its value or the exact (err uN).
//
// Signatures are modelled, not computed: a SigSpec says who signed which state under
// which domain and in which form, and the model decides from that alone. The test turns
// a SigSpec into real bytes, so the contract's crypto is checked against this judgement.
// This file calls nothing on the simnet and holds no keys (it takes the error table and
// constants from helpers.ts); it changes nothing outside its own objects.
import { sha256 } from '@noble/hashes/sha2.js';
import { Cl, serializeCVBytes } from '@stacks/transactions';
import { Action, MAX_UINT128 } from '../../client/src/codec/state.js';
import { ERR, SIMNET_CHAIN_ID, Status } from './helpers.js';

/** (err u1): what stx-transfer? and ft-transfer? return when the sender is short. */
export const ERR_TRANSFER_INSUFFICIENT = 1;
export const MIN_WINDOW = 6n;
export const MAX_WINDOW = 4320n;
export { Status };

/** A token by its contract principal; null is STX. */
export type TokenId = string | null;
export const tokenKey = (t: TokenId): string => t ?? 'STX';

export interface ModelHtlc {
  readonly hash: string; // hex, 32 bytes
  readonly amount: bigint;
  readonly expiry: bigint;
  readonly offeredByA: boolean;
}

export interface ModelState {
  readonly channelId: string; // hex
  readonly nonce: bigint;
  readonly balanceA: bigint;
  readonly balanceB: bigint;
  readonly htlcs: readonly ModelHtlc[];
  readonly action: Action;
  readonly actor: string | null;
  readonly amount: bigint;
}

/** How a signature was made: the signer's own key, over `over`, under a domain, in a form. */
export interface SigSpec {
  readonly signer: string;
  readonly over: ModelState;
  readonly contract: string;
  readonly chainId: number;
  /** low-s: as signed; high-s: the malleated twin; recid-2: v = 2; flip-v: other recovery id */
  readonly form: 'low-s' | 'high-s' | 'recid-2' | 'flip-v';
}

export interface Submission {
  readonly state: ModelState;
  readonly sigA: SigSpec;
  readonly sigB: SigSpec;
}

/** The contract's channel record, field for field. */
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
  htlcs: readonly ModelHtlc[];
  closer: string | null;
  deadlineBurn: bigint;
  deadlineTenure: bigint;
  cheater: string | null;
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

export type OkValue = { readonly uint: bigint } | { readonly buff: string } | { readonly principal: string };
export type Outcome =
  | { readonly ok: true; readonly value: OkValue; readonly transfers: readonly Transfer[] }
  | { readonly ok: false; readonly code: number };

const err = (code: number): Outcome => ({ ok: false, code });
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export function sameState(x: ModelState, y: ModelState): boolean {
  return (
    x.channelId === y.channelId && x.nonce === y.nonce && x.balanceA === y.balanceA &&
    x.balanceB === y.balanceB && x.action === y.action && x.actor === y.actor && x.amount === y.amount &&
    x.htlcs.length === y.htlcs.length &&
    x.htlcs.every((h, i) => {
      const g = y.htlcs[i]!;
      return h.hash === g.hash && h.amount === g.amount && h.expiry === g.expiry && h.offeredByA === g.offeredByA;
    })
  );
}

export const htlcSum = (htlcs: readonly ModelHtlc[]) => htlcs.reduce((s, h) => s + h.amount, 0n);

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

export class ContractModel {
  readonly channels = new Map<string, ModelChannel>();
  /** everything paid into each channel (creates and deposits) */
  readonly deposited = new Map<string, bigint>();
  /** everything each channel paid out, by recipient */
  readonly paidOut = new Map<string, Map<string, bigint>>();
  private readonly settled = new Set<string>();

  constructor(
    readonly contract: string,
    /** the seq the next channel takes (the contract's channel-count) */
    public nextSeq: bigint,
    /** token key -> principal -> balance, for every wallet the run watches */
    readonly wallets: Map<string, Map<string, bigint>>,
    /** token key -> what the contract says it escrows */
    readonly escrowed: Map<string, bigint>,
    /** secret hash -> burn height of its first reveal (only the run's own hashes) */
    readonly reveals = new Map<string, bigint>(),
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

  isSettled(id: string, index: number): boolean {
    return this.settled.has(`${id}:${index}`);
  }

  // ---- public functions, in the contract's order of checks --------------------------

  create(caller: string, b: string, token: TokenId, amount: bigint, window: bigint): Outcome {
    if (caller === b) return err(ERR.SELF_CHANNEL);
    if (window < MIN_WINDOW || window > MAX_WINDOW) return err(ERR.BAD_WINDOW);
    if (amount <= 0n) return err(ERR.ZERO_AMOUNT);
    const short = this.payInRefusal(token, caller, amount);
    if (short !== null) return short;
    const id = channelIdOf(this.contract, caller, b, token, this.nextSeq);
    this.nextSeq += 1n;
    this.channels.set(id, {
      participantA: caller, participantB: b, token, window, total: amount, status: Status.Open,
      nonce: 0n, balanceA: amount, balanceB: 0n, htlcs: [], closer: null,
      deadlineBurn: 0n, deadlineTenure: 0n, cheater: null,
    });
    this.deposited.set(id, amount);
    const transfers = [this.payIn(token, caller, amount)];
    return { ok: true, value: { buff: id }, transfers };
  }

  fund(caller: string, sub: Submission, token: TokenId, contract = this.contract): Outcome {
    const s = sub.state;
    const ch = this.openChannel(s.channelId, contract);
    if (typeof ch === 'number') return err(ch);
    if (s.actor !== caller) return err(ERR.NOT_ACTOR);
    if (!this.isParticipant(ch, caller)) return err(ERR.NOT_PARTICIPANT);
    if (s.amount <= 0n) return err(ERR.ZERO_AMOUNT);
    if (s.amount > MAX_UINT128 - ch.total) return err(ERR.AMOUNT_OVERFLOW);
    if (token !== ch.token) return err(ERR.WRONG_TOKEN);
    const bad = this.validate(ch, sub, contract, Action.Deposit, ch.total + s.amount, ch.nonce + 1n);
    if (bad !== null) return err(bad);
    const short = this.payInRefusal(token, caller, s.amount);
    if (short !== null) return short;
    this.deposited.set(s.channelId, (this.deposited.get(s.channelId) ?? 0n) + s.amount);
    const transfers = [this.payIn(token, caller, s.amount)];
    this.checkpoint(ch, s, ch.total + s.amount);
    return { ok: true, value: { uint: s.nonce }, transfers };
  }

  updateBalance(caller: string, sub: Submission, contract = this.contract): Outcome {
    const s = sub.state;
    const ch = this.openChannel(s.channelId, contract);
    if (typeof ch === 'number') return err(ch);
    if (!this.isParticipant(ch, caller)) return err(ERR.NOT_PARTICIPANT);
    const bad = this.validate(ch, sub, contract, Action.Transfer, ch.total, ch.nonce + 1n);
    if (bad !== null) return err(bad);
    this.checkpoint(ch, s, ch.total);
    return { ok: true, value: { uint: s.nonce }, transfers: [] };
  }

  withdraw(caller: string, sub: Submission, token: TokenId, contract = this.contract): Outcome {
    const s = sub.state;
    const ch = this.openChannel(s.channelId, contract);
    if (typeof ch === 'number') return err(ch);
    if (s.actor !== caller) return err(ERR.NOT_ACTOR);
    if (!this.isParticipant(ch, caller)) return err(ERR.NOT_PARTICIPANT);
    if (s.amount <= 0n) return err(ERR.ZERO_AMOUNT);
    if (s.amount > ch.total) return err(ERR.AMOUNT_EXCEEDS_TOTAL);
    if (token !== ch.token) return err(ERR.WRONG_TOKEN);
    const bad = this.validate(ch, sub, contract, Action.Withdraw, ch.total - s.amount, ch.nonce + 1n);
    if (bad !== null) return err(bad);
    const transfers = [this.payOut(s.channelId, ch.token, caller, s.amount)];
    this.checkpoint(ch, s, ch.total - s.amount);
    return { ok: true, value: { uint: s.nonce }, transfers };
  }

  closeChannel(caller: string, sub: Submission, token: TokenId, contract = this.contract): Outcome {
    const s = sub.state;
    const ch = this.openChannel(s.channelId, contract);
    if (typeof ch === 'number') return err(ch);
    if (!this.isParticipant(ch, caller)) return err(ERR.NOT_PARTICIPANT);
    if (token !== ch.token) return err(ERR.WRONG_TOKEN);
    const bad = this.validate(ch, sub, contract, Action.Close, ch.total, ch.nonce);
    if (bad !== null) return err(bad);
    const transfers = [
      this.payOut(s.channelId, ch.token, ch.participantA, s.balanceA),
      this.payOut(s.channelId, ch.token, ch.participantB, s.balanceB),
    ];
    Object.assign(ch, {
      status: Status.Closed, nonce: s.nonce, balanceA: s.balanceA, balanceB: s.balanceB,
      htlcs: s.htlcs, closer: caller, total: htlcSum(s.htlcs),
    });
    return { ok: true, value: { uint: s.nonce }, transfers: transfers.filter((t) => t.amount > 0n) };
  }

  initiateDispute(caller: string, sub: Submission, env: Env, contract = this.contract): Outcome {
    const s = sub.state;
    const ch = this.openChannel(s.channelId, contract);
    if (typeof ch === 'number') return err(ch);
    if (!this.isParticipant(ch, caller)) return err(ERR.NOT_PARTICIPANT);
    const bad = this.validate(ch, sub, contract, closingAction(s), ch.total, ch.nonce);
    if (bad !== null) return err(bad);
    Object.assign(ch, { nonce: s.nonce, balanceA: s.balanceA, balanceB: s.balanceB, htlcs: s.htlcs });
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
    if (ch.closer === null || ch.status !== Status.Closing) return err(ERR.NOT_CLOSING);
    if (windowEnded(ch, env)) return err(ERR.WINDOW_ENDED);
    const bad = this.validate(ch, sub, contract, closingAction(s), ch.total, ch.nonce + 1n);
    if (bad !== null) return err(bad);
    const closerIsA = ch.closer === ch.participantA;
    const before = closerIsA ? ch.balanceA : ch.balanceB;
    const after = closerIsA ? s.balanceA : s.balanceB;
    // PROTOCOL 6.3: a newer state that lowers the closer's balance marks it, for good
    if (after < before) ch.cheater = ch.closer;
    Object.assign(ch, { nonce: s.nonce, balanceA: s.balanceA, balanceB: s.balanceB, htlcs: s.htlcs });
    return { ok: true, value: { uint: s.nonce }, transfers: [] };
  }

  resolve(_caller: string, id: string, token: TokenId, env: Env, contract = this.contract): Outcome {
    const ch = contract === this.contract ? this.channels.get(id) : undefined;
    if (ch === undefined) return err(ERR.UNKNOWN_CHANNEL);
    if (ch.status !== Status.Closing) return err(ERR.NOT_CLOSING);
    if (!windowEnded(ch, env)) return err(ERR.WINDOW_OPEN);
    if (token !== ch.token) return err(ERR.WRONG_TOKEN);
    const both = ch.balanceA + ch.balanceB;
    const paysA = ch.cheater === ch.participantB ? both : ch.cheater === ch.participantA ? 0n : ch.balanceA;
    const transfers = [
      this.payOut(id, ch.token, ch.participantA, paysA),
      this.payOut(id, ch.token, ch.participantB, both - paysA),
    ];
    Object.assign(ch, { status: Status.Closed, total: htlcSum(ch.htlcs) });
    return { ok: true, value: { uint: ch.nonce }, transfers: transfers.filter((t) => t.amount > 0n) };
  }

  settleHtlc(_caller: string, id: string, index: number, token: TokenId, env: Env, contract = this.contract): Outcome {
    const ch = contract === this.contract ? this.channels.get(id) : undefined;
    if (ch === undefined) return err(ERR.UNKNOWN_CHANNEL);
    const htlc = ch.htlcs[index];
    if (htlc === undefined) return err(ERR.HTLC_INDEX);
    if (ch.status !== Status.Closed) return err(ERR.NOT_CLOSED);
    if (this.isSettled(id, index)) return err(ERR.HTLC_SETTLED);
    const height = this.reveals.get(htlc.hash);
    const toReceiver = height !== undefined && height <= htlc.expiry;
    if (!toReceiver && env.burn <= htlc.expiry) return err(ERR.HTLC_PENDING);
    if (token !== ch.token) return err(ERR.WRONG_TOKEN);
    const payee = toReceiver === htlc.offeredByA ? ch.participantB : ch.participantA;
    this.settled.add(`${id}:${index}`);
    const transfers = [this.payOut(id, ch.token, payee, htlc.amount)].filter((t) => t.amount > 0n);
    ch.total -= htlc.amount;
    return { ok: true, value: { principal: payee }, transfers };
  }

  revealSecret(secretHex: string, env: Env): Outcome {
    const hash = secretHash(secretHex);
    if (this.reveals.has(hash)) return err(ERR.ALREADY_REVEALED);
    this.reveals.set(hash, env.burn);
    return { ok: true, value: { buff: hash }, transfers: [] };
  }

  // ---- the contract's private rules ------------------------------------------------

  /** validate-state: action, nonce, sum, signature A, signature B; null when valid. */
  private validate(ch: ModelChannel, sub: Submission, contract: string, action: Action, total: bigint, minNonce: bigint): number | null {
    const s = sub.state;
    if (s.action !== action) return ERR.WRONG_ACTION;
    if (s.nonce < minNonce) return ERR.STALE_NONCE;
    if (s.balanceA + s.balanceB + htlcSum(s.htlcs) !== total) return ERR.SUM_MISMATCH;
    const a = sigVerdict(sub.sigA, ch.participantA, s, contract);
    if (a !== true) return a === false ? ERR.SIGNATURE_A : a;
    const b = sigVerdict(sub.sigB, ch.participantB, s, contract);
    if (b !== true) return b === false ? ERR.SIGNATURE_B : b;
    return null;
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

  private checkpoint(ch: ModelChannel, s: ModelState, total: bigint): void {
    Object.assign(ch, { total, nonce: s.nonce, balanceA: s.balanceA, balanceB: s.balanceB, htlcs: s.htlcs });
  }

  private startWindow(ch: ModelChannel, caller: string, env: Env): Outcome {
    Object.assign(ch, {
      status: Status.Closing, closer: caller,
      deadlineBurn: env.burn + ch.window, deadlineTenure: env.tenure + ch.window,
    });
    return { ok: true, value: { uint: ch.deadlineBurn }, transfers: [] };
  }

  /** Why escrowing `amount` from `from` fails: the token transfer's (err u1) when short. */
  private payInRefusal(token: TokenId, from: string, amount: bigint): Outcome | null {
    if (this.balance(token, from) >= amount) return null;
    // the transfer fails before the escrow counter moves, even for max-uint (I8)
    return err(ERR_TRANSFER_INSUFFICIENT);
  }

  private payIn(token: TokenId, from: string, amount: bigint): Transfer {
    const t = { token, from, to: this.contract, amount };
    this.move(t);
    this.escrowed.set(tokenKey(token), (this.escrowed.get(tokenKey(token)) ?? 0n) + amount);
    return t;
  }

  private payOut(id: string, token: TokenId, to: string, amount: bigint): Transfer {
    const t = { token, from: this.contract, to, amount };
    if (amount === 0n) return t; // the contract skips zero payouts
    this.move(t);
    this.escrowed.set(tokenKey(token), (this.escrowed.get(tokenKey(token)) ?? 0n) - amount);
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

/** A unilateral close takes `close` states as close, anything else as `transfer`. */
function closingAction(s: ModelState): Action {
  return s.action === Action.Close ? Action.Close : Action.Transfer;
}

/** Both clocks must have passed the deadline. */
export function windowEnded(ch: ModelChannel, env: Env): boolean {
  return env.burn >= ch.deadlineBurn && env.tenure >= ch.deadlineTenure;
}

/** true: a signer of `owner` signed exactly `state` here; false: some other key; or the error. */
function sigVerdict(sig: SigSpec, owner: string, state: ModelState, contract: string): true | false | number {
  if (sig.form === 'high-s') return ERR.HIGH_S;
  if (sig.form === 'recid-2') return ERR.RECOVERY_ID;
  if (sig.form === 'flip-v') return false; // recovers some other key
  return sig.signer === owner && sig.contract === contract && sig.chainId === SIMNET_CHAIN_ID && sameState(sig.over, state);
}
