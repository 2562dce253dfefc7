// update-balance, verify-payment, close-channel, initiate-dispute, emergency-close,
// challenge and resolve: checkpoints, closes and the dispute engine with its penalty
// (PROTOCOL v2 §6), each with every error it can return. The owed-based penalty rule
// is exercised exhaustively in penalty.test.ts, expiry of close states in expiry.test.ts.
import { describe, expect, it } from 'vitest';
import { Cl } from '@stacks/transactions';
import {
  Action, CHANNEL, ERR, MAX_UINT, Party, SBTC, TEST_TOKEN, WINDOW, alice, balanceOf, bob, callId, callWithState, carol,
  expectErr, fundedChannel, mallory, open, printEvent, record, sign, state, Status, stxBalance, tenureHeight, toHex,
  verify, burnHeight, windowEnded, type Channel,
} from './helpers.js';

const pay = (ch: Channel, nonce: bigint, balanceA: bigint, balanceB: bigint, action: number = Action.Transfer) =>
  sign(ch, state(ch, { nonce, balanceA, balanceB, action: action as 0 }));

describe('update-balance', () => {
  it('stores a co-signed transfer state as the checkpoint and floor', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const r = callWithState('update-balance', ch, pay(ch, 5n, 70n, 130n), alice);
    expect(r.result).toBeOk(Cl.uint(5));
    expect(record(ch)).toMatchObject({ nonce: 5n, 'balance-a': 70n, 'balance-b': 130n, total: 200n, status: Status.Open });
    expect(printEvent(r.events as never)).toEqual({
      event: 'update-balance', 'channel-id': toHex(ch.id), total: 200n, status: Status.Open, nonce: 5n, 'balance-a': 70n,
      'balance-b': 130n, htlcs: [], 'htlc-count': 0n, closer: Party.Nobody, 'deadline-burn': 0n, 'deadline-tenure': 0n,
      cheater: Party.Nobody,
    });
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

  it('a close state is no checkpoint: rebuilt as a transfer, its signatures fail (ERR-SIGNATURE-A)', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    expectErr(callWithState('update-balance', ch, pay(ch, 2n, 70n, 130n, Action.Close), alice).result, ERR.SIGNATURE_A);
    expect(record(ch)?.nonce).toBe(1n);
  });

  it('ERR-SUM-MISMATCH, including balances that would overflow a naive sum', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    expectErr(callWithState('update-balance', ch, pay(ch, 2n, 70n, 131n), alice).result, ERR.SUM_MISMATCH);
    expectErr(callWithState('update-balance', ch, pay(ch, 2n, MAX_UINT, MAX_UINT), alice).result, ERR.SUM_MISMATCH);
    expectErr(callWithState('update-balance', ch, pay(ch, 2n, MAX_UINT, 201n), alice).result, ERR.SUM_MISMATCH);
  });

  it('ERR-NOT-PARTICIPANT, ERR-NOT-OPEN, ERR-UNKNOWN-CHANNEL', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const ghost = { ...ch, id: new Uint8Array(32).fill(8) };
    expectErr(callWithState('update-balance', ghost, pay(ghost, 2n, 70n, 130n), alice).result, ERR.UNKNOWN_CHANNEL);
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

  it('refuses close, deposit and withdraw states after their valid-until (ERR-STATE-EXPIRED), never transfers', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const past = burnHeight() - 1n;
    expectErr(verify(ch, sign(ch, state(ch, { nonce: 2n, balanceA: 70n, balanceB: 130n, action: Action.Close, validUntil: past }))), ERR.STATE_EXPIRED);
    const dep = state(ch, { nonce: 2n, balanceA: 150n, balanceB: 100n, action: Action.Deposit, actor: alice, amount: 50n, validUntil: past });
    expectErr(verify(ch, sign(ch, dep)), ERR.STATE_EXPIRED);
    const wd = state(ch, { nonce: 2n, balanceA: 50n, balanceB: 100n, action: Action.Withdraw, actor: alice, amount: 50n, validUntil: past });
    expectErr(verify(ch, sign(ch, wd)), ERR.STATE_EXPIRED);
    // a transfer never expires: its valid-until is 0 by definition, at any height
    simnet.mineEmptyBurnBlocks(10);
    expect(verify(ch, pay(ch, 2n, 70n, 130n)).type).toBe('ok');
    // and, as update-balance rebuilds it, a transfer signed with another valid-until is not the one signed
    const odd = sign(ch, state(ch, { nonce: 2n, balanceA: 70n, balanceB: 130n, validUntil: past }));
    expectErr(verify(ch, odd), ERR.SIGNATURE_A);
    expectErr(callWithState('update-balance', ch, odd, alice).result, ERR.SIGNATURE_A);
  });

  it('ERR-NOT-OPEN once the channel is closing', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    callId('emergency-close', ch, alice);
    expectErr(verify(ch, pay(ch, 2n, 70n, 130n)), ERR.NOT_OPEN);
  });

  // verify-payment promises "would the call for this state's action accept it now"
  // (PROTOCOL §6 table): it must refuse what withdraw and fund-channel refuse whoever
  // calls them.
  it('refuses a withdraw paying an outsider, as withdraw does (ERR-NOT-ACTOR)', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const wd = sign(ch, state(ch, { nonce: 2n, balanceA: 50n, balanceB: 100n, action: Action.Withdraw, actor: mallory, amount: 50n }));
    expectErr(callWithState('withdraw', ch, wd, alice).result, ERR.NOT_ACTOR);
    expectErr(verify(ch, wd), ERR.NOT_ACTOR);
  });

  it('refuses zero deposits and withdrawals, as fund-channel and withdraw do (ERR-ZERO-AMOUNT)', () => {
    // without the calls' zero-amount check verify-payment would answer ok for a state both refuse
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const wd = sign(ch, state(ch, { nonce: 2n, balanceA: 100n, balanceB: 100n, action: Action.Withdraw, actor: alice, amount: 0n }));
    expectErr(callWithState('withdraw', ch, wd, alice).result, ERR.ZERO_AMOUNT);
    expectErr(verify(ch, wd), ERR.ZERO_AMOUNT);
    const dep = sign(ch, state(ch, { nonce: 2n, balanceA: 100n, balanceB: 100n, action: Action.Deposit, actor: alice, amount: 0n }));
    expectErr(callWithState('fund-channel', ch, dep, alice).result, ERR.ZERO_AMOUNT);
    expectErr(verify(ch, dep), ERR.ZERO_AMOUNT);
  });
});

