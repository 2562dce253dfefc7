// update-balance, verify-payment, close-channel, initiate-dispute, emergency-close,
// challenge and resolve: checkpoints, closes and the dispute engine with its penalty.
import { describe, expect, it } from 'vitest';
import { Cl } from '@stacks/transactions';
import {
  Action, CHANNEL, ERR, MAX_UINT, SBTC, TEST_TOKEN, WINDOW, alice, balanceOf, bob, callId, callWithState, carol,
  expectErr, fundedChannel, mallory, open, printEvent, record, sign, state, Status, stxBalance, verify, burnHeight,
  type Channel,
} from './helpers.js';

const pay = (ch: Channel, nonce: bigint, balanceA: bigint, balanceB: bigint, action: number = Action.Transfer) =>
  sign(ch, state(ch, { nonce, balanceA, balanceB, action: action as 0 }));

describe('update-balance', () => {
  it('stores a co-signed transfer state as the checkpoint and floor', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const r = callWithState('update-balance', ch, pay(ch, 5n, 70n, 130n), alice);
    expect(r.result).toBeOk(Cl.uint(5));
    expect(record(ch)).toMatchObject({ nonce: 5n, 'balance-a': 70n, 'balance-b': 130n, total: 200n, status: Status.Open });
    expect(printEvent(r.events as never)).toMatchObject({ event: 'update-balance', nonce: 5n, 'balance-a': 70n, 'balance-b': 130n });
  });

  it('ERR-STALE-NONCE: a state at or below the floor', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    callWithState('update-balance', ch, pay(ch, 5n, 70n, 130n), alice);
    expectErr(callWithState('update-balance', ch, pay(ch, 5n, 100n, 100n), alice).result, ERR.STALE_NONCE);
    expectErr(callWithState('update-balance', ch, pay(ch, 4n, 100n, 100n), alice).result, ERR.STALE_NONCE);
  });

  it('a floor at max-uint refuses every floor-moving state with ERR-STALE-NONCE, not an overflow', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    expect(callWithState('update-balance', ch, pay(ch, MAX_UINT, 70n, 130n), alice).result).toBeOk(Cl.uint(MAX_UINT));
    expectErr(callWithState('update-balance', ch, pay(ch, MAX_UINT, 60n, 140n), alice).result, ERR.STALE_NONCE);
    const wd = sign(ch, state(ch, { nonce: MAX_UINT, balanceA: 70n, balanceB: 30n, action: Action.Withdraw, actor: bob, amount: 100n }));
    expectErr(callWithState('withdraw', ch, wd, bob).result, ERR.STALE_NONCE);
    // closing from the floor still works
    expect(callWithState('close-channel', ch, pay(ch, MAX_UINT, 70n, 130n, Action.Close), alice).result).toBeOk(Cl.uint(MAX_UINT));
  });

  it('ERR-WRONG-ACTION: a close state is no checkpoint', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    expectErr(callWithState('update-balance', ch, pay(ch, 2n, 70n, 130n, Action.Close), alice).result, ERR.WRONG_ACTION);
  });

  it('ERR-SUM-MISMATCH, including balances that would overflow a naive sum', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    expectErr(callWithState('update-balance', ch, pay(ch, 2n, 70n, 131n), alice).result, ERR.SUM_MISMATCH);
    expectErr(callWithState('update-balance', ch, pay(ch, 2n, MAX_UINT, MAX_UINT), alice).result, ERR.SUM_MISMATCH);
    expectErr(callWithState('update-balance', ch, pay(ch, 2n, MAX_UINT, 201n), alice).result, ERR.SUM_MISMATCH);
  });

  it('ERR-NOT-PARTICIPANT and ERR-NOT-OPEN', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    expectErr(callWithState('update-balance', ch, pay(ch, 2n, 70n, 130n), mallory).result, ERR.NOT_PARTICIPANT);
    callId('emergency-close', ch, alice);
    expectErr(callWithState('update-balance', ch, pay(ch, 2n, 70n, 130n), alice).result, ERR.NOT_OPEN);
  });
});

