// Replay and malleability (PROTOCOL I6, I7): a state signed for one channel, channel
// generation, deployment, chain or action is refused everywhere else; malleated
// signatures are refused; outsiders and wrong tokens move nothing (I5, I8).
import { describe, expect, it } from 'vitest';
import { Cl } from '@stacks/transactions';
import {
  Action, CHANNEL, CHANNEL_2, ERR, SBTC, TEST_TOKEN, alice, bob, callId, callWithState, carol, expectErr,
  fundedChannel, highS, mallory, record, sign, state, stxBalance, verify, type Channel, type Signed,
} from './helpers.js';

const payment = (ch: Channel, nonce = 2n) => state(ch, { nonce, balanceA: 60n, balanceB: 140n });

describe('replay', () => {
  it('a state of one channel is refused on another channel between the same pair', () => {
    const one = fundedChannel(alice, bob, 100n, 100n).ch;
    const two = fundedChannel(alice, bob, 100n, 100n).ch;
    const s = sign(one, payment(one));
    // same signatures, the other channel's id
    const moved: Signed = { ...s, state: { ...s.state, channelId: two.id } };
    expectErr(callWithState('update-balance', two, moved, alice).result, ERR.SIGNATURE_A);
  });

  it('a state of a closed channel is refused on the re-opened channel between the same pair', () => {
    const old = fundedChannel(alice, bob, 100n, 100n).ch;
    const s = sign(old, payment(old));
    callWithState('close-channel', old, sign(old, state(old, { nonce: 3n, balanceA: 100n, balanceB: 100n, action: Action.Close })), alice);
    const reopened = fundedChannel(alice, bob, 100n, 100n).ch;
    expectErr(callWithState('update-balance', old, s, alice).result, ERR.NOT_OPEN);
    const replay: Signed = { ...s, state: { ...s.state, channelId: reopened.id } };
    expectErr(callWithState('initiate-dispute', reopened, replay, bob).result, ERR.SIGNATURE_A);
  });

  it('a state signed for one deployment is refused by a second deployment of the same contract', () => {
    const onSecond = fundedChannel(alice, bob, 100n, 100n, { contract: CHANNEL_2 }).ch;
    // signed with the first deployment's domain, for the second deployment's channel
    const s = sign(onSecond, payment(onSecond), { contract: CHANNEL });
    expectErr(callWithState('update-balance', onSecond, s, alice).result, ERR.SIGNATURE_A);
    expect(callWithState('update-balance', onSecond, sign(onSecond, payment(onSecond)), alice).result).toBeOk(Cl.uint(2));
    // and the domains differ
    const d1 = simnet.callReadOnlyFn(CHANNEL, 'get-domain-hash', [], alice).result;
    const d2 = simnet.callReadOnlyFn(CHANNEL_2, 'get-domain-hash', [], alice).result;
    expect(d1).not.toEqual(d2);
  });

  it('a state signed under another chain id (mainnet) is refused', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    expectErr(callWithState('update-balance', ch, sign(ch, payment(ch), { chainId: 1 }), alice).result, ERR.SIGNATURE_A);
  });

  it('a state signed for one action is refused under another', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const transfer = sign(ch, payment(ch));
    const asClose: Signed = { ...transfer, state: { ...transfer.state, action: Action.Close } };
    expectErr(callWithState('close-channel', ch, asClose, alice).result, ERR.SIGNATURE_A);
    expectErr(callWithState('close-channel', ch, transfer, alice).result, ERR.WRONG_ACTION);
  });

  it('tampered balances invalidate the signatures', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const s = sign(ch, payment(ch));
    const tampered: Signed = { ...s, state: { ...s.state, balanceA: 140n, balanceB: 60n } };
    expectErr(callWithState('initiate-dispute', ch, tampered, alice).result, ERR.SIGNATURE_A);
  });

  it('one participant\'s signature in both slots is refused', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const s = sign(ch, payment(ch));
    expectErr(callWithState('update-balance', ch, { ...s, sigB: s.sigA }, alice).result, ERR.SIGNATURE_B);
    expectErr(callWithState('update-balance', ch, { ...s, sigA: s.sigB }, alice).result, ERR.SIGNATURE_A);
  });
});

