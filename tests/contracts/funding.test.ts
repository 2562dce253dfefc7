// create-channel, fund-channel, add-signer and withdraw: the operations that move
// money into and out of an open channel, each with every error it can return
// (PROTOCOL v2 §6). Expiry of deposit and withdraw states is in expiry.test.ts, callers
// that are contracts in direct-caller.test.ts.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Cl } from '@stacks/transactions';
import {
  Action, CHANNEL, CHANNEL_2, ERR, MAX_UINT, Party, SBTC, WINDOW, alice, balanceOf, bob, callCreate, callId, callWithState, carol,
  expectConservation, expectErr, fundedChannel, hex, keys, mallory, mint, open, printEvent, publicKeyOf, record,
  sign, state, Status, stxBalance, toHex, tokenBalance,
} from './helpers.js';

describe('create-channel', () => {
  it('escrows the deposit, returns the announced id and prints the post-state', () => {
    const next = simnet.callReadOnlyFn(CHANNEL, 'get-next-channel-id', [Cl.principal(alice), Cl.principal(bob), Cl.none()], alice).result;
    const before = stxBalance(alice);
    const r = callCreate(alice, bob, 1_000n);
    expect(r.result).toBeOk(next);
    expect(stxBalance(alice)).toBe(before - 1_000n);
    const id = hex((next as unknown as { value: string }).value);
    const ch = { id, a: alice, b: bob, token: null, contract: CHANNEL };
    const expected = {
      'participant-a': alice, 'participant-b': bob, token: null, window: WINDOW, total: 1_000n,
      status: Status.Open, nonce: 0n, 'balance-a': 1_000n, 'balance-b': 0n, htlcs: [], 'htlc-count': 0n,
      closer: Party.Nobody, 'deadline-burn': 0n, 'deadline-tenure': 0n, cheater: Party.Nobody,
    };
    expect(record(ch)).toEqual(expected);
    // the one event that carries what never changes: indexers learn participants, token and window here
    expect(printEvent(r.events as never)).toEqual({ ...expected, event: 'create-channel', 'channel-id': toHex(id) });
  });

  it('gives a re-opened channel between the same pair a new id', () => {
    const first = open(alice, bob, 10n);
    const second = open(alice, bob, 10n);
    expect(toHex(second.id)).not.toBe(toHex(first.id));
  });

  it('the id is sha256(consensus {contract, participant-a, participant-b, token, seq}) (PROTOCOL §2), as get-channel-id says', () => {
    const ch = open(alice, bob, 10n);
    const seq = 0n; // the first channel of this fresh simnet
    const idOf = (contract: string, s: bigint) =>
      new Uint8Array(createHash('sha256').update(Buffer.from(Cl.serialize(Cl.tuple({
        contract: Cl.principal(contract), 'participant-a': Cl.principal(alice), 'participant-b': Cl.principal(bob), token: Cl.none(), seq: Cl.uint(s),
      })).replace(/^0x/, ''), 'hex')).digest());
    expect(toHex(ch.id)).toBe(toHex(idOf(CHANNEL, seq)));
    const read = (s: bigint) =>
      simnet.callReadOnlyFn(CHANNEL, 'get-channel-id', [Cl.principal(alice), Cl.principal(bob), Cl.none(), Cl.uint(s)], alice).result;
    expect(read(seq)).toBeBuff(ch.id);
    // the next seq is what the next open returns; another deployment never shares an id
    expect(read(seq + 1n)).toBeBuff(open(alice, bob, 10n).id);
    expect(toHex(idOf(CHANNEL_2, seq))).not.toBe(toHex(ch.id));
  });

  it('escrows a SIP-010 token (sBTC stand-in)', () => {
    mint(SBTC, 5_000n, alice);
    const before = tokenBalance(SBTC, alice);
    const ch = open(alice, bob, 5_000n, { token: SBTC });
    expect(tokenBalance(SBTC, alice)).toBe(before - 5_000n);
    expect(record(ch)?.token).toBe(SBTC);
    expectConservation(SBTC, [ch]);
  });

  it('registers the creator\'s session key', () => {
    const key = publicKeyOf(hex('11'.repeat(32)));
    const ch = open(alice, bob, 10n, { signer: key });
    const authorised = (who: string) =>
      simnet.callReadOnlyFn(CHANNEL, 'is-authorised-signer', [Cl.buffer(ch.id), Cl.principal(who), Cl.buffer(key)], alice).result;
    expect(authorised(alice)).toBeBool(true);
    expect(authorised(bob)).toBeBool(false);
  });

  it('ERR-SELF-CHANNEL: a channel with oneself', () => {
    expectErr(callCreate(alice, alice, 10n).result, ERR.SELF_CHANNEL);
  });

  it('ERR-BAD-WINDOW: windows outside 6 to 4320 burn blocks', () => {
    expectErr(callCreate(alice, bob, 10n, { window: 5n }).result, ERR.BAD_WINDOW);
    expectErr(callCreate(alice, bob, 10n, { window: 4321n }).result, ERR.BAD_WINDOW);
    expect(callCreate(alice, bob, 10n, { window: 4320n }).result.type).toBe('ok');
  });

  it('ERR-ZERO-AMOUNT: an empty deposit', () => {
    expectErr(callCreate(alice, bob, 0n).result, ERR.ZERO_AMOUNT);
  });

  it('ERR-BAD-SIGNER-KEY: an uncompressed-prefix signer key', () => {
    const bad = Uint8Array.from(publicKeyOf(hex('22'.repeat(32))));
    bad[0] = 0x04;
    expectErr(callCreate(alice, bob, 10n, { signer: bad }).result, ERR.BAD_SIGNER_KEY);
  });

  it('max-uint deposit fails in the transfer and moves nothing', () => {
    const before = stxBalance(alice);
    const r = callCreate(alice, bob, MAX_UINT);
    expect(r.result.type).toBe('err');
    expect(stxBalance(alice)).toBe(before);
  });

});