describe('close-channel', () => {
  it('pays both balances at once and finalises', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const [a0, b0] = [stxBalance(alice), stxBalance(bob)];
    const r = callWithState('close-channel', ch, pay(ch, 9n, 30n, 170n, Action.Close), bob);
    expect(r.result).toBeOk(Cl.uint(9));
    expect([stxBalance(alice) - a0, stxBalance(bob) - b0]).toEqual([30n, 170n]);
    expect(record(ch)).toMatchObject({ status: Status.Closed, total: 0n, nonce: 9n, closer: Party.B, cheater: Party.Nobody });
    expect(printEvent(r.events as never)).toEqual({
      event: 'close-channel', 'channel-id': toHex(ch.id), total: 0n, status: Status.Closed, nonce: 9n, 'balance-a': 30n,
      'balance-b': 170n, htlcs: [], 'htlc-count': 0n, closer: Party.B, 'deadline-burn': 0n, 'deadline-tenure': 0n,
      cheater: Party.Nobody,
    });
  });

  it('skips a zero payout', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n, { token: TEST_TOKEN });
    const b0 = balanceOf(ch, bob);
    const r = callWithState('close-channel', ch, pay(ch, 2n, 0n, 200n, Action.Close), alice);
    expect(r.result).toBeOk(Cl.uint(2));
    expect(balanceOf(ch, bob) - b0).toBe(200n);
    expect(r.events.filter((e) => e.event === 'ft_transfer_event')).toHaveLength(1);
  });

  it('a transfer state can never close at once: expired as it stands, unsigned as a close', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const transfer = pay(ch, 2n, 70n, 130n);
    // a transfer's valid-until is 0: as a close state it lapsed long ago
    expectErr(callWithState('close-channel', ch, transfer, alice).result, ERR.STATE_EXPIRED);
    // and a live valid-until does not help: the rebuilt close tuple is not what was signed
    const live = { ...transfer, state: { ...transfer.state, validUntil: burnHeight() + 10n } };
    expectErr(callWithState('close-channel', ch, live, alice).result, ERR.SIGNATURE_A);
    expect(record(ch)?.status).toBe(Status.Open);
  });

  it('ERR-STALE-NONCE: a close state below the floor; a close at the floor is taken', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    callWithState('update-balance', ch, pay(ch, 5n, 70n, 130n), alice);
    expectErr(callWithState('close-channel', ch, pay(ch, 4n, 100n, 100n, Action.Close), alice).result, ERR.STALE_NONCE);
    expect(callWithState('close-channel', ch, pay(ch, 5n, 70n, 130n, Action.Close), alice).result).toBeOk(Cl.uint(5));
  });

  it('ERR-SUM-MISMATCH: a close that pays out more than the escrow', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    expectErr(callWithState('close-channel', ch, pay(ch, 2n, 100n, 101n, Action.Close), alice).result, ERR.SUM_MISMATCH);
    expect(record(ch)?.status).toBe(Status.Open);
  });

  it('ERR-NOT-PARTICIPANT, ERR-WRONG-TOKEN, ERR-NOT-OPEN, ERR-UNKNOWN-CHANNEL', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const s = pay(ch, 2n, 70n, 130n, Action.Close);
    const ghost = { ...ch, id: new Uint8Array(32).fill(9) };
    expectErr(callWithState('close-channel', ghost, pay(ghost, 2n, 70n, 130n, Action.Close), alice).result, ERR.UNKNOWN_CHANNEL);
    expectErr(callWithState('close-channel', ch, s, mallory).result, ERR.NOT_PARTICIPANT);
    expectErr(callWithState('close-channel', ch, s, alice, { token: SBTC }).result, ERR.WRONG_TOKEN);
    expect(callWithState('close-channel', ch, s, alice).result.type).toBe('ok');
    expectErr(callWithState('close-channel', ch, s, alice).result, ERR.NOT_OPEN);
  });
});