describe('malleability', () => {
  it('the high-S twin of a valid signature is refused (the simnet would recover it)', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const s = sign(ch, payment(ch));
    expectErr(callWithState('update-balance', ch, { ...s, sigA: highS(s.sigA) }, alice).result, ERR.HIGH_S);
    expectErr(callWithState('update-balance', ch, { ...s, sigB: highS(s.sigB) }, alice).result, ERR.HIGH_S);
    expectErr(verify(ch, { ...s, sigB: highS(s.sigB) }), ERR.HIGH_S);
    expect(callWithState('update-balance', ch, s, alice).result).toBeOk(Cl.uint(2));
  });

  it('another recovery id is refused', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const s = sign(ch, payment(ch));
    const flipped = Uint8Array.from(s.sigA);
    flipped[64] = flipped[64]! ^ 1;
    expectErr(callWithState('update-balance', ch, { ...s, sigA: flipped }, alice).result, ERR.SIGNATURE_A);
    const two = Uint8Array.from(s.sigA);
    two[64] = 2;
    expectErr(callWithState('update-balance', ch, { ...s, sigA: two }, alice).result, ERR.RECOVERY_ID);
  });

  it('ERR-SIGNATURE-LENGTH: a short signature is an error, not a runtime abort (found by rendezvous)', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const s = sign(ch, payment(ch));
    expectErr(callWithState('update-balance', ch, { ...s, sigA: new Uint8Array(0) }, alice).result, ERR.SIGNATURE_LENGTH);
    expectErr(callWithState('update-balance', ch, { ...s, sigB: s.sigB.subarray(0, 64) }, alice).result, ERR.SIGNATURE_LENGTH);
    expectErr(verify(ch, { ...s, sigA: s.sigA.subarray(0, 40) }), ERR.SIGNATURE_LENGTH);
  });

  it('garbage signatures are refused with a clear error', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const s = sign(ch, payment(ch));
    expectErr(callWithState('update-balance', ch, { ...s, sigA: new Uint8Array(65) }, alice).result, ERR.SIGNATURE_A);
    expectErr(callWithState('update-balance', ch, { ...s, sigA: new Uint8Array(65).fill(0xff) }, alice).result, ERR.HIGH_S);
  });
});

describe('outsiders and tokens', () => {
  it('no participant-only function works for an outsider, and nothing moves', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const before = { rec: record(ch), m: stxBalance(mallory) };
    const s = sign(ch, payment(ch));
    const close = sign(ch, state(ch, { nonce: 2n, balanceA: 100n, balanceB: 100n, action: Action.Close }));
    expectErr(callWithState('update-balance', ch, s, mallory).result, ERR.NOT_PARTICIPANT);
    expectErr(callWithState('initiate-dispute', ch, s, mallory).result, ERR.NOT_PARTICIPANT);
    expectErr(callWithState('close-channel', ch, close, mallory).result, ERR.NOT_PARTICIPANT);
    expectErr(callId('emergency-close', ch, mallory).result, ERR.NOT_PARTICIPANT);
    expect(record(ch)).toEqual(before.rec);
    expect(stxBalance(mallory)).toBe(before.m);
  });

  it('a wrong token trait is an error, never a transfer, on every paying function', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n, { token: SBTC });
    const close = sign(ch, state(ch, { nonce: 2n, balanceA: 100n, balanceB: 100n, action: Action.Close }));
    const wd = sign(ch, state(ch, { nonce: 2n, balanceA: 50n, balanceB: 100n, action: Action.Withdraw, actor: alice, amount: 50n }));
    for (const token of [null, TEST_TOKEN]) {
      expectErr(callWithState('close-channel', ch, close, alice, { token }).result, ERR.WRONG_TOKEN);
      expectErr(callWithState('withdraw', ch, wd, alice, { token }).result, ERR.WRONG_TOKEN);
    }
    expect(record(ch)?.total).toBe(200n);
    expect(callWithState('close-channel', ch, close, alice).result).toBeOk(Cl.uint(2));
  });

  it('the escrow per token equals what the contract holds', () => {
    fundedChannel(alice, carol, 70n, 30n, { token: TEST_TOKEN });
    const held = (token: string | null) =>
      simnet.callReadOnlyFn(CHANNEL, 'get-escrowed', [token === null ? Cl.none() : Cl.some(Cl.principal(token))], alice).result;
    expect(held(null)).toBeUint(stxBalance(CHANNEL));
    const assets = simnet.getAssetsMap();
    expect(held(TEST_TOKEN)).toBeUint(assets.get('.test-token.test-token')?.get(CHANNEL) ?? 0n);
    expect(held(SBTC)).toBeUint(assets.get('.sbtc-token.sbtc-token')?.get(CHANNEL) ?? 0n);
  });
});
