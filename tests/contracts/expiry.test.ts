// Rules 2 and 3 of PROTOCOL v2 (§3 item 4, §4.3): chain states land or lapse. A close,
// deposit or withdraw state is usable for its action up to and including burn height
// `valid-until`, and never after (ERR-STATE-EXPIRED), so a state that did not land can be
// abandoned; an expired close state still counts as a closing state for
// initiate-dispute and challenge. Either participant may land a withdraw (it pays the
// actor), so a withdrawer who withholds one cannot stall the other side. And I3 in both
// orders: a chain state that lands first fences off every older state; a close that
// lands first makes the chain state fail with nothing moved, and resolve pays each side
// what the state before it says (the withdrawer's withdrawal as balance, the depositor
// nothing it did not pay). Version 1 had no valid-until: a co-signed close paid out
// whenever it was submitted, even after later payments.
import { describe, expect, it } from 'vitest';
import { Cl } from '@stacks/transactions';
import {
  Action, ERR, WINDOW, alice, bob, burnHeight, callId, callWithState, carol, expectConservation, expectErr,
  fundedChannel, record, sign, state, Status, stxBalance, type Channel, type ChannelState, sampleState,
} from './helpers.js';

type Fn = 'close-channel' | 'fund-channel' | 'withdraw';

/** A chain state for `fn` on a channel funded 100/100 at nonce 1, landable until `validUntil`. */
const chainState = (ch: Channel, fn: Fn, validUntil: bigint): ChannelState => sampleState(ch, fn, { validUntil });

describe('a close, deposit or withdraw state lands by its valid-until or never', () => {
  for (const fn of ['close-channel', 'fund-channel', 'withdraw'] as const) {
    it(`${fn}: taken at burn height valid-until`, () => {
      const { ch } = fundedChannel(alice, bob, 100n, 100n);
      const s = sign(ch, chainState(ch, fn, burnHeight() + 3n));
      simnet.mineEmptyBurnBlocks(3);
      expect(burnHeight()).toBe(s.state.validUntil);
      expect(callWithState(fn, ch, s, bob).result).toBeOk(Cl.uint(2));
    });

    it(`attack: ${fn} with a state one burn block past its valid-until (ERR-STATE-EXPIRED, nothing moves)`, () => {
      const { ch } = fundedChannel(alice, bob, 100n, 100n);
      const s = sign(ch, chainState(ch, fn, burnHeight() + 3n));
      simnet.mineEmptyBurnBlocks(4);
      const before = { record: record(ch), a: stxBalance(alice), b: stxBalance(bob) };
      expectErr(callWithState(fn, ch, s, bob).result, ERR.STATE_EXPIRED);
      expect({ record: record(ch), a: stxBalance(alice), b: stxBalance(bob) }).toEqual(before);
    });
  }

  it('attack: a stale cooperative close submitted after later payments (the v1 replay) has lapsed', () => {
    // Alice and Bob agreed to close at 150/50, did not submit, and kept paying: Alice now
    // owes Bob more. Alice submits the old close once it lapsed: refused.
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const oldClose = sign(ch, state(ch, { nonce: 2n, balanceA: 150n, balanceB: 50n, action: Action.Close, validUntil: burnHeight() + 2n }));
    simnet.mineEmptyBurnBlocks(3);
    const newer = sign(ch, state(ch, { nonce: 3n, balanceA: 40n, balanceB: 160n }));
    expectErr(callWithState('close-channel', ch, oldClose, alice).result, ERR.STATE_EXPIRED);
    expect(callWithState('update-balance', ch, newer, bob).result).toBeOk(Cl.uint(3));
  });

  it('an expired close state still closes unilaterally: initiate-dispute and challenge take it', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const lapsed2 = sign(ch, state(ch, { nonce: 2n, balanceA: 90n, balanceB: 110n, action: Action.Close, validUntil: burnHeight() }));
    const lapsed3 = sign(ch, state(ch, { nonce: 3n, balanceA: 80n, balanceB: 120n, action: Action.Close, validUntil: burnHeight() }));
    simnet.mineEmptyBurnBlocks(2);
    expectErr(callWithState('close-channel', ch, lapsed3, bob).result, ERR.STATE_EXPIRED);
    expect(callWithState('initiate-dispute', ch, lapsed2, alice).result.type).toBe('ok');
    expect(callWithState('challenge', ch, lapsed3, bob).result).toBeOk(Cl.uint(3));
    expect(record(ch)).toMatchObject({ status: Status.Closing, nonce: 3n, 'balance-a': 80n, 'balance-b': 120n });
  });

  it('attack: a withdrawer withholds its co-signed withdraw to stall the channel; the other participant lands it and it pays the actor', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const wd = sign(ch, state(ch, { nonce: 2n, balanceA: 100n, balanceB: 60n, action: Action.Withdraw, actor: bob, amount: 40n }));
    const [a0, b0] = [stxBalance(alice), stxBalance(bob)];
    expect(callWithState('withdraw', ch, wd, alice).result).toBeOk(Cl.uint(2));
    expect([stxBalance(alice) - a0, stxBalance(bob) - b0]).toEqual([0n, 40n]);
    expect(record(ch)).toMatchObject({ nonce: 2n, total: 160n, 'balance-b': 60n, status: Status.Open });
    // the channel goes on from the landed withdraw
    expect(callWithState('update-balance', ch, sign(ch, state(ch, { nonce: 3n, balanceA: 90n, balanceB: 70n })), alice).result).toBeOk(Cl.uint(3));
  });

  it('a withdraw left to lapse is abandoned: both continue from the state before it, and it never lands', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const wd = sign(ch, state(ch, { nonce: 2n, balanceA: 100n, balanceB: 60n, action: Action.Withdraw, actor: bob, amount: 40n, validUntil: burnHeight() + 1n }));
    simnet.mineEmptyBurnBlocks(2);
    // state 3: the balances of state 1, the withdrawal never happened
    expect(callWithState('update-balance', ch, sign(ch, state(ch, { nonce: 3n, balanceA: 100n, balanceB: 100n })), alice).result).toBeOk(Cl.uint(3));
    expectErr(callWithState('withdraw', ch, wd, bob).result, ERR.STATE_EXPIRED);
    expect(record(ch)?.total).toBe(200n);
  });
});

