// Property-based model test of the channel contract, protocol version 2 (PROTOCOL.md
// section 7, I1-I8). fast-check generates random sequences of channel operations on a
// few channels between two parties, one honest (it follows section 4: the proposer of a
// change signs last, HTLC expiries go through the receiver, nothing is signed on top of
// an unlanded chain state, it answers within the window and reveals the secrets it
// knows before their expiry) and one not (it withholds its last signature, closes with
// revoked states, lands chain states when it suits it), plus outsiders, watchtowers and
// an intermediary contract. Off-chain, the parties sign transfers (payments, HTLC adds,
// fulfils, fails, expiries) and chain states (deposits, withdrawals, closes, each with a
// valid-until); on-chain, every public function is called honestly and with attacks
// (stale or tampered states, states signed for another channel, deployment, chain,
// version or action, malleated or short signatures, wrong or unauthorised keys, wrong
// tokens, zero and max-uint amounts, expired chain states, outsiders, a proxy caller), in
// the new argument layout. A token that refuses payouts to blocked recipients drives
// `unpaid` and `claim`. Each call runs on the simnet and on the reference model
// (model.ts); the contract must return exactly what the model predicts, and after every
// step the test checks the invariants against the chain itself: I1 per channel and per
// token (holdings = sum of totals + unpaid), I2 (floor, closing nonce and status never go
// back, a cheater mark is never cleared), I4 (the honest party is never marked), I5
// (every watched wallet, the proxy included, holds what the model says), and I3 at
// every payout and over each channel's whole life (the honest party ends with at least
// what its newest fully signed closable state owes it, plus its landed withdrawals).
//
// One simnet serves every sequence in this file, so each sequence opens its own fresh
// channels and secrets, and checks balances against a model seeded from the chain at
// its start. It only reads and calls the deployed contracts and its own fixtures.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cl, type ClarityValue } from '@stacks/transactions';
import {
  Action, CHANNEL, CHANNEL_2, ERR_TOKEN_BLOCKED, MAX_UINT, PROXY, REFUSING_TOKEN, SBTC, SIMNET_CHAIN_ID, TEST_TOKEN,
  alice, bob, callCreate, callId, callSettle, callWithState, carol, deployer, mallory, mint, reveal, setBlocked, tokenArg,
  hex, type Channel,
} from './helpers.js';
import {
  ContractModel, Party, Status, channelIdOf, htlcSum, owed, secretHash, tokenKey, windowEnded,
  type Env, type ModelHtlc, type ModelState, type Outcome, type SignerArg, type SigSpec, type StateFn,
  type Submission, type TokenId,
} from './model.js';
import {
  clearSignatures, deployFixtures, quiet, readEnv, readRecord, readStored, readUnpaid, signed, signerKeyBytes,
  snapshotBalances, storedChannelCount, storedUnpaid, tokenGetBalance,
} from './model-chain.js';
import { PROPERTY_SEED } from '../setup/property-seed.js';

const RUNS = Number(process.env.BITSTREAM_PROPERTY_RUNS ?? 200);
/**
 * replay a reported failure with BITSTREAM_PROPERTY_SEED (fixed in CI: tests/setup/property-seed.ts);
 * a local run draws one, and prints it with the result, so a passing long run can be named and replayed too
 */
const SEED = PROPERTY_SEED ?? Math.floor(Math.random() * 2 ** 31);
/** BITSTREAM_PROPERTY_SHRINK=0 reports the first failure as found (shrinking replays on a chain the failure left dirty) */
const SHRINK = process.env.BITSTREAM_PROPERTY_SHRINK !== '0';
const MAX_COMMANDS = 60; // commands whose channel is not there yet are skipped (check)
/**
 * The simnet is synchronous: a long property would hold the worker's event loop for
 * minutes, and vitest's worker RPC times out although every check passed. So the
 * property is async and yields between sequences, and the test's timeout grows with the
 * runs (a sequence takes about 0.1 s here; the margin covers a slow, shared machine).
 */
const TIMEOUT = 60_000 + RUNS * 1_000;

const PARTICIPANTS = [alice, bob, carol] as const;
/** never a participant: the outsider / watchtower */
const OUTSIDER = mallory;
const TOKENS: readonly TokenId[] = [null, TEST_TOKEN, SBTC, REFUSING_TOKEN];
/** every wallet whose balance the model predicts, contracts (and the proxy) included */
const WATCHED = [deployer, alice, bob, carol, mallory, CHANNEL, CHANNEL_2, PROXY] as const;
const SECRETS_PER_RUN = 4;
/** who knows each run secret when the sequence starts: secret 0 every participant, 1..3 one each */
const KNOWERS: readonly (readonly string[])[] = [PARTICIPANTS, [alice], [bob], [carol]];
/** how often each call ended how: printed, so a run shows what it exercised */
const tally = new Map<string, number>();
const count = (kind: string) => tally.set(kind, (tally.get(kind) ?? 0) + 1);

// ---------------------------------------------------------------------------------
// The world of one sequence: the contract model plus what the two parties hold.
// ---------------------------------------------------------------------------------

/** A fully signed state: the dishonest party holds every one; the honest one those marked. */
interface Held {
  readonly s: ModelState;
  /** the honest party holds it fully signed (false: the dishonest one withholds its last signature) */
  honest: boolean;
  /** a transfer is just signed; a chain state (close, deposit, withdraw) is pending until it lands or lapses */
  fate: 'signed' | 'pending' | 'landed' | 'lapsed';
}

interface RunChannel {
  readonly id: string;
  readonly a: string;
  readonly b: string;
  readonly token: TokenId;
  /** follows PROTOCOL section 4, answers within the window, reveals what it knows in time */
  readonly honest: string;
  readonly dishonest: string;
  /** every fully signed state, by nonce (the opening split is state 0) */
  readonly states: Held[];
  /**
   * I3's measure, fixed when the channel leaves `open`: the honest party's newest fully
   * signed closable state, or the checkpoint when that is newer (a landed deposit or
   * withdrawal; emergency-close uses it)
   */
  reference: ModelState | null;
  /** what the contract's holdings took in and paid out in calls on this channel (I1) */
  readonly flows: { in: bigint; out: bigint };
  /** landed withdrawals, by the principal they paid (I3) */
  readonly withdrawn: Map<string, bigint>;
}

interface World {
  readonly model: ContractModel;
  readonly chans: RunChannel[];
  readonly secrets: readonly string[]; // hex
  /** the secrets' hashes, then one nobody knows (its HTLCs can only be refunded) */
  readonly hashes: readonly string[];
  readonly secretOf: Map<string, string>;
  /** principal -> hash -> tenure height at which it learned the secret */
  readonly learned: Map<string, Map<string, bigint>>;
  /** recipients the refusing token refuses */
  readonly blocked: Set<string>;
  /** I2: the highest nonce, status and cheater mark the contract has shown per channel */
  readonly seen: Map<string, { nonce: bigint; status: bigint; cheater: bigint }>;
  /** what the contract held per token before this sequence's channels existed */
  readonly baseline: Map<string, bigint>;
  /** burn and tenure height now: they move only when the test mines */
  env: Env;
  steps: number;
  /** the sequence ran to its end (finish included) */
  completed: boolean;
}

const isChainAction = (action: number) => action === Action.Close || action === Action.Deposit || action === Action.Withdraw;
const closable = (s: ModelState) => s.action === Action.Transfer || s.action === Action.Close;
const balanceIn = (c: RunChannel, s: Pick<ModelState, 'balanceA' | 'balanceB'>, who: string) => (who === c.a ? s.balanceA : s.balanceB);
const owedTo = (c: RunChannel, s: Pick<ModelState, 'balanceA' | 'balanceB' | 'htlcs'>, who: string) => owed(s, who === c.a);
const payableTo = (c: RunChannel, h: ModelHtlc, who: string) => h.offeredByA !== (who === c.a);
const partyOf = (c: RunChannel, who: string) => (who === c.a ? Party.A : Party.B);
const chosen = <T>(xs: readonly T[], pick: number): T => xs[pick % xs.length]!;
const other = (c: RunChannel, who: string) => (who === c.a ? c.b : c.a);

/** Chain states whose valid-until has passed are lapsed: the contract never takes them again (4.3). */
function lapse(w: World, c: RunChannel): void {
  for (const h of c.states) if (h.fate === 'pending' && w.env.burn > h.s.validUntil) h.fate = 'lapsed';
}

/** Nothing is signed on top of an unlanded chain state, nor while a last signature is withheld (4.2, 4.3). */
function stalledBy(c: RunChannel): Held | null {
  return c.states.find((h) => h.fate === 'pending' || (h.fate === 'signed' && !h.honest)) ?? null;
}

/** The state the next change builds on: the newest one both hold that an abandoned chain state did not void. */
function base(c: RunChannel): ModelState {
  for (let i = c.states.length - 1; i >= 0; i--) {
    const h = c.states[i]!;
    if (h.fate === 'landed' || (h.honest && closable(h.s))) return h.s;
  }
  return c.states[0]!.s;
}

const nextNonce = (c: RunChannel) => c.states[c.states.length - 1]!.s.nonce + 1n;
const newestClosable = (c: RunChannel): ModelState => [...c.states].reverse().find((h) => h.honest && closable(h.s))!.s;
const dishonestStates = (c: RunChannel): ModelState[] => c.states.map((h) => h.s);
/** A revoked state when there is one (the newest otherwise): what a cheater reaches for. */
const stale = (c: RunChannel, pick: number): ModelState => {
  const all = dishonestStates(c);
  return chosen(all.length > 1 ? all.slice(0, -1) : all, pick);
};
const heldOf = (c: RunChannel, s: ModelState) => c.states.find((h) => h.s === s);

