// Rule 5 of PROTOCOL v2 (§6.6): every operation writes the channel's new state before it
// calls a token, so code the token runs during a payout sees the new state and cannot
// lower the floor, reopen a closed channel or replay a state. The attacker here is a
// contract participant (fixtures/contract-party.clar, participant-b) in a channel whose
// token (fixtures/hook-token.clar) calls the recipient back on every transfer. Armed
// with an older co-signed state, its hook calls back into the channel contract as the
// participant in the middle of a withdraw, close-channel, resolve or settle-htlc payout.
// Each test asserts the callback's result (recorded by the fixture) is the refusal the
// already-written state implies, where the state before the call would have given a
// different answer, and that I1 holds afterwards: what the contract holds in the token
// equals the channel's total plus unpaid.
// Two limits of the setup, both Clarity's: a contract cannot name the token that is
// calling it (hook-token calls the party, so the party cannot reference hook-token), so
// callbacks pass `none` as token; every check these tests rely on comes before the token
// check. And Clarity refuses to re-enter a function already on the call stack
// (CircularReference, the whole transaction aborts), so "another withdraw" during a
// withdraw is shown as that abort.
import { beforeEach, describe, expect, it } from 'vitest';
import { Cl } from '@stacks/transactions';
import {
  Action, ERR, WINDOW, alice, bob, burnHeight, callId, callSettle, callWithState, carol, expectConservation, record, reveal,
  secretPair, Status, tenureHeight, tokenBalance, verify, type Channel, type Htlc, type Signed,
} from './helpers.js';
import { arm, channelWithParty, deployHookParty, hookResult, hookSeen, seen, signedWithParty, type HookParty } from './hook-party.js';

let H: HookParty;
beforeEach(() => {
  H = deployHookParty();
});

/** States 1..3 of the running example: Alice pays the party 100, then 50 more; state 3 withdraws 100 for the party. */
function history(ch: Channel) {
  return {
    s1: signedWithParty(ch, { nonce: 1n, balanceA: 200n, balanceB: 100n }),
    s2: signedWithParty(ch, { nonce: 2n, balanceA: 150n, balanceB: 150n }),
    withdraw: signedWithParty(ch, { nonce: 3n, balanceA: 150n, balanceB: 50n, action: Action.Withdraw, actor: H.party, amount: 100n }),
  };
}

describe('callbacks during a withdraw payout see the new floor', () => {
  it('attack: checkpoint an older state from inside the withdraw payout (ERR-STALE-NONCE)', () => {
    const ch = channelWithParty(H);
    const { s2, withdraw } = history(ch);
    // before the withdraw the floor was 0 and state 2 would have been taken
    expect(verify(ch, s2).type).toBe('ok');
    arm('update-balance', ch, s2);
    expect(callWithState('withdraw', ch, withdraw, alice).result).toBeOk(Cl.uint(3));
    expect(hookSeen(H)).toStrictEqual(seen(Status.Open, 3n, 200n));
    expect(hookResult(H)).toBeSome(Cl.error(Cl.uint(ERR.STALE_NONCE)));
    expect(tokenBalance(H.token, H.party)).toBe(100n);
    expect(record(ch)).toMatchObject({ status: Status.Open, nonce: 3n, total: 200n, 'balance-b': 50n });
    expectConservation(H.token, [ch]);
  });

  it('attack: dispute with the pre-withdraw state from inside the withdraw payout, to be paid the withdrawal twice (ERR-STALE-NONCE)', () => {
    const ch = channelWithParty(H);
    const { s2, withdraw } = history(ch);
    arm('initiate-dispute', ch, s2);
    expect(callWithState('withdraw', ch, withdraw, alice).result).toBeOk(Cl.uint(3));
    expect(hookResult(H)).toBeSome(Cl.error(Cl.uint(ERR.STALE_NONCE)));
    expect(record(ch)).toMatchObject({ status: Status.Open, nonce: 3n, total: 200n });
    expectConservation(H.token, [ch]);
  });

  it('an emergency close from inside the withdraw payout closes from the new checkpoint, not the old', () => {
    const ch = channelWithParty(H);
    const { withdraw } = history(ch);
    arm('emergency-close', ch);
    const deadline = burnHeight() + WINDOW;
    expect(callWithState('withdraw', ch, withdraw, alice).result).toBeOk(Cl.uint(3));
    expect(hookResult(H)).toBeSome(Cl.ok(Cl.uint(deadline)));
    expect(record(ch)).toMatchObject({ status: Status.Closing, nonce: 3n, total: 200n, 'balance-a': 150n, 'balance-b': 50n });
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    expect(callId('resolve', ch, carol).result).toBeOk(Cl.uint(3));
    // the party got its withdrawal once, plus its balance after it
    expect([tokenBalance(H.token, alice), tokenBalance(H.token, H.party)]).toEqual([150n, 150n]);
    expectConservation(H.token, [ch]);
  });

  it('attack: a second withdraw from inside the withdraw payout aborts the whole transaction (Clarity forbids re-entry), nothing moves', () => {
    const ch = channelWithParty(H);
    const { withdraw } = history(ch);
    const again = signedWithParty(ch, { nonce: 4n, balanceA: 150n, balanceB: 0n, action: Action.Withdraw, actor: H.party, amount: 50n });
    arm('withdraw', ch, again);
    const before = record(ch);
    expect(() => callWithState('withdraw', ch, withdraw, alice)).toThrow(/CircularReference/);
    expect(record(ch)).toEqual(before);
    expect(tokenBalance(H.token, H.party)).toBe(0n);
    expectConservation(H.token, [ch]);
  });
});

