// Rule 6 of PROTOCOL v2 (§6.5): one side's payout never waits on the other's.
// close-channel and resolve pay each participant separately; when the token refuses a
// payout (returns an error, as fixtures/block-token.clar does for a blocked recipient)
// the other side is still paid in full, the refused amount stays held as `unpaid`
// (get-unpaid), a payout-refused event says so, and `claim` pays it once the token
// accepts. Version 1 paid both in one call, so a token refusing one side froze both.
// Also here: claim's errors, and what a refusal does to the single-payee calls
// (withdraw, settle-htlc: the call fails whole and can be retried). I1 is checked after
// every step: holdings = channel totals + unpaid.
import { beforeEach, describe, expect, it } from 'vitest';
import { Cl } from '@stacks/transactions';
import {
  Action, ERR, ERR_TOKEN_BLOCKED, TEST_TOKEN, WINDOW, alice, bob, callClaim, callId, callSettle, callWithState, carol,
  deployFixture, expectConservation, expectErr, fundedChannel, hex, mallory, printEvents, record, reveal, secretPair,
  setBlocked, sign, state, Status, tenureHeight, tokenBalance, toHex, unpaid, type Channel,
} from './helpers.js';

let TOKEN: string;
beforeEach(() => {
  TOKEN = deployFixture('block-token');
});

const block = (who: string) => setBlocked(who, true);
const unblock = (who: string) => setBlocked(who, false);
const held = (...who: string[]) => who.map((w) => tokenBalance(TOKEN, w));
const pay = (ch: Channel, nonce: bigint, balanceA: bigint, balanceB: bigint, action: 0 | 1 = Action.Transfer) =>
  sign(ch, state(ch, { nonce, balanceA, balanceB, action }));

describe('close-channel and resolve pay each side separately', () => {
  it('attack: a token refusing participant-a\'s payout cannot hold back participant-b\'s (close-channel)', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n, { token: TOKEN });
    block(alice);
    const [a0, b0] = held(alice, bob);
    const r = callWithState('close-channel', ch, pay(ch, 2n, 70n, 130n, Action.Close), bob);
    expect(r.result).toBeOk(Cl.uint(2));
    expect(held(alice, bob)).toEqual([a0, b0 + 130n]);
    expect([unpaid(ch, alice), unpaid(ch, bob)]).toEqual([70n, 0n]);
    const events = printEvents(r.events as never);
    expect(events.map((e) => e.event)).toEqual(['close-channel', 'payout-refused']);
    expect(events[1]).toEqual({ event: 'payout-refused', 'channel-id': toHex(ch.id), owner: alice, amount: 70n });
    expect(record(ch)).toMatchObject({ status: Status.Closed, total: 0n });
    expectConservation(TOKEN, [ch]);

    // claim fails while the token still refuses, and changes nothing
    const c1 = callClaim(ch, alice, carol);
    expectErr(c1.result, ERR_TOKEN_BLOCKED);
    expect(unpaid(ch, alice)).toBe(70n);
    expect(held(alice)).toEqual([a0]);
    expectConservation(TOKEN, [ch]);

    // once the token accepts, anyone's claim pays the owner (never the caller)
    unblock(alice);
    const [c0] = held(carol);
    const c2 = callClaim(ch, alice, carol);
    expect(c2.result).toBeOk(Cl.uint(70));
    expect(held(alice, carol)).toEqual([a0 + 70n, c0]);
    expect(unpaid(ch, alice)).toBe(0n);
    expect(printEvents(c2.events as never)).toEqual([{ event: 'claim', 'channel-id': toHex(ch.id), owner: alice, amount: 70n }]);
    expectConservation(TOKEN, [ch]);
    // and only once
    expectErr(callClaim(ch, alice, carol).result, ERR.NOTHING_OWED);
  });

  it('attack: a token refusing the honest side\'s payout at resolve cannot hold back the other side, and the penalty stands (resolve)', () => {
    // Alice closes with a revoked state and is marked cheater; at resolve the token blocks
    // Bob, who is owed everything: Alice gets nothing, Bob's 200 waits for him.
    const { ch } = fundedChannel(alice, bob, 100n, 100n, { token: TOKEN });
    callWithState('initiate-dispute', ch, pay(ch, 2n, 150n, 50n), alice);
    callWithState('challenge', ch, pay(ch, 3n, 120n, 80n), bob);
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    block(bob);
    const [a0, b0] = held(alice, bob);
    const r = callId('resolve', ch, carol);
    expect(r.result).toBeOk(Cl.uint(3));
    expect(held(alice, bob)).toEqual([a0, b0]);
    expect([unpaid(ch, alice), unpaid(ch, bob)]).toEqual([0n, 200n]);
    expect(printEvents(r.events as never).map((e) => e.event)).toEqual(['resolve', 'payout-refused']);
    expectConservation(TOKEN, [ch]);
    expectErr(callClaim(ch, bob, bob).result, ERR_TOKEN_BLOCKED);
    unblock(bob);
    expect(callClaim(ch, bob, mallory).result).toBeOk(Cl.uint(200));
    expect(held(bob)).toEqual([b0 + 200n]);
    expectConservation(TOKEN, [ch]);
  });

  it('a refused participant-b payout at resolve does not hold back participant-a', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n, { token: TOKEN });
    callWithState('initiate-dispute', ch, pay(ch, 2n, 60n, 140n), alice);
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    block(bob);
    const [a0] = held(alice);
    expect(callId('resolve', ch, carol).result).toBeOk(Cl.uint(2));
    expect(held(alice)).toEqual([a0 + 60n]);
    expect([unpaid(ch, alice), unpaid(ch, bob)]).toEqual([0n, 140n]);
    expectConservation(TOKEN, [ch]);
  });

  it('refused payouts of several channels are held and claimed apart', () => {
    const one = fundedChannel(alice, bob, 100n, 100n, { token: TOKEN }).ch;
    const two = fundedChannel(alice, carol, 50n, 50n, { token: TOKEN }).ch;
    block(alice);
    callWithState('close-channel', one, pay(one, 2n, 70n, 130n, Action.Close), bob);
    callWithState('close-channel', two, pay(two, 2n, 40n, 60n, Action.Close), carol);
    expect([unpaid(one, alice), unpaid(two, alice)]).toEqual([70n, 40n]);
    expectConservation(TOKEN, [one, two]);
    unblock(alice);
    expect(callClaim(two, alice, alice).result).toBeOk(Cl.uint(40));
    expect([unpaid(one, alice), unpaid(two, alice)]).toEqual([70n, 0n]);
    expectConservation(TOKEN, [one, two]);
  });
});