/** What a command acts on: mostly a channel in the status it is meant for, rarely any. */
interface Target {
  readonly ch: number;
  readonly any: boolean;
}
type Wanted = (w: Readonly<World>, c: RunChannel) => boolean;
const status = (w: Readonly<World>, c: RunChannel) => w.model.channels.get(c.id)!.status;
const isOpen: Wanted = (w, c) => status(w, c) === Status.Open;
const isClosing: Wanted = (w, c) => status(w, c) === Status.Closing;
const hasPending: Wanted = (w, c) => isOpen(w, c) && c.states.some((h) => h.fate === 'pending');

/** fc runs a command only when this holds: a targeted command waits for its channel. */
function applies(w: Readonly<World>, t: Target, wanted: Wanted): boolean {
  return w.chans.length > 0 && (t.any || w.chans.some((c) => wanted(w, c)));
}

function target(w: World, t: Target, wanted: Wanted): RunChannel {
  const pool = t.any ? w.chans : w.chans.filter((c) => wanted(w, c));
  return chosen(pool.length > 0 ? pool : w.chans, t.ch);
}

function knows(w: World, who: string, hash: string): boolean {
  return w.learned.get(who)?.has(hash) ?? false;
}

function learn(w: World, who: string, hash: string): void {
  const m = w.learned.get(who) ?? new Map<string, bigint>();
  if (!m.has(hash)) m.set(hash, w.env.tenure);
  w.learned.set(who, m);
}

/** Knew `who` the secret of `h` while a reveal could still pay it (by its expiry)? */
function knewInTime(w: World, who: string, h: ModelHtlc): boolean {
  const at = w.learned.get(who)?.get(h.hash);
  return at !== undefined && at <= h.expiry;
}

// ---------------------------------------------------------------------------------
// Model values to calls and results.
// ---------------------------------------------------------------------------------

const handle = (c: RunChannel, contract = CHANNEL): Channel => ({ id: hex(c.id), a: c.a, b: c.b, token: c.token, contract });

function expectedText(o: Outcome): string {
  if (!o.ok) return Cl.prettyPrint(Cl.error(Cl.uint(o.code)));
  const v = o.value;
  const cv = 'uint' in v ? Cl.uint(v.uint) : 'buff' in v ? Cl.bufferFromHex(v.buff) : 'bool' in v ? Cl.bool(v.bool) : Cl.principal(v.principal);
  return Cl.prettyPrint(Cl.ok(cv));
}

/** The call's result as text; a runtime error (abort) is a result too, and never expected. */
function actualText(call: () => { result: ClarityValue }): string {
  try {
    return Cl.prettyPrint(call().result);
  } catch (e) {
    return `runtime error: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`;
  }
}

/** Who calls: a principal, or a participant going through the intermediary contract. */
type Via = { readonly sender: string; readonly proxy: boolean };
const direct = (sender: string): Via => ({ sender, proxy: false });
/** the direct caller the contract sees (I5: the proxy, never the participant behind it) */
const callerOf = (v: Via) => (v.proxy ? PROXY : v.sender);
const contractFor = (v: Via, contract = CHANNEL) => (v.proxy ? PROXY : contract);
/** Caller `i` of a function anyone may call: a participant or the outsider, or (4) the dishonest side through the proxy. */
const anyCaller = (c: RunChannel, i: number): Via => (i === 4 ? { sender: c.dishonest, proxy: true } : direct([...PARTICIPANTS, OUTSIDER][i]!));
/** Tenures until the window of closing channel `c` ends (its deadline is on the tenure clock). */
const tenuresToDeadline = (w: Readonly<World>, c: RunChannel) => w.model.channels.get(c.id)!.deadlineTenure - w.env.tenure;

function callState(fn: StateFn, c: RunChannel, sub: Submission, v: Via, o: { token?: TokenId; signer?: SignerArg; contract?: string } = {}) {
  const signer = o.signer && o.signer.kind !== 'none' ? signerKeyBytes(o.signer) : undefined;
  return callWithState(fn, handle(c), signed(sub), v.sender, { token: o.token === undefined ? c.token : o.token, signer, contract: contractFor(v, o.contract) });
}

// ---------------------------------------------------------------------------------
// One step: predict, call, compare, then check the invariants on the chain.
// ---------------------------------------------------------------------------------

function step(
  w: World,
  label: string,
  c: RunChannel | null,
  predict: () => Outcome,
  call: () => { result: ClarityValue },
  onOk: () => void = () => {},
): Outcome {
  w.steps += 1;
  const m0 = c === null ? undefined : w.model.channels.get(c.id);
  const statusBefore = m0?.status;
  // copies: the model updates its records in place
  const checkpoint = m0 === undefined ? null : { nonce: m0.nonce, balanceA: m0.balanceA, balanceB: m0.balanceB, htlcs: m0.htlcs };
  const cheaterBefore = m0?.cheater;
  const unpaidBefore = c === null ? 0n : w.model.unpaidOf(c.id, c.honest);
  const before = snapshotBalances();
  const outcome = predict();
  const got = quiet(() => actualText(call));
  expect(got, `${label}: contract vs model`).toBe(expectedText(outcome));
  count(`${label.split('(')[0]} ${outcome.ok ? 'ok' : `err u${outcome.code}`}`);
  if (outcome.ok) onOk();
  const after = snapshotBalances();
  // the channel the call acted on (a create's new channel once registered); a refused
  // call changes nothing: the model did not move, and checkInvariants holds the record
  // and every balance to it
  const acted = c ?? (outcome.ok && label.startsWith('create') ? w.chans[w.chans.length - 1]! : null);
  if (acted !== null) {
    // what the contract's holdings moved by is what this channel took in or paid out
    const moved = after(acted.token, CHANNEL) - before(acted.token, CHANNEL);
    if (moved > 0n) acted.flows.in += moved;
    else acted.flows.out -= moved;
  }
  if (c !== null && checkpoint !== null) {
    const m = w.model.channels.get(c.id)!;
    if (statusBefore === Status.Open && m.status !== Status.Open) c.reference = referenceOf(c, checkpoint);
    if (cheaterBefore === Party.Nobody && m.cheater !== Party.Nobody) {
      // 6.3 counts owed, not balance: a closer marked though its balance did not drop was owed HTLCs it gave up
      const closerBalance = (x: { balanceA: bigint; balanceB: bigint }) => (m.closer === Party.A ? x.balanceA : x.balanceB);
      count(closerBalance(m) >= closerBalance(checkpoint) ? 'penalty marked (by owed alone: HTLCs payable to the closer)' : 'penalty marked');
    }
    if (statusBefore !== Status.Closed && m.status === Status.Closed) {
      // I3 at the payout: the honest side is paid (or owed in `unpaid`) at least its balance in its reference
      const paid = after(c.token, c.honest) - before(c.token, c.honest) + w.model.unpaidOf(c.id, c.honest) - unpaidBefore;
      const due = balanceIn(c, c.reference!, c.honest);
      expect(paid >= due, `${label}: I3 honest payout ${paid} < ${due}`).toBe(true);
      count(m.cheater === Party.Nobody ? 'I3 checked at payout' : 'I3 checked at payout with penalty');
    }
  }
  if (outcome.ok && cheaterBefore !== undefined && cheaterBefore !== Party.Nobody && label.startsWith('challenge')) count('challenge ok on a channel already marked (the mark stays)');
  checkInvariants(w, label, acted === null ? [] : [acted], after);
  return outcome;
}

/** I3's measure when a channel leaves open: the honest side's newest closable state, or the newer checkpoint. */
function referenceOf(c: RunChannel, cp: { nonce: bigint; balanceA: bigint; balanceB: bigint; htlcs: readonly ModelHtlc[] }): ModelState {
  const mine = newestClosable(c);
  if (mine.nonce >= cp.nonce) return mine;
  return { ...mine, ...cp, action: Action.Transfer, actor: null, amount: 0n, validUntil: 0n };
}

/**
 * I1, I2, I4, I5 on the chain. `touched` are the channels whose records are read back
 * (the one the step acted on; all of them at the end of a sequence); the others have
 * not been acted on since they were last read back and equal the model.
 */
function checkInvariants(w: World, label: string, touched: readonly RunChannel[], balances = snapshotBalances(), readers = false): void {
  const m = w.model;
  const owedOut = new Map<string, bigint>();
  const add = (t: TokenId, x: bigint) => owedOut.set(tokenKey(t), (owedOut.get(tokenKey(t)) ?? 0n) + x);
  for (const c of w.chans) {
    const model = m.channels.get(c.id)!;
    // storage straight from the maps each step; the contract's own readers now and then
    const rec = touched.includes(c) ? (readers ? readRecord(c.id) : readStored(c.id)) : model;
    same(rec, model, `${label}: record of ${c.id.slice(0, 8)} vs model`);
    const r = rec!;
    const unpaid = m.unpaidOf(c.id, c.a) + m.unpaidOf(c.id, c.b);
    if (touched.includes(c)) {
      for (const owner of [c.a, c.b]) {
        const got = readers ? readUnpaid(c.id, owner) : storedUnpaid(c.id, owner);
        same(got, m.unpaidOf(c.id, owner), `${label}: unpaid of ${owner} in ${c.id.slice(0, 8)} vs model`);
      }
    }
    // I2: the floor and a closing nonce never decrease, nor the status; a cheater mark stays
    const seen = w.seen.get(c.id) ?? { nonce: 0n, status: 0n, cheater: Party.Nobody };
    holds(r.nonce >= seen.nonce, `${label}: I2 nonce went down`);
    holds(r.status >= seen.status, `${label}: I2 status went back`);
    holds(seen.cheater === Party.Nobody || r.cheater === seen.cheater, `${label}: a cheater mark was changed`);
    w.seen.set(c.id, { nonce: r.nonce, status: r.status, cheater: r.cheater });
    // I4: the honest participant is never marked as the cheater
    holds(r.cheater !== partyOf(c, c.honest), `${label}: I4 honest penalised`);
    // 6.3: only the closer is ever marked
    holds(r.cheater === Party.Nobody || r.cheater === r.closer, `${label}: the cheater is the closer`);
    // I1 per channel: everything it took in = everything it paid out + what it holds + what waits in unpaid
    same(c.flows.in, c.flows.out + r.total + unpaid, `${label}: I1 channel conservation`);
    add(c.token, r.total + unpaid);
  }
  for (const token of TOKENS) {
    // I5 and exact payouts: every watched wallet holds what the model says; the contract
    // is watched too, so a payment to anyone unwatched would show as a shortfall there
    for (const who of WATCHED) same(balances(token, who), m.balance(token, who), `${label}: ${tokenKey(token)} balance of ${who}`);
    // I1 holdings: what the contract holds per token = sum of totals + unpaid over its channels
    const held = balances(token, CHANNEL);
    same(m.holdings.get(tokenKey(token)), held, `${label}: I1 the model's holdings`);
    same(held, (w.baseline.get(tokenKey(token)) ?? 0n) + (owedOut.get(tokenKey(token)) ?? 0n), `${label}: I1 holdings = totals + unpaid`);
  }
}