describe('verify-payment', () => {
  it('says what a valid state pays whom', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    expect(verify(ch, pay(ch, 2n, 70n, 130n))).toBeOk(
      Cl.tuple({
        'participant-a': Cl.principal(alice), 'pays-a': Cl.uint(70), 'participant-b': Cl.principal(bob),
        'pays-b': Cl.uint(130), 'htlc-total': Cl.uint(0),
      }),
    );
  });

  it('checks deposits and withdrawals against the escrow they would produce', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const dep = sign(ch, state(ch, { nonce: 2n, balanceA: 150n, balanceB: 100n, action: Action.Deposit, actor: alice, amount: 50n }));
    expect(verify(ch, dep).type).toBe('ok');
    const wd = sign(ch, state(ch, { nonce: 2n, balanceA: 50n, balanceB: 100n, action: Action.Withdraw, actor: alice, amount: 50n }));
    expect(verify(ch, wd).type).toBe('ok');
    const big = sign(ch, state(ch, { nonce: 2n, balanceA: 0n, balanceB: 0n, action: Action.Withdraw, actor: alice, amount: 201n }));
    expectErr(verify(ch, big), ERR.AMOUNT_EXCEEDS_TOTAL);
    const over = sign(ch, state(ch, { nonce: 2n, balanceA: MAX_UINT, balanceB: 0n, action: Action.Deposit, actor: alice, amount: MAX_UINT }));
    expectErr(verify(ch, over), ERR.AMOUNT_OVERFLOW);
    const floorDeposit = sign(ch, state(ch, { nonce: 1n, balanceA: 150n, balanceB: 100n, action: Action.Deposit, actor: alice, amount: 50n }));
    expectErr(verify(ch, floorDeposit), ERR.STALE_NONCE);
  });

  it('refuses unknown actions, bad sums, stale nonces, other keys, unknown channels', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    expectErr(verify(ch, pay(ch, 2n, 70n, 130n, 4)), ERR.WRONG_ACTION);
    expectErr(verify(ch, pay(ch, 2n, 70n, 129n)), ERR.SUM_MISMATCH);
    expectErr(verify(ch, pay(ch, 0n, 100n, 100n)), ERR.STALE_NONCE);
    const other = { ...ch, b: carol };
    expectErr(verify(ch, pay(other, 2n, 70n, 130n)), ERR.SIGNATURE_B);
    const ghost = { ...ch, id: new Uint8Array(32) };
    expectErr(verify(ghost, pay(ghost, 2n, 70n, 130n)), ERR.UNKNOWN_CHANNEL);
  });
});

describe('close-channel', () => {
  it('pays both balances at once and finalises', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const [a0, b0] = [stxBalance(alice), stxBalance(bob)];
    const r = callWithState('close-channel', ch, pay(ch, 9n, 30n, 170n, Action.Close), bob);
    expect(r.result).toBeOk(Cl.uint(9));
    expect([stxBalance(alice) - a0, stxBalance(bob) - b0]).toEqual([30n, 170n]);
    expect(record(ch)).toMatchObject({ status: Status.Closed, total: 0n, nonce: 9n, closer: bob, cheater: null });
    expect(printEvent(r.events as never)).toMatchObject({ event: 'close-channel', status: Status.Closed, 'balance-a': 30n, 'balance-b': 170n, total: 0n });
  });

  it('skips a zero payout', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n, { token: TEST_TOKEN });
    const b0 = balanceOf(ch, bob);
    const r = callWithState('close-channel', ch, pay(ch, 2n, 0n, 200n, Action.Close), alice);
    expect(r.result).toBeOk(Cl.uint(2));
    expect(balanceOf(ch, bob) - b0).toBe(200n);
    expect(r.events.filter((e) => e.event === 'ft_transfer_event')).toHaveLength(1);
  });

  it('ERR-WRONG-ACTION: a transfer state can never close at once', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    expectErr(callWithState('close-channel', ch, pay(ch, 2n, 70n, 130n), alice).result, ERR.WRONG_ACTION);
  });

  it('ERR-STALE-NONCE: a close state below the floor', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    callWithState('update-balance', ch, pay(ch, 5n, 70n, 130n), alice);
    expectErr(callWithState('close-channel', ch, pay(ch, 4n, 100n, 100n, Action.Close), alice).result, ERR.STALE_NONCE);
  });

  it('ERR-NOT-PARTICIPANT, ERR-WRONG-TOKEN, ERR-NOT-OPEN', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const s = pay(ch, 2n, 70n, 130n, Action.Close);
    expectErr(callWithState('close-channel', ch, s, mallory).result, ERR.NOT_PARTICIPANT);
    expectErr(callWithState('close-channel', ch, s, alice, { token: SBTC }).result, ERR.WRONG_TOKEN);
    expect(callWithState('close-channel', ch, s, alice).result.type).toBe('ok');
    expectErr(callWithState('close-channel', ch, s, alice).result, ERR.NOT_OPEN);
  });
});

