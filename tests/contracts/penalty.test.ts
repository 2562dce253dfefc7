// Rule 4 of PROTOCOL v2 (§4.1, §6.3): the penalty counts what a state owes a party (its
// balance plus the HTLCs payable to it), not its balance alone. A challenge that shows
// the closer owed less than in its closing state marks it as the cheater, and resolve
// gives its balance to the other side. Version 1 compared balances, so a receiver who
// agreed to fail an HTLC offered to it (its balance unchanged, the offerer's up) could
// close with the older state that still held the HTLC, and walk away with it unpunished.
// The second half is I4 checked exhaustively on the real contract: every short sequence
// of payments and HTLC adds, fulfils, fails and expiries signed in the §4.1 order (the
// party whose owed decreases signs last), either side closing, the other challenging with
// the newest state. An honest closer (its newest fully signed state, or the one before if
// it signed the last one first) is never marked; a dishonest one (an older state) is
// marked exactly when that state owes it more than the newest.
import { describe, expect, it } from 'vitest';
import { Cl } from '@stacks/transactions';
import {
  Party, WINDOW, alice, bob, callId, callWithState, carol, fundedChannel, open, printEvent, record,
  secretPair, sign, state, stxBalance, tenureHeight, type Channel, type Htlc,
} from './helpers.js';

describe('the penalty counts HTLCs payable to the closer', () => {
  it('attack: a receiver agrees to fail an HTLC offered to it, then closes with the older state that still holds it (penalised)', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const htlc: Htlc = { hash: secretPair(41).hash, amount: 30n, expiry: tenureHeight() + 100n, offeredByA: true };
    // state 2: Alice offers Bob 30; state 3: Bob fails it (Bob proposes, signs last). Bob's
    // balance is 100 in both; what he is owed falls from 130 to 100.
    const withHtlc = sign(ch, state(ch, { nonce: 2n, balanceA: 70n, balanceB: 100n, htlcs: [htlc] }));
    const failed = sign(ch, state(ch, { nonce: 3n, balanceA: 100n, balanceB: 100n }));
    expect(callWithState('initiate-dispute', ch, withHtlc, bob).result.type).toBe('ok');
    expect(callWithState('challenge', ch, failed, alice).result).toBeOk(Cl.uint(3));
    expect(record(ch)).toMatchObject({ closer: Party.B, cheater: Party.B, htlcs: [] });
    // (The contract cannot tell this from an honest receiver who signed an offerer's
    // removal first and closes lacking the last signature: that is why §4.1 has the
    // receiver propose, and sign last, every removal, expiries included.)
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    const [a0, b0] = [stxBalance(alice), stxBalance(bob)];
    expect(callId('resolve', ch, carol).result).toBeOk(Cl.uint(3));
    expect([stxBalance(alice) - a0, stxBalance(bob) - b0]).toEqual([200n, 0n]);
  });

  it('attack: the same with participant-a as the receiver who failed the HTLC (penalised)', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const htlc: Htlc = { hash: secretPair(42).hash, amount: 30n, expiry: tenureHeight() + 100n, offeredByA: false };
    callWithState('initiate-dispute', ch, sign(ch, state(ch, { nonce: 2n, balanceA: 100n, balanceB: 70n, htlcs: [htlc] })), alice);
    callWithState('challenge', ch, sign(ch, state(ch, { nonce: 3n, balanceA: 100n, balanceB: 100n })), bob);
    expect(record(ch)).toMatchObject({ closer: Party.A, cheater: Party.A });
  });

  it('a challenge that leaves the closer owed the same or more only replaces the state', () => {
    // Bob fulfils Alice's HTLC (state 3: the 30 moves into his balance, his owed unchanged)
    // and closes with state 2, where it is still an HTLC: nothing gained, nothing marked.
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const htlc: Htlc = { hash: secretPair(44).hash, amount: 30n, expiry: tenureHeight() + 100n, offeredByA: true };
    callWithState('initiate-dispute', ch, sign(ch, state(ch, { nonce: 2n, balanceA: 70n, balanceB: 100n, htlcs: [htlc] })), bob);
    expect(callWithState('challenge', ch, sign(ch, state(ch, { nonce: 3n, balanceA: 70n, balanceB: 130n })), alice).result).toBeOk(Cl.uint(3));
    expect(record(ch)).toMatchObject({ cheater: Party.Nobody, nonce: 3n, 'balance-b': 130n, htlcs: [] });
  });
});