/** expect(...).toEqual, paid only when it fails: a step checks some fifty values, and expect() costs. */
function same<T>(got: T, want: T, message: string): void {
  if (typeof got === 'bigint' ? got !== want : !equalValues(got, want)) expect(got, message).toEqual(want);
}

function holds(cond: boolean, message: string): void {
  if (!cond) expect(cond, message).toBe(true);
}

function equalValues(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  const kx = Object.keys(x);
  if (kx.length !== Object.keys(y).length) return false;
  return kx.every((k) => equalValues((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k]));
}

// ---------------------------------------------------------------------------------
// Building submissions, honest and adversarial.
// ---------------------------------------------------------------------------------

const MUTATIONS = [
  'tamper-balances', 'tamper-sum', 'tamper-data', 'other-valid-until', 'other-actor', 'outsider-actor', 'other-channel', 'other-contract',
  'other-chain', 'other-version', 'other-action', 'high-s-a', 'high-s-b', 'recid-a', 'flip-v-b', 'short-a', 'wrong-key-b',
  'session-outsider-b', 'swap',
] as const;
type Mutation = 'none' | (typeof MUTATIONS)[number];

/** The key a participant signs with: its session key once authorised for the channel (every other state), else its own. */
function keyFor(w: World, c: RunChannel, who: string, nonce: bigint): 'own' | 'session' {
  return w.model.isSessionSigner(c.id, who, who) && (nonce + (who === c.a ? 0n : 1n)) % 2n === 0n ? 'session' : 'own';
}

function submission(w: World, c: RunChannel, s: ModelState, mut: Mutation): Submission {
  const spec = (signer: string, over: ModelState = s, extra: Partial<SigSpec> = {}): SigSpec => ({
    signer, key: keyFor(w, c, signer, over.nonce), over, contract: CHANNEL, chainId: SIMNET_CHAIN_ID, version: '2', form: 'low-s', ...extra,
  });
  const both = (over: ModelState, extra: Partial<SigSpec> = {}) => ({ state: s, sigA: spec(c.a, over, extra), sigB: spec(c.b, over, extra) });
  switch (mut) {
    case 'none': return both(s);
    case 'tamper-balances': {
      // signatures over s, balances moved by one unit (sum kept) in what is sent
      const t = s.balanceA > 0n ? { ...s, balanceA: s.balanceA - 1n, balanceB: s.balanceB + 1n }
        : s.balanceB > 0n ? { ...s, balanceA: s.balanceA + 1n, balanceB: s.balanceB - 1n } : { ...s, nonce: s.nonce + 1n };
      return { ...both(s), state: t };
    }
    case 'tamper-sum': return { ...both(s), state: { ...s, balanceA: s.balanceA < MAX_UINT ? s.balanceA + 1n : s.balanceA - 1n } };
    case 'tamper-data': return { ...both(s), state: { ...s, data: flipFirstByte(s.data) } };
    case 'other-valid-until': return { ...both(s), state: { ...s, validUntil: s.validUntil + 1n } };
    case 'other-actor': return { ...both(s), state: { ...s, actor: s.actor === c.a ? c.b : c.a } };
    case 'outsider-actor': return { ...both(s), state: { ...s, actor: OUTSIDER } };
    case 'other-channel': {
      const otherId = w.chans.find((x) => x.id !== c.id)?.id ?? 'ff'.repeat(32);
      return both({ ...s, channelId: otherId });
    }
    case 'other-contract': return both(s, { contract: CHANNEL_2 });
    case 'other-chain': return both(s, { chainId: 1 });
    case 'other-version': return both(s, { version: '1' });
    case 'other-action': return both({ ...s, action: (s.action + 1) % 4 });
    case 'high-s-a': return { state: s, sigA: spec(c.a, s, { form: 'high-s' }), sigB: spec(c.b) };
    case 'high-s-b': return { state: s, sigA: spec(c.a), sigB: spec(c.b, s, { form: 'high-s' }) };
    case 'recid-a': return { state: s, sigA: spec(c.a, s, { form: 'recid-2' }), sigB: spec(c.b) };
    case 'flip-v-b': return { state: s, sigA: spec(c.a), sigB: spec(c.b, s, { form: 'flip-v' }) };
    case 'short-a': return { state: s, sigA: spec(c.a, s, { form: 'short' }), sigB: spec(c.b) };
    case 'wrong-key-b': return { state: s, sigA: spec(c.a), sigB: spec(OUTSIDER, s, { key: 'own' }) };
    case 'session-outsider-b': return { state: s, sigA: spec(c.a), sigB: spec(OUTSIDER, s, { key: 'session' }) };
    case 'swap': return { state: s, sigA: spec(c.b), sigB: spec(c.a) };
  }
}

function flipFirstByte(h: string): string {
  return ((parseInt(h.slice(0, 2), 16) ^ 1).toString(16).padStart(2, '0')) + h.slice(2);
}

const wrongTokenFor = (t: TokenId): TokenId => TOKENS[(TOKENS.indexOf(t) + 1) % TOKENS.length]!;

/** Faucet tokens to `who` (outside the contract) and tell the model. */
function faucet(w: World, token: TokenId, who: string, amount: bigint): void {
  if (token === null || amount <= 0n || amount > 10n ** 15n) return;
  mint(token, amount, who);
  w.model.credit(token, who, amount);
}

function dataOf(c: RunChannel, nonce: bigint, pick: number): string {
  return pick === 0 ? '00'.repeat(32) : createHash('sha256').update(`data ${c.id} ${nonce} ${pick}`).digest('hex');
}

// ---------------------------------------------------------------------------------
// The parties' behaviour shared by commands and the end of a sequence.
// ---------------------------------------------------------------------------------

/** The honest party closes: with its newest closable state, or from the checkpoint when that is newer (6.4). */
function honestClose(w: World, c: RunChannel, label: string, v: Via = direct(c.honest)): Outcome {
  const cp = w.model.channels.get(c.id)!;
  const mine = newestClosable(c);
  if (mine.nonce < cp.nonce) {
    return step(w, `emergency(${label})`, c, () => w.model.emergencyClose(callerOf(v), c.id, w.env),
      () => callId('emergency-close', handle(c), v.sender, { contract: contractFor(v) }));
  }
  const sub = submission(w, c, mine, 'none');
  return step(w, `dispute(${label})`, c, () => w.model.initiateDispute(callerOf(v), sub, w.env),
    () => callState('initiate-dispute', c, sub, v));
}

/** Mark a state used on-chain as held by both: the honest party reads it from the chain. */
function seenOnChain(c: RunChannel, s: ModelState): void {
  const h = heldOf(c, s);
  if (h !== undefined) h.honest = true;
}

/**
 * Land chain state `h` (fund-channel, withdraw or close-channel). `who` picks the caller:
 * its proposer, the other participant (a withdraw or close is theirs to land too; a
 * deposit is not), an outsider, or the proposer through the intermediary contract.
 */
function land(
  w: World, c: RunChannel, h: Held, label: string,
  o: { who: 'proposer' | 'other' | 'outsider' | 'proxy'; mut: Mutation; wrongToken: boolean; signer: SignerArg },
): Outcome {
  const s = h.s;
  const proposer = s.actor ?? c.honest;
  let sender = o.who === 'other' ? other(c, proposer) : o.who === 'outsider' ? OUTSIDER : proposer;
  // only the dishonest party holds a state it withholds the last signature of
  if (!h.honest && sender === c.honest) sender = c.dishonest;
  const v: Via = { sender, proxy: o.who === 'proxy' };
  // an outsider landing a deposit names itself as the depositor (the caller must be the actor)
  const sub = submission(w, c, s, o.who === 'outsider' && s.action === Action.Deposit ? 'outsider-actor' : o.mut);
  const token = o.wrongToken ? wrongTokenFor(c.token) : c.token;
  const fn: StateFn = s.action === Action.Deposit ? 'fund-channel' : s.action === Action.Withdraw ? 'withdraw' : 'close-channel';
  if (fn === 'fund-channel') faucet(w, c.token, sender, s.amount);
  const predict = () =>
    fn === 'fund-channel' ? w.model.fund(callerOf(v), sub, token, w.env, o.signer)
      : fn === 'withdraw' ? w.model.withdraw(callerOf(v), sub, token, w.env)
        : w.model.closeChannel(callerOf(v), sub, token, w.env);
  return step(w, `${fn === 'fund-channel' ? 'fund' : fn === 'withdraw' ? 'withdraw' : 'close'}(${label})`, c, predict,
    () => callState(fn, c, sub, v, { token, signer: o.signer }),
    () => {
      h.fate = 'landed';
      h.honest = true;
      if (fn === 'withdraw') c.withdrawn.set(s.actor!, (c.withdrawn.get(s.actor!) ?? 0n) + s.amount);
    });
}