describe('initiate-dispute and emergency-close', () => {
  it('initiate-dispute starts the window with the caller\'s newest state', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const h = burnHeight();
    const r = callWithState('initiate-dispute', ch, pay(ch, 4n, 60n, 140n), bob);
    expect(r.result).toBeOk(Cl.uint(h + WINDOW));
    expect(record(ch)).toMatchObject({ status: Status.Closing, nonce: 4n, closer: bob, 'deadline-burn': h + WINDOW });
    expect(printEvent(r.events as never)).toMatchObject({
      event: 'initiate-dispute', status: Status.Closing, nonce: 4n, 'deadline-burn': h + WINDOW, closer: bob, penalty: false,
    });
  });

  it('initiate-dispute accepts a co-signed close state too', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    expect(callWithState('initiate-dispute', ch, pay(ch, 4n, 60n, 140n, Action.Close), alice).result.type).toBe('ok');
  });

  it('initiate-dispute: ERR-NOT-PARTICIPANT, ERR-STALE-NONCE, ERR-WRONG-ACTION, ERR-SUM-MISMATCH, ERR-NOT-OPEN', () => {
    const { ch, funding } = fundedChannel(alice, bob, 100n, 100n);
    callWithState('update-balance', ch, pay(ch, 3n, 90n, 110n), alice);
    expectErr(callWithState('initiate-dispute', ch, pay(ch, 4n, 60n, 140n), mallory).result, ERR.NOT_PARTICIPANT);
    expectErr(callWithState('initiate-dispute', ch, pay(ch, 2n, 60n, 140n), alice).result, ERR.STALE_NONCE);
    expectErr(callWithState('initiate-dispute', ch, funding, alice).result, ERR.WRONG_ACTION);
    expectErr(callWithState('initiate-dispute', ch, pay(ch, 4n, 60n, 141n), alice).result, ERR.SUM_MISMATCH);
    expect(callWithState('initiate-dispute', ch, pay(ch, 3n, 90n, 110n), alice).result.type).toBe('ok');
    expectErr(callWithState('initiate-dispute', ch, pay(ch, 4n, 60n, 140n), bob).result, ERR.NOT_OPEN);
  });

  it('emergency-close closes from the last checkpoint when the counterparty never signed', () => {
    const ch = fundedChannel(alice, bob, 100n, 100n).ch;
    callWithState('update-balance', ch, pay(ch, 3n, 90n, 110n), bob);
    const r = callId('emergency-close', ch, alice);
    expect(r.result.type).toBe('ok');
    expect(record(ch)).toMatchObject({ status: Status.Closing, nonce: 3n, 'balance-a': 90n, 'balance-b': 110n, closer: alice });
    expect(printEvent(r.events as never)).toMatchObject({ event: 'emergency-close', nonce: 3n, closer: alice });
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    const [a0, b0] = [stxBalance(alice), stxBalance(bob)];
    expect(callId('resolve', ch, carol).result).toBeOk(Cl.uint(3));
    expect([stxBalance(alice) - a0, stxBalance(bob) - b0]).toEqual([90n, 110n]);
  });

  it('emergency-close right after opening returns the creator\'s deposit', () => {
    const ch = open(alice, bob, 100n);
    const a0 = stxBalance(alice);
    callId('emergency-close', ch, bob);
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    expect(callId('resolve', ch, bob).result.type).toBe('ok');
    expect(stxBalance(alice) - a0).toBe(100n);
  });

  it('emergency-close: ERR-NOT-PARTICIPANT, ERR-UNKNOWN-CHANNEL, ERR-NOT-OPEN', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    expectErr(callId('emergency-close', ch, mallory).result, ERR.NOT_PARTICIPANT);
    expectErr(callId('emergency-close', { ...ch, id: new Uint8Array(32).fill(7) }, alice).result, ERR.UNKNOWN_CHANNEL);
    callId('emergency-close', ch, alice);
    expectErr(callId('emergency-close', ch, bob).result, ERR.NOT_OPEN);
  });
});