describe('fund-channel', () => {
  it('takes the counterparty\'s deposit, moves the floor and prints the post-state', () => {
    const ch = open(alice, bob, 1_000n);
    const s = sign(ch, state(ch, { nonce: 1n, balanceA: 1_000n, balanceB: 400n, action: Action.Deposit, actor: bob, amount: 400n }));
    const before = stxBalance(bob);
    const r = callWithState('fund-channel', ch, s, bob);
    expect(r.result).toBeOk(Cl.uint(1));
    expect(stxBalance(bob)).toBe(before - 400n);
    expect(record(ch)).toMatchObject({ total: 1_400n, nonce: 1n, 'balance-a': 1_000n, 'balance-b': 400n });
    expect(printEvent(r.events as never)).toMatchObject({ event: 'fund-channel', nonce: 1n, total: 1_400n, 'balance-b': 400n, status: Status.Open });
  });

  it('registers the depositor\'s session key', () => {
    const key = publicKeyOf(hex('33'.repeat(32)));
    const ch = open(alice, bob, 100n);
    const s = sign(ch, state(ch, { nonce: 1n, balanceA: 100n, balanceB: 50n, action: Action.Deposit, actor: bob, amount: 50n }));
    expect(callWithState('fund-channel', ch, s, bob, { signer: key }).result).toBeOk(Cl.uint(1));
    expect(simnet.callReadOnlyFn(CHANNEL, 'is-authorised-signer', [Cl.buffer(ch.id), Cl.principal(bob), Cl.buffer(key)], alice).result).toBeBool(true);
  });

  it('lets the creator top up', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const s = sign(ch, state(ch, { nonce: 2n, balanceA: 150n, balanceB: 100n, action: Action.Deposit, actor: alice, amount: 50n }));
    expect(callWithState('fund-channel', ch, s, alice).result).toBeOk(Cl.uint(2));
  });

  const deposit = (ch: ReturnType<typeof open>, over: Partial<Parameters<typeof state>[1]> = {}) =>
    state(ch, { nonce: 1n, balanceA: 100n, balanceB: 50n, action: Action.Deposit, actor: bob, amount: 50n, ...over });

  it('ERR-NOT-ACTOR: the caller is not the state\'s actor (a deposit is landed only by who pays it)', () => {
    const ch = open(alice, bob, 100n);
    const before = [stxBalance(alice), stxBalance(bob)];
    expectErr(callWithState('fund-channel', ch, sign(ch, deposit(ch)), alice).result, ERR.NOT_ACTOR);
    const alicePays = deposit(ch, { actor: alice, balanceA: 150n, balanceB: 0n });
    expectErr(callWithState('fund-channel', ch, sign(ch, alicePays), bob).result, ERR.NOT_ACTOR);
    expect([stxBalance(alice), stxBalance(bob)]).toEqual(before);
    expect(record(ch)).toMatchObject({ total: 100n, nonce: 0n });
  });

  it('ERR-NOT-PARTICIPANT: an outsider named as actor in a co-signed state', () => {
    const ch = open(alice, bob, 100n);
    expectErr(callWithState('fund-channel', ch, sign(ch, deposit(ch, { actor: mallory })), mallory).result, ERR.NOT_PARTICIPANT);
  });

  it('ERR-ZERO-AMOUNT: a zero deposit', () => {
    const ch = open(alice, bob, 100n);
    expectErr(callWithState('fund-channel', ch, sign(ch, deposit(ch, { amount: 0n, balanceB: 0n })), bob).result, ERR.ZERO_AMOUNT);
  });

  it('ERR-AMOUNT-OVERFLOW: a deposit that would overflow the escrow', () => {
    const ch = open(alice, bob, 100n);
    const s = sign(ch, deposit(ch, { amount: MAX_UINT, balanceB: MAX_UINT - 100n }));
    expectErr(callWithState('fund-channel', ch, s, bob).result, ERR.AMOUNT_OVERFLOW);
  });

  it('ERR-WRONG-TOKEN: a token argument that is not the channel\'s', () => {
    const ch = open(alice, bob, 100n);
    expectErr(callWithState('fund-channel', ch, sign(ch, deposit(ch)), bob, { token: SBTC }).result, ERR.WRONG_TOKEN);
  });

  it('a state signed for another action is no deposit: the rebuilt tuple fails ERR-SIGNATURE-A', () => {
    // v2 rebuilds the tuple with action deposit, so the withdraw signatures do not cover it
    const ch = open(alice, bob, 100n);
    const asWithdraw = sign(ch, deposit(ch, { action: Action.Withdraw }));
    expectErr(callWithState('fund-channel', ch, asWithdraw, bob).result, ERR.SIGNATURE_A);
    expect(record(ch)).toMatchObject({ total: 100n, nonce: 0n });
  });

  it('ERR-BAD-SIGNER-KEY: the depositor\'s signer is not a compressed key, and the deposit does not land', () => {
    const ch = open(alice, bob, 100n);
    const bad = new Uint8Array(33).fill(4);
    expectErr(callWithState('fund-channel', ch, sign(ch, deposit(ch)), bob, { signer: bad }).result, ERR.BAD_SIGNER_KEY);
    expect(record(ch)).toMatchObject({ total: 100n, nonce: 0n });
  });

  it('ERR-STALE-NONCE: a deposit state at the floor', () => {
    const ch = open(alice, bob, 100n);
    expectErr(callWithState('fund-channel', ch, sign(ch, deposit(ch, { nonce: 0n })), bob).result, ERR.STALE_NONCE);
  });

  it('ERR-SUM-MISMATCH: balances that do not add up to total + amount', () => {
    const ch = open(alice, bob, 100n);
    expectErr(callWithState('fund-channel', ch, sign(ch, deposit(ch, { balanceB: 51n })), bob).result, ERR.SUM_MISMATCH);
  });

  it('ERR-SIGNATURE-A / ERR-SIGNATURE-B: a missing or forged counter-signature', () => {
    const ch = open(alice, bob, 100n);
    const forgedA = sign(ch, deposit(ch), { keyA: keys[bob] });
    expectErr(callWithState('fund-channel', ch, forgedA, bob).result, ERR.SIGNATURE_A);
    const forgedB = sign(ch, deposit(ch), { keyB: keys[carol] });
    expectErr(callWithState('fund-channel', ch, forgedB, bob).result, ERR.SIGNATURE_B);
  });

  it('ERR-UNKNOWN-CHANNEL and ERR-NOT-OPEN', () => {
    const ch = open(alice, bob, 100n);
    const ghost = { ...ch, id: hex('ab'.repeat(32)) };
    expectErr(callWithState('fund-channel', ghost, sign(ghost, deposit(ghost)), bob).result, ERR.UNKNOWN_CHANNEL);
    expect(callId('emergency-close', ch, alice).result.type).toBe('ok');
    expectErr(callWithState('fund-channel', ch, sign(ch, deposit(ch)), bob).result, ERR.NOT_OPEN);
  });

  it('an insufficient balance fails in the transfer and changes nothing', () => {
    mint(SBTC, 100n, alice);
    const ch = open(alice, bob, 100n, { token: SBTC });
    const s = sign(ch, deposit(ch, { balanceB: 10n ** 20n, amount: 10n ** 20n }));
    const before = record(ch);
    expect(callWithState('fund-channel', ch, s, bob).result.type).toBe('err');
    expect(record(ch)).toEqual(before);
  });
});