/** The honest party reveals, before the tenure passes their expiry, the secrets of HTLCs payable to it that it knows (5). */
function honestReveals(w: World, after: Env): void {
  for (const c of w.chans) {
    const rec = w.model.channels.get(c.id)!;
    const due = new Set<string>();
    for (const h of [...c.states.flatMap((x) => x.s.htlcs), ...rec.htlcs]) {
      if (!payableTo(c, h, c.honest) || !knows(w, c.honest, h.hash) || w.model.reveals.has(h.hash)) continue;
      if (after.tenure > h.expiry && w.env.tenure <= h.expiry) due.add(h.hash);
    }
    for (const hash of due) {
      const secret = w.secretOf.get(hash)!;
      const o = step(w, 'reveal(honest, before the expiry)', null, () => w.model.revealSecret(secret, w.env), () => reveal(hex(secret), c.honest));
      expect(o.ok, 'the honest reveal before the expiry lands').toBe(true);
      for (const p of PARTICIPANTS) learn(w, p, hash);
    }
  }
}

/** Before a window ends, the honest party answers a close that its newest closable state beats (I3's premise). */
function honestAnswers(w: World, after: Env): void {
  for (const c of w.chans.filter((x) => isClosing(w, x))) {
    const ch = w.model.channels.get(c.id)!;
    const last = newestClosable(c);
    if (!windowEnded(ch, after) || windowEnded(ch, w.env) || last.nonce <= ch.nonce) continue;
    const sub = submission(w, c, last, 'none');
    const o = step(w, 'challenge(honest answer)', c, () => w.model.challenge(c.honest, sub, w.env),
      () => callState('challenge', c, sub, direct(c.honest)));
    expect(o.ok, 'the honest answer within the window is accepted').toBe(true);
  }
}

/** Mine `n` burn blocks (each one tenure); first the honest party reveals and answers what would otherwise pass. */
function mine(w: World, n: bigint, label: string): void {
  if (n <= 0n) return;
  const after: Env = { burn: w.env.burn + n, tenure: w.env.tenure + n };
  honestReveals(w, after);
  honestAnswers(w, after);
  simnet.mineEmptyBurnBlocks(Number(n));
  w.env = readEnv();
  expect(w.env, `${label}: a burn block is a tenure in the simnet`).toEqual(after);
  for (const c of w.chans) lapse(w, c);
}

// ---------------------------------------------------------------------------------
// Commands.
// ---------------------------------------------------------------------------------

type Cmd = fc.Command<World, World>;
type Amount = { kind: 'n'; n: bigint } | { kind: 'zero' } | { kind: 'max' } | { kind: 'room' };
type Who = 'honest' | 'dishonest' | 'outsider' | 'proxy';

const amountArb: fc.Arbitrary<Amount> = fc.oneof(
  { weight: 12, arbitrary: fc.bigInt(1n, 1_000_000_000n).map((n) => ({ kind: 'n' as const, n })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'n' as const, n: 1n }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'zero' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'max' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'room' as const }) },
);
const amountOf = (a: Amount, total: bigint): bigint =>
  a.kind === 'n' ? a.n : a.kind === 'zero' ? 0n : a.kind === 'max' ? MAX_UINT : MAX_UINT - total;
const showAmount = (a: Amount) => (a.kind === 'n' ? String(a.n) : a.kind);

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 7, arbitrary: fc.constant('none' as const) },
  { weight: 3, arbitrary: fc.constantFrom(...MUTATIONS) },
);
const rarely = fc.oneof({ weight: 12, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
const pickArb = fc.nat({ max: 1_000_000 });
const whoArb: fc.Arbitrary<Who> = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('honest' as const, 'dishonest' as const) },
  { weight: 1, arbitrary: fc.constantFrom('outsider' as const, 'proxy' as const) },
);
const signerArb: fc.Arbitrary<'none' | 'session' | 'bad'> = fc.oneof(
  { weight: 10, arbitrary: fc.constant('none' as const) },
  { weight: 3, arbitrary: fc.constant('session' as const) },
  { weight: 1, arbitrary: fc.constant('bad' as const) },
);
const signerOf = (kind: 'none' | 'session' | 'bad', of: string): SignerArg =>
  kind === 'session' ? { kind, of } : kind === 'bad' ? { kind } : { kind: 'none' };

/** A participant by role, an outsider, or the honest party through the proxy. */
function via(c: RunChannel, who: Who): Via {
  return who === 'honest' ? direct(c.honest) : who === 'dishonest' ? direct(c.dishonest) : who === 'outsider' ? direct(OUTSIDER) : { sender: c.honest, proxy: true };
}

class CreateCmd implements Cmd {
  constructor(
    readonly p: { a: number; bOffset: number; token: number; amount: Amount; window: bigint; honestIsA: boolean; signer: 'none' | 'session' | 'bad' },
  ) {}
  check = (w: Readonly<World>) => w.chans.length < 3;
  run(w: World): void {
    const a = PARTICIPANTS[this.p.a]!;
    const b = PARTICIPANTS[(this.p.a + this.p.bOffset) % 3]!;
    const token = TOKENS[this.p.token]!;
    const amount = amountOf(this.p.amount, 0n);
    const signer = signerOf(this.p.signer, a);
    faucet(w, token, a, amount);
    const id = channelIdOf(CHANNEL, a, b, token, w.model.nextSeq);
    const honest = this.p.honestIsA ? a : b;
    // both sign the opening split as state 0 (the implicit state of PROTOCOL 6.4)
    const opening: ModelState = {
      channelId: id, nonce: 0n, balanceA: amount, balanceB: 0n, htlcs: [], action: Action.Transfer, actor: null, amount: 0n,
      validUntil: 0n, data: '00'.repeat(32),
    };
    step(w, this.toString(), null, () => w.model.create(a, b, token, amount, this.p.window, signer),
      () => callCreate(a, b, amount, { token, window: this.p.window, signer: signer.kind === 'none' ? undefined : signerKeyBytes(signer) }),
      () => w.chans.push({
        id, a, b, token, honest, dishonest: honest === a ? b : a, states: [{ s: opening, honest: true, fate: 'signed' }],
        reference: null, flows: { in: 0n, out: 0n }, withdrawn: new Map(),
      }));
  }
  toString = () => `create(${JSON.stringify({ ...this.p, amount: showAmount(this.p.amount), window: String(this.p.window) })})`;
}

const createArb = fc.record({
  a: fc.nat({ max: 2 }),
  bOffset: fc.oneof({ weight: 12, arbitrary: fc.constantFrom(1, 2) }, { weight: 1, arbitrary: fc.constant(0) }),
  token: fc.nat({ max: TOKENS.length - 1 }),
  amount: amountArb,
  window: fc.oneof({ weight: 12, arbitrary: fc.bigInt(6n, 20n) }, { weight: 1, arbitrary: fc.constantFrom(0n, 5n, 4321n) }),
  honestIsA: fc.boolean(),
  signer: signerArb,
}).map((p) => new CreateCmd(p));

type Op = 'pay' | 'add' | 'fulfil' | 'fail' | 'expire' | 'deposit' | 'withdraw' | 'close' | 'deliver';

/**
 * The two parties sign a new state on top of the newest one both hold, as PROTOCOL 4.1
 * orders it: `byA` names who makes the change (the payer, the HTLC's offerer, its
 * receiver for a fulfil, fail or expiry, the depositor, the withdrawer, the closer), who
 * proposes it and signs last. The honest party signs first only on what owes it no
 * less, and fails or expires only HTLCs it cannot claim; the dishonest proposer may
 * withhold its last signature. A chain state may land at once (`land`) or wait; nothing
 * is signed on top of it until it lands or lapses (4.3).
 */