describe('challenge and resolve', () => {
  it('attack: stale close answered by challenge, penalty applied at resolve', () => {
    // Bob received 60 (state 3) then paid back 50 (state 4, Bob signed last): Bob closes with 3.
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const stale = pay(ch, 3n, 40n, 160n);
    const newest = pay(ch, 4n, 90n, 110n);
    expect(callWithState('initiate-dispute', ch, stale, bob).result.type).toBe('ok');
    const r = callWithState('challenge', ch, newest, alice);
    expect(r.result).toBeOk(Cl.uint(4));
    expect(record(ch)).toMatchObject({ nonce: 4n, cheater: bob, status: Status.Closing });
    expect(printEvent(r.events as never)).toMatchObject({ event: 'challenge', nonce: 4n, penalty: true, cheater: bob, closer: bob });
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    const [a0, b0] = [stxBalance(alice), stxBalance(bob)];
    const res = callId('resolve', ch, alice);
    expect(res.result).toBeOk(Cl.uint(4));
    expect([stxBalance(alice) - a0, stxBalance(bob) - b0]).toEqual([200n, 0n]);
    expect(printEvent(res.events as never)).toMatchObject({ event: 'resolve', status: Status.Closed, penalty: true, total: 0n });
  });

  it('honest race: a receiver who closes with the previous state is not penalised', () => {
    // Alice pays Bob 10: Bob signed state 5 first; Alice has not sent her signature yet,
    // so Bob holds only state 4 and closes with it. Alice (who holds 5) challenges.
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    callWithState('initiate-dispute', ch, pay(ch, 4n, 80n, 120n), bob);
    expect(callWithState('challenge', ch, pay(ch, 5n, 70n, 130n), alice).result).toBeOk(Cl.uint(5));
    expect(record(ch)?.cheater).toBeNull();
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    const [a0, b0] = [stxBalance(alice), stxBalance(bob)];
    callId('resolve', ch, bob);
    expect([stxBalance(alice) - a0, stxBalance(bob) - b0]).toEqual([70n, 130n]);
  });

  it('the cheater mark survives a later challenge', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    callWithState('initiate-dispute', ch, pay(ch, 3n, 40n, 160n), bob);
    callWithState('challenge', ch, pay(ch, 4n, 90n, 110n), alice);
    expect(callWithState('challenge', ch, pay(ch, 5n, 80n, 120n), bob).result).toBeOk(Cl.uint(5));
    expect(record(ch)?.cheater).toBe(bob);
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    const a0 = stxBalance(alice);
    callId('resolve', ch, bob);
    expect(stxBalance(alice) - a0).toBe(200n);
  });

  it('an emergency close from a revoked checkpoint is penalised too', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    callWithState('update-balance', ch, pay(ch, 2n, 50n, 150n), bob);
    callId('emergency-close', ch, bob);
    callWithState('challenge', ch, pay(ch, 3n, 60n, 140n), alice);
    expect(record(ch)?.cheater).toBe(bob);
  });

  it('anyone (a watchtower) may challenge', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    callWithState('initiate-dispute', ch, pay(ch, 3n, 40n, 160n), bob);
    expect(callWithState('challenge', ch, pay(ch, 4n, 90n, 110n), carol).result).toBeOk(Cl.uint(4));
  });

  it('challenge: ERR-STALE-NONCE at or below the closing nonce, ERR-WRONG-ACTION, ERR-SIGNATURE-B', () => {
    const { ch, funding } = fundedChannel(alice, bob, 100n, 100n);
    callWithState('initiate-dispute', ch, pay(ch, 4n, 40n, 160n), bob);
    expectErr(callWithState('challenge', ch, pay(ch, 4n, 90n, 110n), alice).result, ERR.STALE_NONCE);
    expectErr(callWithState('challenge', ch, pay(ch, 3n, 90n, 110n), alice).result, ERR.STALE_NONCE);
    expectErr(callWithState('challenge', ch, { ...funding, state: { ...funding.state, nonce: 9n } }, alice).result, ERR.WRONG_ACTION);
    expectErr(callWithState('challenge', ch, sign(ch, state(ch, { nonce: 5n, balanceA: 90n, balanceB: 110n }), { keyB: new Uint8Array(32).fill(9) }), alice).result, ERR.SIGNATURE_B);
  });

  it('challenge: ERR-WINDOW-ENDED after the deadline', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    callWithState('initiate-dispute', ch, pay(ch, 3n, 40n, 160n), bob);
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    expectErr(callWithState('challenge', ch, pay(ch, 4n, 90n, 110n), alice).result, ERR.WINDOW_ENDED);
  });

  it('challenge: ERR-NOT-CLOSING on an open or closed channel, ERR-UNKNOWN-CHANNEL', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    expectErr(callWithState('challenge', ch, pay(ch, 4n, 90n, 110n), alice).result, ERR.NOT_CLOSING);
    callWithState('close-channel', ch, pay(ch, 3n, 100n, 100n, Action.Close), alice);
    expectErr(callWithState('challenge', ch, pay(ch, 4n, 90n, 110n), alice).result, ERR.NOT_CLOSING);
    const ghost = { ...ch, id: new Uint8Array(32).fill(3) };
    expectErr(callWithState('challenge', ghost, pay(ghost, 4n, 90n, 110n), alice).result, ERR.UNKNOWN_CHANNEL);
  });

  it('resolve: ERR-WINDOW-OPEN before the deadline; Stacks blocks alone do not end the window', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    callWithState('initiate-dispute', ch, pay(ch, 3n, 40n, 160n), bob);
    expectErr(callId('resolve', ch, alice).result, ERR.WINDOW_OPEN);
    simnet.mineEmptyStacksBlocks(50);
    expectErr(callId('resolve', ch, alice).result, ERR.WINDOW_OPEN);
    simnet.mineEmptyBurnBlocks(Number(WINDOW) - 1);
    expectErr(callId('resolve', ch, alice).result, ERR.WINDOW_OPEN);
    expect(simnet.callReadOnlyFn(CHANNEL, 'is-window-ended', [Cl.buffer(ch.id)], alice).result).toBeBool(false);
    simnet.mineEmptyBurnBlocks(1);
    expect(simnet.callReadOnlyFn(CHANNEL, 'is-window-ended', [Cl.buffer(ch.id)], alice).result).toBeBool(true);
    expect(callId('resolve', ch, alice).result.type).toBe('ok');
  });

  it('resolve: ERR-NOT-CLOSING, ERR-UNKNOWN-CHANNEL, ERR-WRONG-TOKEN', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n, { token: SBTC });
    expectErr(callId('resolve', ch, alice).result, ERR.NOT_CLOSING);
    expectErr(callId('resolve', { ...ch, id: new Uint8Array(32).fill(4) }, alice).result, ERR.UNKNOWN_CHANNEL);
    callId('emergency-close', ch, alice);
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    expectErr(callId('resolve', ch, alice, { token: null }).result, ERR.WRONG_TOKEN);
    expectErr(callId('resolve', ch, alice, { token: TEST_TOKEN }).result, ERR.WRONG_TOKEN);
    const b0 = balanceOf(ch, bob);
    expect(callId('resolve', ch, alice).result.type).toBe('ok');
    expect(balanceOf(ch, bob) - b0).toBe(100n);
    expectErr(callId('resolve', ch, alice).result, ERR.NOT_CLOSING);
  });
});