describe('claim', () => {
  it('ERR-NOTHING-OWED when nothing waits: an open channel, a paid participant, an outsider', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n, { token: TOKEN });
    expectErr(callClaim(ch, alice, alice).result, ERR.NOTHING_OWED);
    callWithState('close-channel', ch, pay(ch, 2n, 70n, 130n, Action.Close), bob);
    expectErr(callClaim(ch, bob, bob).result, ERR.NOTHING_OWED);
    expectErr(callClaim(ch, mallory, mallory).result, ERR.NOTHING_OWED);
    expect(unpaid(ch, mallory)).toBe(0n);
  });

  it('ERR-WRONG-TOKEN: a claim in another token is an error, never a transfer; ERR-UNKNOWN-CHANNEL', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n, { token: TOKEN });
    block(alice);
    callWithState('close-channel', ch, pay(ch, 2n, 70n, 130n, Action.Close), bob);
    unblock(alice);
    expectErr(callClaim(ch, alice, alice, null).result, ERR.WRONG_TOKEN);
    expectErr(callClaim(ch, alice, alice, TEST_TOKEN).result, ERR.WRONG_TOKEN);
    expect(unpaid(ch, alice)).toBe(70n);
    expectErr(callClaim({ ...ch, id: hex('ef'.repeat(32)) }, alice, alice).result, ERR.UNKNOWN_CHANNEL);
    expect(callClaim(ch, alice, alice).result).toBeOk(Cl.uint(70));
    expectConservation(TOKEN, [ch]);
  });
});

describe('single-payee calls fail whole when the token refuses', () => {
  it('a withdraw the token refuses moves nothing and keeps the floor; it lands once the token accepts', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n, { token: TOKEN });
    const wd = sign(ch, state(ch, { nonce: 2n, balanceA: 100n, balanceB: 60n, action: Action.Withdraw, actor: bob, amount: 40n }));
    block(bob);
    const before = record(ch);
    expectErr(callWithState('withdraw', ch, wd, alice).result, ERR_TOKEN_BLOCKED);
    expect(record(ch)).toEqual(before);
    expect(unpaid(ch, bob)).toBe(0n);
    unblock(bob);
    expect(callWithState('withdraw', ch, wd, alice).result).toBeOk(Cl.uint(2));
    expectConservation(TOKEN, [ch]);
  });

  it('an HTLC payout the token refuses stays unsettled and settles once the token accepts', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n, { token: TOKEN });
    const { secret, hash } = secretPair(31);
    const close = sign(ch, state(ch, { nonce: 2n, balanceA: 70n, balanceB: 100n, action: Action.Close, htlcs: [{ hash, amount: 30n, expiry: tenureHeight() + 20n, offeredByA: true }] }));
    callWithState('close-channel', ch, close, alice);
    reveal(secret);
    block(bob);
    expectErr(callSettle(ch, 0, carol).result, ERR_TOKEN_BLOCKED);
    expect(simnet.callReadOnlyFn(ch.contract, 'is-htlc-settled', [Cl.buffer(ch.id), Cl.uint(0)], carol).result).toBeBool(false);
    expect(record(ch)?.total).toBe(30n);
    unblock(bob);
    expect(callSettle(ch, 0, carol).result).toBeOk(Cl.principal(bob));
    expectConservation(TOKEN, [ch]);
  });
});