class SignCmd implements Cmd {
  constructor(readonly p: Target & {
    op: Op; byA: boolean; permille: number; hash: number; expiry: number; pick: number; vu: number; data: number;
    withhold: boolean; land: boolean; lander: 'proposer' | 'other'; amount: Amount; junk: 'zero' | 'over-total' | 'max' | null; signer: 'none' | 'session' | 'bad';
  }) {}
  check = (w: Readonly<World>) => applies(w, this.p, isOpen);
  run(w: World): void {
    const c = target(w, this.p, isOpen);
    lapse(w, c);
    if (!isOpen(w, c)) return;
    const stall = stalledBy(c);
    if (stall !== null) {
      // the only move left off-chain: the dishonest party sends the signature it withheld (or keeps it)
      const deliver = !stall.honest && (this.p.op === 'deliver' || !this.p.withhold);
      if (deliver) stall.honest = true;
      count(deliver ? 'signed: the withheld signature delivered' : `sign waits: ${stall.fate === 'pending' ? 'a chain state is pending' : 'a signature is withheld'}`);
      return;
    }
    const b = base(c);
    const nonce = nextNonce(c);
    let actor = this.p.byA ? c.a : c.b;
    const toA = actor === c.a;
    const share = (x: bigint) => (x * BigInt(this.p.permille)) / 1000n;
    const credit = (s: Pick<ModelState, 'balanceA' | 'balanceB'>, who: string, x: bigint) =>
      who === c.a ? { balanceA: s.balanceA + x, balanceB: s.balanceB } : { balanceA: s.balanceA, balanceB: s.balanceB + x };
    const next = { ...b, nonce, action: Action.Transfer, actor: null, amount: 0n, validUntil: 0n, data: dataOf(c, nonce, this.p.data) } as ModelState;
    const vu = w.env.burn + BigInt(this.p.vu);
    const receiverOf = (h: ModelHtlc) => (h.offeredByA ? c.b : c.a);
    let s: ModelState;
    switch (this.p.op) {
      case 'deliver': return;
      case 'pay': {
        const x = share(balanceIn(c, b, actor));
        s = { ...next, ...credit(credit(b, actor, -x), other(c, actor), x) };
        break;
      }
      case 'add': {
        if (b.htlcs.length >= 8) return void count('sign skipped: add (8 HTLCs)');
        const amount = share(balanceIn(c, b, actor));
        const htlc: ModelHtlc = { hash: w.hashes[this.p.hash]!, amount, expiry: w.env.tenure + BigInt(this.p.expiry), offeredByA: toA };
        s = { ...next, ...credit(b, actor, -amount), htlcs: [...b.htlcs, htlc] };
        break;
      }
      case 'fulfil':
      case 'fail':
      case 'expire': {
        // the HTLC's receiver proposes: a fulfil shows the secret (the offerer learns it); a
        // fail or (after the expiry) an expiry gives it back, and the honest receiver gives
        // up only what it cannot claim
        const op = this.p.op;
        const can = b.htlcs.map((h, i) => ({ h, i })).filter(({ h }) => {
          const r = receiverOf(h);
          if (op === 'fulfil') return knows(w, r, h.hash);
          return (r !== c.honest || !knewInTime(w, r, h)) && (op === 'fail' || w.env.tenure > h.expiry);
        });
        if (can.length === 0) return void count(`sign skipped: ${op} (no HTLC for it)`);
        const { h, i } = chosen(can, this.p.pick);
        actor = receiverOf(h);
        const offerer = other(c, actor);
        s = { ...next, ...credit(b, op === 'fulfil' ? actor : offerer, h.amount), htlcs: b.htlcs.filter((_h, j) => j !== i) };
        if (op === 'fulfil') learn(w, offerer, h.hash);
        break;
      }
      case 'deposit': {
        const total = w.model.channels.get(c.id)!.total;
        const amount = amountOf(this.p.amount, total);
        // a deposit the uint128 split cannot hold leaves the split as it is (refused anyway)
        const fits = amount <= MAX_UINT - (b.balanceA + b.balanceB + htlcSum(b.htlcs));
        s = { ...next, ...credit(b, actor, fits ? amount : 0n), action: Action.Deposit, actor, amount, validUntil: vu };
        if (this.p.amount.kind !== 'n') return this.oneShot(w, c, s);
        break;
      }
      case 'withdraw': {
        const own = balanceIn(c, b, actor);
        const total = w.model.channels.get(c.id)!.total;
        const amount = this.p.junk === null ? share(own) || own : { zero: 0n, 'over-total': total + 1n, max: MAX_UINT }[this.p.junk];
        const take = amount <= own ? amount : 0n; // an unpayable amount leaves the split as it is
        s = { ...next, ...credit(b, actor, -take), action: Action.Withdraw, actor, amount, validUntil: vu };
        if (amount === 0n || take !== amount) return this.oneShot(w, c, s);
        break;
      }
      case 'close':
        s = { ...next, action: Action.Close, validUntil: vu };
        break;
    }
    // the proposer signs last: a dishonest one may keep its signature to itself
    const withheld = actor === c.dishonest && this.p.withhold;
    const held: Held = { s, honest: !withheld, fate: isChainAction(s.action) ? 'pending' : 'signed' };
    c.states.push(held);
    count(`signed ${this.p.op}${withheld ? ' (withheld)' : ''}`);
    if (held.fate === 'pending' && this.p.land) {
      // a deposit is its depositor's to land; a withdraw or close either participant's
      const who = s.action === Action.Deposit ? 'proposer' : this.p.lander;
      land(w, c, held, `${this.p.op} at once`, { who, mut: 'none', wrongToken: false, signer: signerOf(this.p.signer, actor) });
    }
  }

  /** A chain state no one would keep (zero, unpayable or overflowing): tried once, kept only if it lands. */
  private oneShot(w: World, c: RunChannel, s: ModelState): void {
    const held: Held = { s, honest: true, fate: 'pending' };
    const o = land(w, c, held, `${this.p.op} ${showAmount(this.p.amount)}/${this.p.junk}`, { who: 'proposer', mut: 'none', wrongToken: false, signer: { kind: 'none' } });
    if (o.ok) c.states.push(held);
  }
  toString = () => `sign(${JSON.stringify({ ...this.p, amount: showAmount(this.p.amount) })})`;
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.constant('pay' as const) },
  { weight: 3, arbitrary: fc.constant('add' as const) },
  { weight: 2, arbitrary: fc.constantFrom('fulfil' as const, 'fail' as const, 'expire' as const) },
  { weight: 2, arbitrary: fc.constantFrom('deposit' as const, 'withdraw' as const) },
  { weight: 1, arbitrary: fc.constantFrom('close' as const, 'deliver' as const) },
);

const signArb = fc.record({
  ch: pickArb, any: rarely, op: opArb, byA: fc.boolean(), permille: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(0, 1000)),
  hash: fc.nat({ max: SECRETS_PER_RUN }), expiry: fc.nat({ max: 40 }), pick: pickArb,
  vu: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 1, max: 30 }) }, { weight: 2, arbitrary: fc.integer({ min: -2, max: 0 }) }),
  data: fc.nat({ max: 3 }),
  withhold: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  land: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 2, arbitrary: fc.constant(false) }),
  lander: fc.constantFrom('proposer' as const, 'other' as const),
  amount: amountArb,
  junk: fc.oneof({ weight: 10, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('zero' as const, 'over-total' as const, 'max' as const) }),
  signer: signerArb,
}).map((p) => new SignCmd(p));

/** Land a pending chain state later: at its valid-until, just past it, or now; by whoever, or an attack. */
class LandCmd implements Cmd {
  constructor(readonly p: Target & {
    who: 'proposer' | 'other' | 'outsider' | 'proxy'; wait: 'no' | 'edge' | 'past'; old: boolean; pick: number;
    mut: Mutation; wrongToken: boolean; signer: 'none' | 'session' | 'bad';
  }) {}
  check = (w: Readonly<World>) => applies(w, this.p, hasPending);
  run(w: World): void {
    const c = target(w, this.p, hasPending);
    lapse(w, c);
    // mostly the pending one; rarely any chain state both signed (landed or lapsed: a replay)
    const chain = c.states.filter((h) => isChainAction(h.s.action));
    const h = this.p.old || !c.states.some((x) => x.fate === 'pending') ? (chain.length > 0 ? chosen(chain, this.p.pick) : null)
      : c.states.find((x) => x.fate === 'pending')!;
    if (h === null) return;
    if (this.p.wait !== 'no') mine(w, h.s.validUntil + (this.p.wait === 'past' ? 1n : 0n) - w.env.burn, `wait for ${this.toString()}`);
    land(w, c, h, this.toString(), { who: this.p.who, mut: this.p.mut, wrongToken: this.p.wrongToken, signer: signerOf(this.p.signer, h.s.actor ?? c.a) });
  }
  toString = () => `land(${JSON.stringify(this.p)})`;
}

const landArb = fc.record({
  ch: pickArb, any: rarely,
  who: fc.oneof({ weight: 10, arbitrary: fc.constantFrom('proposer' as const, 'other' as const) }, { weight: 1, arbitrary: fc.constantFrom('outsider' as const, 'proxy' as const) }),
  wait: fc.oneof({ weight: 6, arbitrary: fc.constant('no' as const) }, { weight: 1, arbitrary: fc.constantFrom('edge' as const, 'past' as const) }),
  old: rarely, pick: pickArb, mut: mutationArb, wrongToken: rarely, signer: signerArb,
}).map((p) => new LandCmd(p));

/** update-balance: the honest party with its newest transfer state, the dishonest one with any it holds. */
class CheckpointCmd implements Cmd {
  constructor(readonly p: Target & { stale: boolean; pick: number; who: Who; mut: Mutation; contract2: boolean }) {}
  check = (w: Readonly<World>) => applies(w, this.p, isOpen);
  run(w: World): void {
    const c = target(w, this.p, isOpen);
    const transfers = (this.p.who === 'dishonest' ? c.states : c.states.filter((h) => h.honest)).map((h) => h.s).filter((s) => s.action === Action.Transfer);
    const s = this.p.stale ? stale(c, this.p.pick) : transfers[transfers.length - 1]!;
    const v = via(c, this.p.who);
    const sub = submission(w, c, s, this.p.mut);
    const contract = this.p.contract2 && !v.proxy ? CHANNEL_2 : CHANNEL; // the proxy calls bitstream
    step(w, this.toString(), c, () => w.model.updateBalance(callerOf(v), sub, contract),
      () => callState('update-balance', c, sub, v, { contract }), () => seenOnChain(c, s));
  }
  toString = () => `checkpoint(${JSON.stringify(this.p)})`;
}

const checkpointArb = fc.record({ ch: pickArb, any: rarely, stale: fc.boolean(), pick: pickArb, who: whoArb, mut: mutationArb, contract2: rarely })
  .map((p) => new CheckpointCmd(p));

/** A participant authorises its session key (or sends a malformed key); outsiders and the proxy are refused. */
class AddSignerCmd implements Cmd {
  constructor(readonly p: Target & { who: Who; bad: boolean }) {}
  check = (w: Readonly<World>) => applies(w, this.p, isOpen);
  run(w: World): void {
    const c = target(w, this.p, isOpen);
    const v = via(c, this.p.who);
    const key: SignerArg = this.p.bad ? { kind: 'bad' } : { kind: 'session', of: v.sender };
    step(w, this.toString(), c, () => w.model.addSignerCall(callerOf(v), c.id, key),
      () => simnet.callPublicFn(contractFor(v), 'add-signer', [Cl.bufferFromHex(c.id), Cl.buffer(signerKeyBytes(key as { kind: 'session'; of: string } | { kind: 'bad' }))], v.sender));
  }
  toString = () => `add-signer(${JSON.stringify(this.p)})`;
}