describe('callbacks during a close-channel payout see the channel closed', () => {
  // Before the close the channel was open at floor 0: each of these would have been taken.
  const closing = (ch: Channel) => signedWithParty(ch, { nonce: 4n, balanceA: 150n, balanceB: 150n, action: Action.Close });
  const callbacks: { name: string; fn: string; pick: (h: ReturnType<typeof history>) => Signed }[] = [
    { name: 'checkpoint an older state', fn: 'update-balance', pick: (h) => h.s2 },
    { name: 'dispute with an older state, to be paid again at resolve', fn: 'initiate-dispute', pick: (h) => h.s1 },
    { name: 'land an older co-signed withdraw', fn: 'withdraw', pick: (h) => h.withdraw },
  ];
  for (const { name, fn, pick } of callbacks) {
    it(`attack: ${name} from inside the close-channel payout (ERR-NOT-OPEN)`, () => {
      const ch = channelWithParty(H);
      const h = history(ch);
      expect(verify(ch, pick(h)).type, 'valid before the close').toBe('ok');
      arm(fn, ch, pick(h));
      expect(callWithState('close-channel', ch, closing(ch), alice).result).toBeOk(Cl.uint(4));
      expect(hookSeen(H)).toStrictEqual(seen(Status.Closed, 4n, 0n));
      expect(hookResult(H)).toBeSome(Cl.error(Cl.uint(ERR.NOT_OPEN)));
      expect([tokenBalance(H.token, alice), tokenBalance(H.token, H.party)]).toEqual([150n, 150n]);
      expect(record(ch)).toMatchObject({ status: Status.Closed, nonce: 4n, total: 0n });
      expectConservation(H.token, [ch]);
    });
  }
});

describe('callbacks during a resolve payout see the channel finalised', () => {
  it('attack: challenge with a newer state from inside the resolve payout, to rewrite what is being paid (ERR-NOT-CLOSING)', () => {
    // Were the status written after the payout, the challenge would meet a closing channel
    // and fail only on the window (ERR-WINDOW-ENDED): NOT-CLOSING shows the write came first.
    const ch = channelWithParty(H);
    const { s1, s2 } = history(ch);
    expect(callWithState('initiate-dispute', ch, s1, alice).result.type).toBe('ok');
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    arm('challenge', ch, s2);
    expect(callId('resolve', ch, carol).result).toBeOk(Cl.uint(1));
    expect(hookSeen(H)).toStrictEqual(seen(Status.Closed, 1n, 0n));
    expect(hookResult(H)).toBeSome(Cl.error(Cl.uint(ERR.NOT_CLOSING)));
    expect([tokenBalance(H.token, alice), tokenBalance(H.token, H.party)]).toEqual([200n, 100n]);
    expect(record(ch)).toMatchObject({ status: Status.Closed, nonce: 1n, cheater: 0n });
    expectConservation(H.token, [ch]);
  });
});

describe('callbacks during a settle-htlc payout see the HTLC settled', () => {
  it('the payee\'s hook sees the HTLC marked paid and the escrow already lowered', () => {
    const ch = channelWithParty(H);
    const { secret, hash } = secretPair(21);
    const htlc: Htlc = { hash, amount: 40n, expiry: tenureHeight() + 20n, offeredByA: true };
    const close = signedWithParty(ch, { nonce: 2n, balanceA: 160n, balanceB: 100n, htlcs: [htlc], action: Action.Close });
    expect(callWithState('close-channel', ch, close, alice).result).toBeOk(Cl.uint(2));
    expect(record(ch)?.total).toBe(40n);
    reveal(secret, bob);
    arm('observe', ch);
    expect(callSettle(ch, 0, carol).result).toBeOk(Cl.principal(H.party));
    // settle-htlc has no other entry to race (re-entering it aborts): what its payee can
    // observe is that the HTLC is already marked paid and the escrow already lowered
    expect(hookSeen(H)).toStrictEqual(seen(Status.Closed, 2n, 0n, true));
    expect(tokenBalance(H.token, H.party)).toBe(140n);
    expectConservation(H.token, [ch]);
  });
});