describe('I3: no one loses by a chain state, whichever lands first', () => {
  // The running example: funded 100/100 (state 1); Alice pays Bob 20 (state 2, 80/120);
  // then a chain state 3 for Bob: withdraw 50 (80/70) or deposit 50 (80/170).
  const setup = () => {
    const a0 = stxBalance(alice);
    const b0 = stxBalance(bob);
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const s2 = sign(ch, state(ch, { nonce: 2n, balanceA: 80n, balanceB: 120n }));
    const withdraw = sign(ch, state(ch, { nonce: 3n, balanceA: 80n, balanceB: 70n, action: Action.Withdraw, actor: bob, amount: 50n }));
    const deposit = sign(ch, state(ch, { nonce: 3n, balanceA: 80n, balanceB: 170n, action: Action.Deposit, actor: bob, amount: 50n }));
    /** what each side gained overall since before the channel */
    const net = () => [stxBalance(alice) - a0, stxBalance(bob) - b0];
    return { ch, s2, withdraw, deposit, net };
  };

  /** Close from the checkpoint and let the window pass: each side gets the landed state. */
  const closeAndResolve = (ch: Channel, closer: string, nonce: bigint) => {
    expect(callId('emergency-close', ch, closer).result.type).toBe('ok');
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    expect(callId('resolve', ch, carol).result).toBeOk(Cl.uint(nonce));
  };

  it('attack: after Bob\'s withdraw lands, Alice closes with the older state 2 (refused as stale; Bob keeps the withdrawal and his balance)', () => {
    const { ch, s2, withdraw, net } = setup();
    expect(callWithState('withdraw', ch, withdraw, bob).result).toBeOk(Cl.uint(3));
    expectErr(callWithState('initiate-dispute', ch, s2, alice).result, ERR.STALE_NONCE);
    expectErr(callWithState('update-balance', ch, s2, alice).result, ERR.STALE_NONCE);
    const close2 = sign(ch, state(ch, { nonce: 2n, balanceA: 80n, balanceB: 120n, action: Action.Close }));
    expectErr(callWithState('close-channel', ch, close2, alice).result, ERR.STALE_NONCE);
    closeAndResolve(ch, bob, 3n);
    // Bob: withdrew 50, then 70 at resolve = his 120 of state 2; Alice her 80
    expect(net()).toEqual([-20n, 20n]);
    expectConservation(null, [ch]);
  });

  it('attack: Alice races a close (state 2) in before Bob\'s withdraw lands (the withdraw fails, nothing moves; Bob gets the withdrawal as balance)', () => {
    const { ch, s2, withdraw, net } = setup();
    expect(callWithState('initiate-dispute', ch, s2, alice).result.type).toBe('ok');
    const mid = net();
    expectErr(callWithState('withdraw', ch, withdraw, bob).result, ERR.NOT_OPEN);
    expect(net()).toEqual(mid);
    expect(record(ch)).toMatchObject({ total: 200n, nonce: 2n, status: Status.Closing });
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    expect(callId('resolve', ch, carol).result).toBeOk(Cl.uint(2));
    expect(net()).toEqual([-20n, 20n]);
    expect(record(ch)?.cheater).toBe(0n);
    expectConservation(null, [ch]);
  });

  it('attack: after Bob\'s deposit lands, Alice closes with the older state 2 (refused as stale; Bob\'s deposit stays his)', () => {
    const { ch, s2, deposit, net } = setup();
    expect(callWithState('fund-channel', ch, deposit, bob).result).toBeOk(Cl.uint(3));
    expectErr(callWithState('initiate-dispute', ch, s2, alice).result, ERR.STALE_NONCE);
    expectErr(callWithState('update-balance', ch, s2, alice).result, ERR.STALE_NONCE);
    closeAndResolve(ch, alice, 3n);
    expect(net()).toEqual([-20n, 20n]);
    expectConservation(null, [ch]);
  });

  it('attack: Alice races a close (state 2) in before Bob\'s deposit lands (the deposit fails and takes nothing; Bob is owed nothing he did not pay)', () => {
    const { ch, s2, deposit, net } = setup();
    expect(callWithState('initiate-dispute', ch, s2, alice).result.type).toBe('ok');
    const mid = net();
    expectErr(callWithState('fund-channel', ch, deposit, bob).result, ERR.NOT_OPEN);
    expect(net()).toEqual(mid);
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    expect(callId('resolve', ch, carol).result).toBeOk(Cl.uint(2));
    expect(net()).toEqual([-20n, 20n]);
    expectConservation(null, [ch]);
  });
});