const addSignerArb = fc.record({ ch: pickArb, any: rarely, who: whoArb, bad: rarely }).map((p) => new AddSignerCmd(p));

/** initiate-dispute: the honest party as PROTOCOL 6.4 says, the other with any state it holds. */
class DisputeCmd implements Cmd {
  constructor(readonly p: Target & { who: Who; pick: number; mut: Mutation; contract2: boolean }) {}
  check = (w: Readonly<World>) => applies(w, this.p, isOpen);
  run(w: World): void {
    const c = target(w, this.p, isOpen);
    if (this.p.who === 'honest') {
      honestClose(w, c, `honest: ${this.toString()}`);
      return;
    }
    const s = this.p.who === 'dishonest' ? stale(c, this.p.pick) : newestClosable(c);
    const v = via(c, this.p.who);
    const sub = submission(w, c, s, this.p.mut);
    const contract = this.p.contract2 && !v.proxy ? CHANNEL_2 : CHANNEL; // the proxy calls bitstream
    step(w, this.toString(), c, () => w.model.initiateDispute(callerOf(v), sub, w.env, contract),
      () => callState('initiate-dispute', c, sub, v, { contract }), () => seenOnChain(c, s));
  }
  toString = () => `dispute(${JSON.stringify(this.p)})`;
}

const disputeArb = fc.record({ ch: pickArb, any: rarely, who: whoArb, pick: pickArb, mut: mutationArb, contract2: rarely })
  .map((p) => new DisputeCmd(p));

/**
 * The rational cheater: the dishonest party closes with the state that owes it most
 * among those the contract still takes (initiate-dispute), or from the checkpoint.
 * With `tower`, it closes with the oldest it still can, and a lagging watchtower answers at once with a newer state of the honest
 * party's that is not its newest; the honest party's own answer comes later, on a
 * channel already marked (the mark stays, 6.3).
 */
class CheatCmd implements Cmd {
  constructor(readonly p: Target & { tower: boolean; pick: number }) {}
  check = (w: Readonly<World>) => applies(w, this.p, isOpen);
  run(w: World): void {
    const c = target(w, this.p, isOpen);
    const ch = w.model.channels.get(c.id)!;
    const usable = dishonestStates(c).filter((s) => closable(s) && s.nonce >= ch.nonce);
    const gain = (s: Pick<ModelState, 'balanceA' | 'balanceB' | 'htlcs'>) => owedTo(c, s, c.dishonest);
    // with a watchtower about, the oldest state it may still close with: more states lie between
    const best = this.p.tower && usable.length > 1 ? usable[0]!
      : usable.reduce<ModelState | null>((x, s) => (x === null || gain(s) > gain(x) ? s : x), null);
    let o: Outcome;
    if (best === null || gain(ch) >= gain(best)) {
      o = step(w, `emergency(cheat: ${this.toString()})`, c, () => w.model.emergencyClose(c.dishonest, c.id, w.env),
        () => callId('emergency-close', handle(c), c.dishonest));
    } else {
      const sub = submission(w, c, best, 'none');
      o = step(w, `dispute(cheat: ${this.toString()})`, c, () => w.model.initiateDispute(c.dishonest, sub, w.env),
        () => callState('initiate-dispute', c, sub, direct(c.dishonest)), () => seenOnChain(c, best));
    }
    const closing = w.model.channels.get(c.id)!;
    const newest = newestClosable(c);
    const between = c.states.filter((h) => h.honest && closable(h.s) && h.s.nonce > closing.nonce && h.s !== newest).map((h) => h.s);
    if (!o.ok || !this.p.tower || between.length === 0) return;
    const sub = submission(w, c, chosen(between, this.p.pick), 'none');
    step(w, 'challenge(lagging watchtower)', c, () => w.model.challenge(OUTSIDER, sub, w.env),
      () => callState('challenge', c, sub, direct(OUTSIDER)));
  }
  toString = () => `cheat(${JSON.stringify(this.p)})`;
}

const cheatArb = fc.record({ ch: pickArb, any: rarely, tower: fc.boolean(), pick: pickArb }).map((p) => new CheatCmd(p));

/** emergency-close from the checkpoint; the honest party only when it holds nothing newer to close with. */
class EmergencyCmd implements Cmd {
  constructor(readonly p: Target & { who: Who; contract2: boolean }) {}
  check = (w: Readonly<World>) => applies(w, this.p, isOpen);
  run(w: World): void {
    const c = target(w, this.p, isOpen);
    const ch = w.model.channels.get(c.id)!;
    let v = via(c, this.p.who);
    // an honest party holding a newer closable state than the checkpoint disputes with it instead
    if (this.p.who === 'honest' && newestClosable(c).nonce > ch.nonce) v = direct(c.dishonest);
    const contract = this.p.contract2 && !v.proxy ? CHANNEL_2 : CHANNEL; // the proxy calls bitstream
    step(w, this.toString(), c, () => w.model.emergencyClose(callerOf(v), c.id, w.env, contract),
      () => callId('emergency-close', handle(c), v.sender, { contract: contractFor(v, contract) }));
  }
  toString = () => `emergency(${JSON.stringify(this.p)})`;
}

const emergencyArb = fc.record({ ch: pickArb, any: rarely, who: whoArb, contract2: rarely }).map((p) => new EmergencyCmd(p));

/**
 * challenge: the honest party with its newest closable state, a watchtower with one of
 * its states newer than the close (a watchtower may lag), the other party with any
 * state it holds, the honest party through the proxy (anyone may challenge).
 */
class ChallengeCmd implements Cmd {
  constructor(readonly p: Target & { by: 'honest' | 'watchtower' | 'dishonest' | 'proxy'; pick: number; mut: Mutation; contract2: boolean }) {}
  check = (w: Readonly<World>) => applies(w, this.p, isClosing);
  run(w: World): void {
    const c = target(w, this.p, isClosing);
    // a watchtower may lag: it holds some closable state of the honest party's newer than the close, not always the newest
    const newer = c.states.filter((h) => h.honest && closable(h.s) && h.s.nonce > w.model.channels.get(c.id)!.nonce).map((h) => h.s);
    const s = this.p.by === 'dishonest' ? chosen(dishonestStates(c), this.p.pick)
      : this.p.by === 'watchtower' && newer.length > 0 ? chosen(newer, this.p.pick) : newestClosable(c);
    const v: Via = this.p.by === 'honest' ? direct(c.honest) : this.p.by === 'watchtower' ? direct(OUTSIDER)
      : this.p.by === 'dishonest' ? direct(c.dishonest) : { sender: c.honest, proxy: true };
    const sub = submission(w, c, s, this.p.mut);
    const contract = this.p.contract2 && !v.proxy ? CHANNEL_2 : CHANNEL; // the proxy calls bitstream
    // anyone may challenge: through the proxy too
    step(w, this.toString(), c, () => w.model.challenge(callerOf(v), sub, w.env, contract),
      () => callState('challenge', c, sub, v, { contract }), () => seenOnChain(c, s));
  }
  toString = () => `challenge(${JSON.stringify(this.p)})`;
}

const challengeArb = fc.record({
  ch: pickArb, any: rarely,
  by: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('honest' as const, 'watchtower' as const, 'dishonest' as const) }, { weight: 1, arbitrary: fc.constant('proxy' as const) }),
  pick: pickArb, mut: mutationArb, contract2: rarely,
}).map((p) => new ChallengeCmd(p));

class RevealCmd implements Cmd {
  constructor(readonly p: { secret: number; caller: number }) {}
  check = () => true;
  run(w: World): void {
    const secret = w.secrets[this.p.secret]!;
    const caller = [...PARTICIPANTS, OUTSIDER][this.p.caller]!;
    step(w, this.toString(), null, () => w.model.revealSecret(secret, w.env), () => reveal(hex(secret), caller),
      () => { for (const p of PARTICIPANTS) learn(w, p, secretHash(secret)); });
  }
  toString = () => `reveal(${JSON.stringify(this.p)})`;
}

const revealArb = fc.record({ secret: fc.nat({ max: SECRETS_PER_RUN - 1 }), caller: fc.nat({ max: 3 }) }).map((p) => new RevealCmd(p));

/**
 * Mine burn blocks: a random count, or up to an edge (one block short of it, exactly on
 * it, or a little past): a closing channel's deadline, a pending chain state's
 * valid-until, an HTLC's expiry.
 */
class MineCmd implements Cmd {
  constructor(readonly p: { n: number; to: 'count' | 'deadline' | 'valid-until' | 'expiry'; pick: number; offset: number }) {}
  check = () => true;
  run(w: World): void {
    // windows end on the tenure clock, valid-untils are burn heights, HTLC expiries tenure heights (the block after refunds)
    const edges =
      this.p.to === 'deadline' ? w.chans.filter((c) => isClosing(w, c)).map((c) => tenuresToDeadline(w, c))
        : this.p.to === 'valid-until' ? w.chans.flatMap((c) => c.states.filter((h) => h.fate === 'pending').map((h) => h.s.validUntil + 1n - w.env.burn))
          : this.p.to === 'expiry' ? w.chans.flatMap((c) => w.model.channels.get(c.id)!.htlcs.map((h) => h.expiry + 1n - w.env.tenure)) : [];
    const n = edges.length > 0 ? chosen(edges, this.p.pick) + BigInt(this.p.offset) : BigInt(this.p.n);
    mine(w, n, this.toString());
  }
  toString = () => `mine(${JSON.stringify(this.p)})`;
}

const mineArb = fc.record({
  n: fc.integer({ min: 1, max: 25 }), to: fc.constantFrom('count' as const, 'deadline' as const, 'valid-until' as const, 'expiry' as const),
  pick: pickArb, offset: fc.constantFrom(-1, 0, 0, 1, 3),
}).map((p) => new MineCmd(p));