describe('add-signer', () => {
  it('authorises a session key whose signatures the contract then accepts', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const sessionKey = hex('44'.repeat(32));
    const payment = state(ch, { nonce: 2n, balanceA: 90n, balanceB: 110n });
    expectErr(callWithState('update-balance', ch, sign(ch, payment, { keyA: sessionKey }), bob).result, ERR.SIGNATURE_A);
    const r = simnet.callPublicFn(CHANNEL, 'add-signer', [Cl.buffer(ch.id), Cl.buffer(publicKeyOf(sessionKey))], alice);
    expect(r.result).toBeOk(Cl.bool(true));
    expect(printEvent(r.events as never)).toEqual({ event: 'add-signer', 'channel-id': toHex(ch.id), owner: alice, key: toHex(publicKeyOf(sessionKey)) });
    expect(callWithState('update-balance', ch, sign(ch, payment, { keyA: sessionKey }), bob).result).toBeOk(Cl.uint(2));
    // the key signs for alice only: it is not a signer of bob
    const next = state(ch, { nonce: 3n, balanceA: 80n, balanceB: 120n });
    expectErr(callWithState('update-balance', ch, sign(ch, next, { keyB: sessionKey }), alice).result, ERR.SIGNATURE_B);
  });

  it('ERR-NOT-PARTICIPANT, ERR-BAD-SIGNER-KEY, ERR-NOT-OPEN, ERR-UNKNOWN-CHANNEL', () => {
    const ch = open(alice, bob, 100n);
    const key = publicKeyOf(hex('55'.repeat(32)));
    expectErr(simnet.callPublicFn(CHANNEL, 'add-signer', [Cl.buffer(new Uint8Array(32).fill(5)), Cl.buffer(key)], alice).result, ERR.UNKNOWN_CHANNEL);
    expectErr(simnet.callPublicFn(CHANNEL, 'add-signer', [Cl.buffer(ch.id), Cl.buffer(key)], mallory).result, ERR.NOT_PARTICIPANT);
    expectErr(simnet.callPublicFn(CHANNEL, 'add-signer', [Cl.buffer(ch.id), Cl.buffer(new Uint8Array(33))], alice).result, ERR.BAD_SIGNER_KEY);
    simnet.callPublicFn(CHANNEL, 'emergency-close', [Cl.buffer(ch.id)], alice);
    expectErr(simnet.callPublicFn(CHANNEL, 'add-signer', [Cl.buffer(ch.id), Cl.buffer(key)], alice).result, ERR.NOT_OPEN);
  });
});