describe('initiate-dispute and emergency-close', () => {
  it('initiate-dispute starts the window with the caller\'s newest state', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const [h, t] = [burnHeight(), tenureHeight()];
    const r = callWithState('initiate-dispute', ch, pay(ch, 4n, 60n, 140n), bob);
    expect(r.result).toBeOk(Cl.uint(h + WINDOW));
    expect(record(ch)).toMatchObject({ status: Status.Closing, nonce: 4n, closer: Party.B, 'deadline-burn': h + WINDOW, 'deadline-tenure': t + WINDOW });
    expect(printEvent(r.events as never)).toEqual({
      event: 'initiate-dispute', 'channel-id': toHex(ch.id), total: 200n, status: Status.Closing, nonce: 4n, 'balance-a': 60n,
      'balance-b': 140n, htlcs: [], 'htlc-count': 0n, closer: Party.B, 'deadline-burn': h + WINDOW, 'deadline-tenure': t + WINDOW,
      cheater: Party.Nobody,
    });
  });

  it('initiate-dispute accepts a co-signed close state too', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    expect(callWithState('initiate-dispute', ch, pay(ch, 4n, 60n, 140n, Action.Close), alice).result.type).toBe('ok');
  });

  it('initiate-dispute: ERR-NOT-PARTICIPANT, ERR-STALE-NONCE, ERR-WRONG-ACTION, ERR-SUM-MISMATCH, ERR-NOT-OPEN, ERR-UNKNOWN-CHANNEL', () => {
    const { ch, funding } = fundedChannel(alice, bob, 100n, 100n);
    callWithState('update-balance', ch, pay(ch, 3n, 90n, 110n), alice);
    const ghost = { ...ch, id: new Uint8Array(32).fill(6) };
    expectErr(callWithState('initiate-dispute', ghost, pay(ghost, 4n, 60n, 140n), alice).result, ERR.UNKNOWN_CHANNEL);
    // a withdraw state (action 3) is refused by action before any signature is checked
    const wd = sign(ch, state(ch, { nonce: 4n, balanceA: 90n, balanceB: 60n, action: Action.Withdraw, actor: bob, amount: 50n }));
    expectErr(callWithState('initiate-dispute', ch, wd, alice).result, ERR.WRONG_ACTION);
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
    expect(record(ch)).toMatchObject({ status: Status.Closing, nonce: 3n, 'balance-a': 90n, 'balance-b': 110n, closer: Party.A });
    expect(printEvent(r.events as never)).toMatchObject({ event: 'emergency-close', nonce: 3n, closer: Party.A, status: Status.Closing, cheater: Party.Nobody });
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
    expect(record(ch)).toMatchObject({ nonce: 4n, cheater: Party.B, status: Status.Closing });
    expect(printEvent(r.events as never)).toMatchObject({ event: 'challenge', nonce: 4n, 'balance-a': 90n, 'balance-b': 110n, cheater: Party.B, closer: Party.B });
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    const [a0, b0] = [stxBalance(alice), stxBalance(bob)];
    const res = callId('resolve', ch, alice);
    expect(res.result).toBeOk(Cl.uint(4));
    expect([stxBalance(alice) - a0, stxBalance(bob) - b0]).toEqual([200n, 0n]);
    expect(printEvent(res.events as never)).toMatchObject({ event: 'resolve', status: Status.Closed, cheater: Party.B, total: 0n });
  });

  it('honest race: a receiver who closes with the previous state is not penalised', () => {
    // Alice pays Bob 10: Bob signed state 5 first; Alice has not sent her signature yet,
    // so Bob holds only state 4 and closes with it. Alice (who holds 5) challenges.
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    callWithState('initiate-dispute', ch, pay(ch, 4n, 80n, 120n), bob);
    expect(callWithState('challenge', ch, pay(ch, 5n, 70n, 130n), alice).result).toBeOk(Cl.uint(5));
    expect(record(ch)?.cheater).toBe(Party.Nobody);
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
    expect(record(ch)?.cheater).toBe(Party.B);
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
    expect(record(ch)?.cheater).toBe(Party.B);
  });

  it('participant-a closing with a revoked state is penalised the same way (the mark names a)', () => {
    // Alice received 50 (state 2) and paid 30 back (state 3, Alice signed last): Alice closes with 2.
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    callWithState('initiate-dispute', ch, pay(ch, 2n, 150n, 50n), alice);
    callWithState('challenge', ch, pay(ch, 3n, 120n, 80n), bob);
    expect(record(ch)).toMatchObject({ closer: Party.A, cheater: Party.A });
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    const [a0, b0] = [stxBalance(alice), stxBalance(bob)];
    callId('resolve', ch, carol);
    expect([stxBalance(alice) - a0, stxBalance(bob) - b0]).toEqual([0n, 200n]);
  });

  it('challenge accepts a co-signed close state too, even one past its valid-until', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    callWithState('initiate-dispute', ch, pay(ch, 3n, 40n, 160n), bob);
    const lapsed = sign(ch, state(ch, { nonce: 4n, balanceA: 90n, balanceB: 110n, action: Action.Close, validUntil: burnHeight() - 1n }));
    expect(callWithState('challenge', ch, lapsed, alice).result).toBeOk(Cl.uint(4));
    expect(record(ch)).toMatchObject({ nonce: 4n, cheater: Party.B });
  });

  it('anyone (a watchtower) may challenge', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    callWithState('initiate-dispute', ch, pay(ch, 3n, 40n, 160n), bob);
    expect(callWithState('challenge', ch, pay(ch, 4n, 90n, 110n), carol).result).toBeOk(Cl.uint(4));
  });

  it('challenge: ERR-STALE-NONCE at or below the closing nonce, ERR-WRONG-ACTION, ERR-SIGNATURE-A/B, ERR-SUM-MISMATCH', () => {
    const { ch, funding } = fundedChannel(alice, bob, 100n, 100n);
    callWithState('initiate-dispute', ch, pay(ch, 4n, 40n, 160n), bob);
    expectErr(callWithState('challenge', ch, pay(ch, 4n, 90n, 110n), alice).result, ERR.STALE_NONCE);
    expectErr(callWithState('challenge', ch, pay(ch, 3n, 90n, 110n), alice).result, ERR.STALE_NONCE);
    expectErr(callWithState('challenge', ch, { ...funding, state: { ...funding.state, nonce: 9n } }, alice).result, ERR.WRONG_ACTION);
    expectErr(callWithState('challenge', ch, sign(ch, state(ch, { nonce: 5n, balanceA: 90n, balanceB: 110n }), { keyB: new Uint8Array(32).fill(9) }), alice).result, ERR.SIGNATURE_B);
    expectErr(callWithState('challenge', ch, sign(ch, state(ch, { nonce: 5n, balanceA: 90n, balanceB: 110n }), { keyA: new Uint8Array(32).fill(9) }), alice).result, ERR.SIGNATURE_A);
    expectErr(callWithState('challenge', ch, pay(ch, 5n, 90n, 111n), alice).result, ERR.SUM_MISMATCH);
    expect(record(ch)).toMatchObject({ nonce: 4n, 'balance-a': 40n, cheater: Party.Nobody });
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
    expect(windowEnded(ch)).toBe(false);
    simnet.mineEmptyBurnBlocks(1);
    expect(windowEnded(ch)).toBe(true);
    expect(callId('resolve', ch, alice).result.type).toBe('ok');
  });

  it('is-window-ended is false for an unknown channel', () => {
    expect(simnet.callReadOnlyFn(CHANNEL, 'is-window-ended', [Cl.buffer(new Uint8Array(32).fill(0xee))], alice).result).toBeBool(false);
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