class ResolveCmd implements Cmd {
  constructor(readonly p: Target & { wait: boolean; caller: number; wrongToken: boolean; contract2: boolean }) {}
  check = (w: Readonly<World>) => applies(w, this.p, isClosing);
  run(w: World): void {
    const c = target(w, this.p, isClosing);
    if (this.p.wait && isClosing(w, c)) mine(w, tenuresToDeadline(w, c), `wait for ${this.toString()}`);
    const v = anyCaller(c, this.p.caller);
    const token = this.p.wrongToken ? wrongTokenFor(c.token) : c.token;
    const contract = this.p.contract2 && !v.proxy ? CHANNEL_2 : CHANNEL; // the proxy calls bitstream
    step(w, this.toString(), c, () => w.model.resolve(callerOf(v), c.id, token, w.env, contract),
      () => callId('resolve', handle(c), v.sender, { token, contract: contractFor(v, contract) }));
  }
  toString = () => `resolve(${JSON.stringify(this.p)})`;
}

const resolveArb = fc.record({ ch: pickArb, any: rarely, wait: fc.boolean(), caller: fc.nat({ max: 4 }), wrongToken: rarely, contract2: rarely })
  .map((p) => new ResolveCmd(p));

function unsettled(w: Readonly<World>, c: RunChannel): number[] {
  const m = w.model.channels.get(c.id)!;
  return m.htlcs.map((_h, i) => i).filter((i) => !w.model.isSettled(c.id, i));
}
const hasUnsettled: Wanted = (w, c) => status(w, c) === Status.Closed && unsettled(w, c).length > 0;

class SettleCmd implements Cmd {
  constructor(readonly p: Target & { wait: boolean; index: number; caller: number; wrongToken: boolean }) {}
  check = (w: Readonly<World>) => applies(w, this.p, hasUnsettled);
  run(w: World): void {
    const c = target(w, this.p, hasUnsettled);
    const open = unsettled(w, c);
    // mostly an HTLC still unpaid; rarely any index 0..9 (paid, or past the list)
    const index = this.p.any || open.length === 0 ? this.p.index : chosen(open, this.p.index);
    const htlc = w.model.channels.get(c.id)!.htlcs[index];
    if (this.p.wait && htlc !== undefined) mine(w, htlc.expiry + 1n - w.env.tenure, `wait for ${this.toString()}`);
    const caller = [...PARTICIPANTS, OUTSIDER][this.p.caller]!;
    const token = this.p.wrongToken ? wrongTokenFor(c.token) : c.token;
    step(w, this.toString(), c, () => w.model.settleHtlc(caller, c.id, index, token, w.env),
      () => callSettle(handle(c), index, caller, token));
  }
  toString = () => `settle(${JSON.stringify(this.p)})`;
}

const settleArb = fc.record({ ch: pickArb, any: rarely, wait: fc.boolean(), index: fc.nat({ max: 9 }), caller: fc.nat({ max: 3 }), wrongToken: rarely })
  .map((p) => new SettleCmd(p));

/** The refusing token blocks or unblocks a participant of one of its channels (PROTOCOL 6.5). */
class BlockCmd implements Cmd {
  constructor(readonly p: { pick: number; honest: boolean; block: boolean }) {}
  check = (w: Readonly<World>) => w.chans.some((c) => c.token === REFUSING_TOKEN);
  run(w: World): void {
    const c = chosen(w.chans.filter((x) => x.token === REFUSING_TOKEN), this.p.pick);
    const who = this.p.honest ? c.honest : c.dishonest;
    setBlocked(who, this.p.block);
    if (this.p.block) w.blocked.add(who);
    else w.blocked.delete(who);
    count(`token ${this.p.block ? 'blocks' : 'unblocks'} a participant`);
  }
  toString = () => `block(${JSON.stringify(this.p)})`;
}

const blockArb = fc.record({ pick: pickArb, honest: fc.boolean(), block: fc.oneof({ weight: 2, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }) })
  .map((p) => new BlockCmd(p));

const hasUnpaid: Wanted = (w, c) => w.model.unpaidOf(c.id, c.a) + w.model.unpaidOf(c.id, c.b) > 0n;
const claimable: Wanted = (w, c) => hasUnpaid(w, c) || isClosing(w, c);

/**
 * claim: a refused payout, by anyone for its owner; or, on a closing channel, a share
 * (after the window: it finalises the channel, the other share waiting in `unpaid`;
 * `wait` mines to the deadline first); or for someone nothing waits for, or with the
 * wrong token.
 */
class ClaimCmd implements Cmd {
  constructor(readonly p: Target & { ownerA: boolean; caller: number; wrongToken: boolean; wait: boolean }) {}
  check = (w: Readonly<World>) => applies(w, this.p, claimable);
  run(w: World): void {
    const c = target(w, this.p, claimable);
    if (this.p.wait && isClosing(w, c)) mine(w, tenuresToDeadline(w, c), `wait for ${this.toString()}`);
    const waiting = [c.a, c.b].filter((x) => w.model.unpaidOf(c.id, x) > 0n);
    const owner = this.p.any || waiting.length === 0 ? (this.p.ownerA ? c.a : c.b) : chosen(waiting, this.p.caller);
    claim(w, c, owner, anyCaller(c, this.p.caller), this.p.wrongToken ? wrongTokenFor(c.token) : c.token, this.toString());
  }
  toString = () => `claim(${JSON.stringify(this.p)})`;
}

function claim(w: World, c: RunChannel, owner: string, v: Via, token: TokenId, label: string): Outcome {
  return step(w, label, c, () => w.model.claim(callerOf(v), c.id, owner, token, w.env),
    () => simnet.callPublicFn(contractFor(v), 'claim', [Cl.bufferFromHex(c.id), Cl.principal(owner), tokenArg(token)], v.sender));
}

const claimArb = fc.record({ ch: pickArb, any: rarely, ownerA: fc.boolean(), caller: fc.nat({ max: 4 }), wrongToken: rarely, wait: fc.boolean() })
  .map((p) => new ClaimCmd(p));

/** Weighted by repetition: fc.commands picks uniformly among its arbitraries. */
const COMMANDS: fc.Arbitrary<Cmd>[] = [
  createArb, createArb,
  signArb, signArb, signArb, signArb, signArb, signArb, signArb, signArb, signArb, signArb,
  landArb, landArb, landArb,
  checkpointArb,
  addSignerArb,
  disputeArb,
  cheatArb,
  emergencyArb,
  challengeArb, challengeArb,
  revealArb,
  mineArb, mineArb, mineArb,
  resolveArb, resolveArb,
  settleArb, settleArb,
  blockArb,
  claimArb,
];

// ---------------------------------------------------------------------------------
// The end of a sequence, and its setup: a model seeded from the chain, fresh secrets.
// ---------------------------------------------------------------------------------

/**
 * End of a sequence: the token accepts everyone again, the honest party closes every
 * open channel (the dishonest one answers with a state it withheld, if newer), every
 * window runs out and is resolved, every HTLC is settled (after its expiry when
 * unrevealed) and every refused payout claimed, by an outsider: these completions must
 * all succeed. Then every channel has paid out everything it was given (I1 over its
 * whole life), and the honest party got at least what its reference state owes it:
 * its balance and the HTLCs payable to it whose secret it knew in time, plus its landed
 * withdrawals (I3).
 */
function finish(w: World): void {
  for (const who of [...w.blocked]) {
    setBlocked(who, false);
    w.blocked.delete(who);
  }
  for (const c of w.chans.filter((x) => isOpen(w, x))) {
    lapse(w, c);
    expect(honestClose(w, c, 'finish: honest close').ok, 'the honest close at the end').toBe(true);
  }
  for (const c of w.chans.filter((x) => isClosing(w, x))) {
    const ch = w.model.channels.get(c.id)!;
    const last = c.states[c.states.length - 1]!;
    if (!last.honest && closable(last.s) && last.s.nonce > ch.nonce && !windowEnded(ch, w.env)) {
      const sub = submission(w, c, last.s, 'none');
      const o = step(w, 'challenge(finish: the withheld state)', c, () => w.model.challenge(c.dishonest, sub, w.env),
        () => callState('challenge', c, sub, direct(c.dishonest)));
      expect(o.ok, 'a newer withheld state replaces the close').toBe(true);
    }
  }
  for (const c of w.chans.filter((x) => isClosing(w, x))) {
    mine(w, tenuresToDeadline(w, c), 'finish: wait for the window');
    const o = step(w, 'resolve(finish)', c, () => w.model.resolve(OUTSIDER, c.id, c.token, w.env),
      () => callId('resolve', handle(c), OUTSIDER));
    expect(o.ok, 'resolve after the window').toBe(true);
  }
  for (const c of w.chans.filter((x) => hasUnsettled(w, x))) {
    for (const index of unsettled(w, c)) {
      const h = w.model.channels.get(c.id)!.htlcs[index]!;
      const revealed = w.model.reveals.get(h.hash);
      if (revealed === undefined || revealed > h.expiry) mine(w, h.expiry + 1n - w.env.tenure, 'finish: wait for the expiry');
      const o = step(w, `settle(finish ${index})`, c, () => w.model.settleHtlc(OUTSIDER, c.id, index, c.token, w.env),
        () => callSettle(handle(c), index, OUTSIDER));
      expect(o.ok, 'settle a due HTLC').toBe(true);
      // each HTLC pays once: settling it again is refused
      step(w, `settle(again ${index})`, c, () => w.model.settleHtlc(OUTSIDER, c.id, index, c.token, w.env),
        () => callSettle(handle(c), index, OUTSIDER));
    }
  }
  for (const c of w.chans) {
    for (const owner of [c.a, c.b]) {
      if (w.model.unpaidOf(c.id, owner) === 0n) continue;
      expect(claim(w, c, owner, direct(OUTSIDER), c.token, 'claim(finish)').ok, 'claim a refused payout').toBe(true);
    }
  }
  checkSequenceEnd(w);
}