describe('withdraw', () => {
  const withdrawal = (ch: ReturnType<typeof open>, over: Partial<Parameters<typeof state>[1]> = {}) =>
    state(ch, { nonce: 2n, balanceA: 100n, balanceB: 60n, action: Action.Withdraw, actor: bob, amount: 40n, ...over });

  it('pays the actor, lowers the escrow, moves the floor', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const before = stxBalance(bob);
    const r = callWithState('withdraw', ch, sign(ch, withdrawal(ch)), bob);
    expect(r.result).toBeOk(Cl.uint(2));
    expect(stxBalance(bob)).toBe(before + 40n);
    expect(record(ch)).toMatchObject({ total: 160n, nonce: 2n, 'balance-b': 60n, status: Status.Open });
    // other calls print the checkpoint, not who and what (those are in create-channel's event)
    expect(printEvent(r.events as never)).toEqual({
      event: 'withdraw', 'channel-id': toHex(ch.id), total: 160n, status: Status.Open, nonce: 2n, 'balance-a': 100n,
      'balance-b': 60n, htlcs: [], 'htlc-count': 0n, closer: Party.Nobody, 'deadline-burn': 0n, 'deadline-tenure': 0n,
      cheater: Party.Nobody,
    });
  });

  it('works for a token channel and pays only the channel\'s token', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n, { token: SBTC });
    const before = balanceOf(ch, bob);
    const stxBefore = stxBalance(bob);
    expect(callWithState('withdraw', ch, sign(ch, withdrawal(ch)), bob).result).toBeOk(Cl.uint(2));
    expect(balanceOf(ch, bob)).toBe(before + 40n);
    expect(stxBalance(bob)).toBe(stxBefore);
  });

  it('ERR-NOT-ACTOR, ERR-ZERO-AMOUNT, ERR-AMOUNT-EXCEEDS-TOTAL, ERR-WRONG-TOKEN, ERR-STALE-NONCE, ERR-SUM-MISMATCH, signed for another action', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    // a co-signed withdraw paying an outsider: only participants are ever paid (I5)
    expectErr(callWithState('withdraw', ch, sign(ch, withdrawal(ch, { actor: mallory })), alice).result, ERR.NOT_ACTOR);
    expectErr(callWithState('withdraw', ch, sign(ch, withdrawal(ch, { amount: 0n, balanceB: 100n })), bob).result, ERR.ZERO_AMOUNT);
    expectErr(callWithState('withdraw', ch, sign(ch, withdrawal(ch, { amount: 201n, balanceA: 0n, balanceB: 0n })), bob).result, ERR.AMOUNT_EXCEEDS_TOTAL);
    expectErr(callWithState('withdraw', ch, sign(ch, withdrawal(ch)), bob, { token: SBTC }).result, ERR.WRONG_TOKEN);
    expectErr(callWithState('withdraw', ch, sign(ch, withdrawal(ch, { nonce: 1n })), bob).result, ERR.STALE_NONCE);
    // a withdrawal that does not come out of the balances would pay it twice
    expectErr(callWithState('withdraw', ch, sign(ch, withdrawal(ch, { balanceB: 100n })), bob).result, ERR.SUM_MISMATCH);
    expectErr(callWithState('withdraw', ch, sign(ch, withdrawal(ch, { action: Action.Deposit })), bob).result, ERR.SIGNATURE_A);
    expect(record(ch)).toMatchObject({ total: 200n, nonce: 1n });
  });

  it('ERR-UNKNOWN-CHANNEL and ERR-NOT-OPEN', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const ghost = { ...ch, id: hex('cd'.repeat(32)) };
    expectErr(callWithState('withdraw', ghost, sign(ghost, withdrawal(ghost)), bob).result, ERR.UNKNOWN_CHANNEL);
    callId('emergency-close', ch, alice);
    const b0 = stxBalance(bob);
    expectErr(callWithState('withdraw', ch, sign(ch, withdrawal(ch)), bob).result, ERR.NOT_OPEN);
    expect(stxBalance(bob)).toBe(b0);
  });

  it('ERR-NOT-PARTICIPANT: an outsider named as actor cannot pull funds', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const s = sign(ch, withdrawal(ch, { actor: mallory, balanceB: 60n }));
    expectErr(callWithState('withdraw', ch, s, mallory).result, ERR.NOT_PARTICIPANT);
  });
});