// ------------------------------------------------------------------------------------
// The exhaustive honest check (I4). A small model of the off-chain protocol: states,
// the §4.1 operations, who proposes each (and so signs last), and what each state owes.
// ------------------------------------------------------------------------------------

type Side = 'A' | 'B';
interface ModelHtlc { readonly slot: number; readonly amount: bigint; readonly byA: boolean }
interface ModelState { readonly a: bigint; readonly b: bigint; readonly htlcs: readonly ModelHtlc[] }
interface Step { readonly label: string; readonly proposer: Side; readonly next: ModelState }

const START: ModelState = { a: 100n, b: 100n, htlcs: [] };
const PAY = 10n;
/** each HTLC slot has its own amount and hash, so states with different HTLCs differ */
const HTLC_AMOUNTS = [30n, 20n];
const MAX_STEPS = 3;

const other = (s: Side): Side => (s === 'A' ? 'B' : 'A');
const balanceOfSide = (s: ModelState, side: Side) => (side === 'A' ? s.a : s.b);
const credit = (s: ModelState, side: Side, x: bigint, htlcs = s.htlcs): ModelState =>
  side === 'A' ? { a: s.a + x, b: s.b, htlcs } : { a: s.a, b: s.b + x, htlcs };
/** PROTOCOL §1: balance plus the HTLCs payable to `side` (offered by the other) */
const owed = (s: ModelState, side: Side) =>
  balanceOfSide(s, side) + s.htlcs.filter((h) => h.byA === (side === 'B')).reduce((sum, h) => sum + h.amount, 0n);

/** Every §4.1 operation from `s`, with its proposer. */
function steps(s: ModelState): Step[] {
  const out: Step[] = [];
  for (const payer of ['A', 'B'] as const) {
    if (balanceOfSide(s, payer) >= PAY) out.push({ label: `${payer} pays ${PAY}`, proposer: payer, next: credit(credit(s, payer, -PAY), other(payer), PAY) });
  }
  const free = HTLC_AMOUNTS.findIndex((_, slot) => !s.htlcs.some((h) => h.slot === slot));
  if (free >= 0) {
    const amount = HTLC_AMOUNTS[free]!;
    for (const offerer of ['A', 'B'] as const) {
      if (balanceOfSide(s, offerer) < amount) continue;
      const htlcs = [...s.htlcs, { slot: free, amount, byA: offerer === 'A' }];
      out.push({ label: `${offerer} adds htlc ${free}`, proposer: offerer, next: credit(s, offerer, -amount, htlcs) });
    }
  }
  for (const h of s.htlcs) {
    const offerer: Side = h.byA ? 'A' : 'B';
    const receiver = other(offerer);
    const rest = s.htlcs.filter((x) => x !== h);
    out.push({ label: `${receiver} fulfils htlc ${h.slot}`, proposer: receiver, next: credit(s, receiver, h.amount, rest) });
    out.push({ label: `${receiver} fails htlc ${h.slot}`, proposer: receiver, next: credit(s, offerer, h.amount, rest) });
    // after the expiry the offerer asks and the receiver proposes: the same state as a fail
    out.push({ label: `${receiver} expires htlc ${h.slot} (asked by ${offerer})`, proposer: receiver, next: credit(s, offerer, h.amount, rest) });
  }
  return out;
}

/** Every sequence of 1..MAX_STEPS operations from START: the states and the proposer of each transition. */
function sequences(): { labels: string[]; states: ModelState[]; proposers: Side[] }[] {
  const all: { labels: string[]; states: ModelState[]; proposers: Side[] }[] = [];
  const walk = (labels: string[], states: ModelState[], proposers: Side[]) => {
    if (labels.length > 0) all.push({ labels, states, proposers });
    if (labels.length === MAX_STEPS) return;
    for (const st of steps(states[states.length - 1]!)) {
      walk([...labels, st.label], [...states, st.next], [...proposers, st.proposer]);
    }
  };
  walk([], [START], []);
  return all;
}