/** End of a sequence: every record, unpaid entry and flow against the model; I1 and I3 over each channel's life. */
function checkSequenceEnd(w: World): void {
  // the contract's own readers (read-only calls cost as much as public ones here) every fourth sequence
  const readers = runCounter % 4 === 1;
  checkInvariants(w, readers ? 'end of sequence (get-channel, get-unpaid)' : 'end of sequence', w.chans, snapshotBalances(), readers);
  expect(readEnv(), 'the clocks the model kept').toEqual(w.env);
  for (const c of w.chans) {
    expect(c.flows.in, 'I1 what a channel took in, chain vs model').toBe(w.model.deposited.get(c.id));
    expect(c.flows.out, 'I1 what a channel paid out, chain vs model').toBe(w.model.paidTotal(c.id));
    for (const owner of [c.a, c.b]) expect(w.model.unpaidOf(c.id, owner), 'unpaid claimed').toBe(0n);
    // I5: the model paid no one but the channel's participants (and the wallets agree with it)
    for (const to of w.model.paidOut.get(c.id)?.keys() ?? []) expect([c.a, c.b]).toContain(to);
    // I1 over the whole life: a finalised, settled channel holds nothing and paid out all it took in
    expect(w.model.channels.get(c.id)!.status, 'every channel ends closed').toBe(Status.Closed);
    expect(w.model.channels.get(c.id)!.total, 'a finalised, settled channel holds nothing').toBe(0n);
    expect(c.flows.out, 'and paid out all it took in').toBe(c.flows.in);
    // I3 over the whole life
    const r = c.reference!;
    const htlcs = r.htlcs.filter((h) => payableTo(c, h, c.honest) && knewInTime(w, c.honest, h)).reduce((s, h) => s + h.amount, 0n);
    const due = balanceIn(c, r, c.honest) + htlcs + (c.withdrawn.get(c.honest) ?? 0n);
    const got = w.model.paidTo(c.id, c.honest);
    expect(got >= due, `I3 over the life of ${c.id.slice(0, 8)}: the honest party got ${got}, owed ${due}`).toBe(true);
    count(w.model.channels.get(c.id)!.cheater === Party.Nobody ? 'I3 checked over a life' : 'I3 checked over a life with penalty');
    if (c.states.some((h) => !h.honest)) count('I3 checked with a withheld state');
  }
}

let runCounter = 0;
let previous: World | null = null;
/** what the contract held per token at the end of the last finished sequence */
const frozen = new Map<string, bigint>();

function freshWorld(): World {
  runCounter += 1;
  clearSignatures(); // every sequence signs for its own fresh channels
  // the contract's channel-count (the seq of the next channel), checked against the
  // id the contract says it gives next; a sequence that failed midway may have left
  // it ahead of the model's count
  const nextSeq = storedChannelCount();
  if (previous?.completed) expect(nextSeq, 'channel-count: one per channel created').toBe(previous.model.nextSeq);
  const wallets = new Map<string, Map<string, bigint>>();
  const holdings = new Map<string, bigint>();
  const baseline = new Map<string, bigint>();
  const snapshot = snapshotBalances();
  for (const token of TOKENS) {
    wallets.set(tokenKey(token), new Map(WATCHED.map((who) => [who, snapshot(token, who)])));
    if (token !== null && previous === null) {
      // the snapshot's asset keys read what the token itself says
      for (const who of WATCHED) expect(snapshot(token, who), `${token} balance of ${who}`).toBe(tokenGetBalance(token, who));
    }
    const held = snapshot(token, CHANNEL);
    if (previous === null || previous.completed) {
      // a finished sequence leaves nothing behind: every channel closed, settled and claimed (I1)
      expect(held, 'I1 holdings carried over from earlier sequences').toBe(frozen.get(tokenKey(token)) ?? held);
    }
    frozen.set(tokenKey(token), held);
    holdings.set(tokenKey(token), held);
    baseline.set(tokenKey(token), held);
  }
  const secret = (i: number) => createHash('sha256').update(`bitstream model run ${runCounter} secret ${i}`).digest('hex');
  const secrets = Array.from({ length: SECRETS_PER_RUN }, (_, i) => secret(i));
  const hashes = [...secrets.map(secretHash), secretHash(secret(-1))];
  const env = readEnv();
  const learned = new Map<string, Map<string, bigint>>();
  secrets.forEach((_s, i) => {
    for (const who of KNOWERS[i]!) learned.set(who, (learned.get(who) ?? new Map()).set(hashes[i]!, env.tenure));
  });
  // the test token refuses no one at the start (a failed sequence may have left blocks)
  for (const who of previous?.blocked ?? []) setBlocked(who, false);
  const w: World = {
    model: new ContractModel(CHANNEL, nextSeq, wallets, holdings, new Map(), (t, to) =>
      t === REFUSING_TOKEN && w.blocked.has(to) ? ERR_TOKEN_BLOCKED : null),
    chans: [],
    secrets,
    hashes,
    secretOf: new Map(secrets.map((s, i) => [hashes[i]!, s])),
    learned,
    blocked: new Set(),
    seen: new Map(),
    baseline,
    env,
    steps: 0,
    completed: false,
  };
  previous = w;
  return w;
}

const openingArb = fc.record({
  a: fc.nat({ max: 2 }), bOffset: fc.constantFrom(1, 2), token: fc.nat({ max: TOKENS.length - 1 }),
  amount: fc.bigInt(1n, 1_000_000_000n).map((n): Amount => ({ kind: 'n', n })),
  window: fc.bigInt(6n, 20n), honestIsA: fc.boolean(), signer: signerArb.filter((s) => s !== 'bad'),
}).map((p) => new CreateCmd(p));

/** Let vitest's worker RPC through: the simnet blocks the event loop while it runs. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('channel contract against the reference model (protocol v2)', () => {
  it(`random honest and adversarial sequences keep I1-I8 (${RUNS} runs)`, async () => {
    deployFixtures();
    let runs = 0;
    let steps = 0;
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(openingArb, fc.commands(COMMANDS, { maxCommands: MAX_COMMANDS, size: 'max' }), async (opening, cmds) => {
        await yieldToEventLoop();
        runs += 1;
        let world: World | null = null;
        fc.modelRun(() => {
          world = freshWorld();
          opening.run(world);
          return { model: world, real: world };
        }, cmds);
        finish(world!);
        world!.completed = true;
        steps += world!.steps;
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: !SHRINK, includeErrorInReport: true },
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const outcomes = [...tally.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([k, v]) => `${k}: ${v}`);
    console.log(`model test: ${runs} sequences, ${steps} contract calls checked against the model in ${seconds} s (seed ${SEED})\n  ${outcomes.join('\n  ')}`);
    expect(runs).toBeGreaterThanOrEqual(RUNS);
  }, TIMEOUT);

  // Found by v1's property: pay-in added to a contract-wide escrow counter before the
  // transfer, so an unpayable max-uint amount aborted with an arithmetic overflow once
  // anything was escrowed, instead of the failed transfer's clear (err u1) that I8 asks
  // for. v2 keeps no counter (the holdings are the count); the case stays pinned.
  it('an unpayable max-uint create is a clear (err u1), not an overflow abort', () => {
    const before = snapshotBalances()(null, CHANNEL);
    expect(callCreate(alice, bob, 1000n).result.type).toBe('ok'); // something is escrowed in STX
    const r = actualText(() => callCreate(bob, alice, MAX_UINT));
    expect(r).toBe(Cl.prettyPrint(Cl.error(Cl.uint(1))));
    expect(snapshotBalances()(null, CHANNEL)).toBe(before + 1000n);
  });

  // Found by this model (I8: "a zero or overflowing amount ... each a clear (err uN),
  // nothing moved"): challenge summed what each state owes before validating the new one,
  // so a state whose owed amount passed 2^128 aborted the call instead of being refused.
  it('a challenge whose owed amount would pass 2^128 is (err u401), not an overflow abort', () => {
    deployFixtures();
    const c = minimalChannel(10n);
    expect(callId('emergency-close', handle(c), c.a).result.type).toBe('ok');
    const s = { ...openingOf(c.id, 10n), nonce: 1n, balanceA: MAX_UINT, htlcs: [{ hash: '00'.repeat(32), amount: 1n, expiry: 0n, offeredByA: false }] };
    expect(actualText(() => callState('challenge', c, bothSign(c, s), direct(c.b)))).toBe(Cl.prettyPrint(Cl.error(Cl.uint(401))));
  });
});

/** A fresh STX channel from alice to bob for a one-off reproduction (no model). */
function minimalChannel(amount: bigint): RunChannel & { window: bigint } {
  const r = callCreate(alice, bob, amount);
  expect(r.result.type).toBe('ok');
  const id = (r.result as { value: { value: string } }).value.value.replace(/^0x/, '');
  return {
    id, a: alice, b: bob, token: null, honest: alice, dishonest: bob, states: [], reference: null,
    flows: { in: 0n, out: 0n }, withdrawn: new Map(), window: 6n,
  };
}

const openingOf = (id: string, amount: bigint): ModelState => ({
  channelId: id, nonce: 0n, balanceA: amount, balanceB: 0n, htlcs: [], action: Action.Transfer, actor: null, amount: 0n,
  validUntil: 0n, data: '00'.repeat(32),
});

function bothSign(c: RunChannel, s: ModelState): Submission {
  const spec = (signer: string): SigSpec => ({ signer, key: 'own', over: s, contract: CHANNEL, chainId: SIMNET_CHAIN_ID, version: '2', form: 'low-s' });
  return { state: s, sigA: spec(c.a), sigB: spec(c.b) };
}