describe('I4, exhaustively: an honest closer is never penalised, a dishonest one exactly when it gains', () => {
  it(`every sequence of up to ${MAX_STEPS} payments and HTLC adds / fulfils / fails / expiries, either side closing`, () => {
    const hashes = HTLC_AMOUNTS.map((_, slot) => secretPair(60 + slot).hash);
    const expiry = tenureHeight() + 1_000n;
    const toHtlcs = (s: ModelState): Htlc[] => s.htlcs.map((h) => ({ hash: hashes[h.slot]!, amount: h.amount, expiry, offeredByA: h.byA }));
    const key = (s: ModelState) => `${s.a}/${s.b}/${s.htlcs.map((h) => `${h.slot}${h.byA ? 'a' : 'b'}`).join(',')}`;

    // The contract's verdict depends only on the two states and the closer: run each
    // distinct (closing state, newest state, closer) once, on a fresh channel.
    const verdicts = new Map<string, bigint>();
    const verdict = (closing: ModelState, newest: ModelState, closer: Side): bigint => {
      const k = `${key(closing)} -> ${key(newest)} by ${closer}`;
      const known = verdicts.get(k);
      if (known !== undefined) return known;
      const ch: Channel = open(alice, bob, 200n);
      const at = (s: ModelState, nonce: bigint) => sign(ch, state(ch, { nonce, balanceA: s.a, balanceB: s.b, htlcs: toHtlcs(s) }));
      const closerAddr = closer === 'A' ? alice : bob;
      expect(callWithState('initiate-dispute', ch, at(closing, 1n), closerAddr).result.type, k).toBe('ok');
      // the other side answers with its newest (a watchtower would do the same)
      const r = callWithState('challenge', ch, at(newest, 2n), closer === 'A' ? bob : alice);
      expect(r.result, k).toBeOk(Cl.uint(2));
      // the event carries the post-state (6.8): the mark as the contract stored it
      const cheater = printEvent(r.events as never).cheater as bigint;
      verdicts.set(k, cheater);
      return cheater;
    };

    const partyOf = (side: Side) => (side === 'A' ? Party.A : Party.B);
    let honest = 0;
    let dishonest = 0;
    let marked = 0;
    const all = sequences();
    for (const { labels, states, proposers } of all) {
      const k = states.length - 1;
      const newest = states[k]!;
      // the model follows §4.1: a transition never lowers what its first signer is owed
      for (let i = 1; i <= k; i++) {
        const responder = other(proposers[i - 1]!);
        expect(owed(states[i]!, responder) >= owed(states[i - 1]!, responder), `${labels.slice(0, i).join(', ')}`).toBe(true);
        expect(states[i]!.a + states[i]!.b + states[i]!.htlcs.reduce((s, h) => s + h.amount, 0n)).toBe(200n);
      }
      for (const closer of ['A', 'B'] as const) {
        // the closer holds s_k fully signed when it signed it last; when it signed it
        // first it may not have the last signature, and then its newest is s_{k-1}
        const signedLast = proposers[k - 1] === closer;
        const newestHeld = signedLast ? k : k - 1;
        for (let j = 0; j < k; j++) {
          const closing = states[j]!;
          const label = `${labels.join(', ')}; ${closer} closes with s${j}`;
          const v = verdict(closing, newest, closer);
          if (j >= newestHeld) {
            honest++;
            expect(v, `honest: ${label}`).toBe(Party.Nobody);
          } else {
            dishonest++;
            const gains = owed(closing, closer) > owed(newest, closer);
            if (gains) marked++;
            expect(v, `dishonest: ${label}`).toBe(gains ? partyOf(closer) : Party.Nobody);
          }
        }
      }
    }
    // the enumeration is what it claims to be: every operation kind appears, and both verdicts occur
    const kinds = new Set(all.flatMap((q) => q.labels.map((l) => l.split(' ')[1])));
    expect([...kinds].sort()).toEqual(['adds', 'expires', 'fails', 'fulfils', 'pays']);
    expect(honest).toBeGreaterThan(0);
    expect(marked).toBeGreaterThan(0);
    expect(dishonest).toBeGreaterThan(marked);
    console.info(`I4: ${all.length} sequences, ${honest} honest and ${dishonest} dishonest closes (${marked} marked), ${verdicts.size} distinct contract runs`);
  });
});
