// Replay and malleability (PROTOCOL I6, I7): a state signed for one channel, channel
// generation, deployment, chain, protocol version or action is refused everywhere else;
// malleated signatures are refused; outsiders and wrong tokens move nothing (I5, I8).
// In v2 the contract rebuilds the signed tuple from the function it is given, so a
// state signed for another action fails as a signature (ERR-SIGNATURE-A).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Cl } from '@stacks/transactions';
import {
  Action, CHANNEL, CHANNEL_2, ERR, SBTC, SIMNET_CHAIN_ID, TEST_TOKEN, alice, bob, burnHeight, callId,
  callWithState, carol, domainHashOf, expectErr, fundedChannel, highS, keys, mallory, publicKeyOf, record, sign, signHash,
  state, stateHash, stateToClarity, stxBalance, verify, type Channel, type ChannelState, type Signed, expectConservation,
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

  it('a state signed for one action is refused by every function of another action', () => {
    // Each target gets exactly the fields it rebuilds, signed with another action: only
    // the action differs from what the contract hashes, so each refusal is the binding.
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const until = burnHeight() + 50n;
    const fits: Record<string, ChannelState> = {
      'update-balance': state(ch, { nonce: 2n, balanceA: 60n, balanceB: 140n }),
      'close-channel': state(ch, { nonce: 2n, balanceA: 60n, balanceB: 140n, action: Action.Close, validUntil: until }),
      'fund-channel': state(ch, { nonce: 2n, balanceA: 100n, balanceB: 150n, action: Action.Deposit, actor: bob, amount: 50n, validUntil: until }),
      withdraw: state(ch, { nonce: 2n, balanceA: 100n, balanceB: 50n, action: Action.Withdraw, actor: bob, amount: 50n, validUntil: until }),
    };
    for (const [fn, fit] of Object.entries(fits)) {
      for (const action of [Action.Transfer, Action.Close, Action.Deposit, Action.Withdraw]) {
        if (action === fit.action) continue;
        const signed = sign(ch, { ...fit, action });
        // the honest submission of the signed state: bob is every actor, so bob calls
        const r = callWithState(fn as 'withdraw', ch, { ...signed, state: fit }, bob);
        expect(r.result, `${fn} with a state signed as action ${action}`).toBeErr(Cl.uint(ERR.SIGNATURE_A));
      }
      // and the same fields signed for the right action are taken: the refusals above were the action alone
      expect(verify(ch, sign(ch, fit)).type, `${fn} fits`).toBe('ok');
    }
    // unilateral closes name the action: a close signed as close is no transfer
    const close = sign(ch, fits['close-channel']!);
    expectErr(callWithState('initiate-dispute', ch, { ...close, state: { ...close.state, action: Action.Transfer } }, alice).result, ERR.SIGNATURE_A);
    expect(record(ch)).toMatchObject({ nonce: 1n, total: 200n, status: 0n });
  });

  it('a state signed under protocol version 1\'s domain is refused', () => {
    // the v2 domain's version field keeps every v1 signature off v2 (PROTOCOL §2)
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const v1Tuple = Cl.tuple({ name: Cl.stringAscii(CHANNEL), version: Cl.stringAscii('1'), 'chain-id': Cl.uint(SIMNET_CHAIN_ID) });
    const v1Domain = new Uint8Array(createHash('sha256').update(Buffer.from(Cl.serialize(v1Tuple).replace(/^0x/, ''), 'hex')).digest());
    // the same construction with version "2" is the contract's own domain: the only difference is the version
    const v2Tuple = Cl.tuple({ name: Cl.stringAscii(CHANNEL), version: Cl.stringAscii('2'), 'chain-id': Cl.uint(SIMNET_CHAIN_ID) });
    expect(new Uint8Array(createHash('sha256').update(Buffer.from(Cl.serialize(v2Tuple).replace(/^0x/, ''), 'hex')).digest())).toEqual(domainHashOf());
    const s = payment(ch);
    const h = stateHash(s, v1Domain);
    const v1: Signed = { state: s, sigA: signHash(h, keys[alice]!), sigB: signHash(h, keys[bob]!) };
    expectErr(callWithState('update-balance', ch, v1, alice).result, ERR.SIGNATURE_A);
    expect(callWithState('update-balance', ch, sign(ch, s), alice).result).toBeOk(Cl.uint(2));
  });

  it('get-state-hash is the client\'s stateHash (one codec, byte for byte)', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const s = state(ch, { nonce: 7n, balanceA: 60n, balanceB: 140n, action: Action.Withdraw, actor: bob, amount: 5n, validUntil: 99n, data: new Uint8Array(32).fill(0xa5) });
    const onChain = simnet.callReadOnlyFn(CHANNEL, 'get-state-hash', [stateToClarity(s)], alice).result;
    expect(onChain).toBeBuff(stateHash(s, domainHashOf()));
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
    const wd = sign(ch, state(ch, { nonce: 2n, balanceA: 50n, balanceB: 100n, action: Action.Withdraw, actor: alice, amount: 50n }));
    const key = publicKeyOf(new Uint8Array(32).fill(0x66));
    expectErr(callWithState('update-balance', ch, s, mallory).result, ERR.NOT_PARTICIPANT);
    expectErr(callWithState('initiate-dispute', ch, s, mallory).result, ERR.NOT_PARTICIPANT);
    expectErr(callWithState('close-channel', ch, close, mallory).result, ERR.NOT_PARTICIPANT);
    expectErr(callWithState('withdraw', ch, wd, mallory).result, ERR.NOT_PARTICIPANT);
    expectErr(callId('emergency-close', ch, mallory).result, ERR.NOT_PARTICIPANT);
    expectErr(simnet.callPublicFn(CHANNEL, 'add-signer', [Cl.buffer(ch.id), Cl.buffer(key)], mallory).result, ERR.NOT_PARTICIPANT);
    expect(record(ch)).toEqual(before.rec);
    expect(stxBalance(mallory)).toBe(before.m);
    expect(simnet.callReadOnlyFn(CHANNEL, 'is-authorised-signer', [Cl.buffer(ch.id), Cl.principal(mallory), Cl.buffer(key)], alice).result).toBeBool(false);
  });

  it('a wrong token trait is an error, never a transfer, on every paying function', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n, { token: SBTC });
    const close = sign(ch, state(ch, { nonce: 2n, balanceA: 100n, balanceB: 100n, action: Action.Close }));
    const wd = sign(ch, state(ch, { nonce: 2n, balanceA: 50n, balanceB: 100n, action: Action.Withdraw, actor: alice, amount: 50n }));
    const dep = sign(ch, state(ch, { nonce: 2n, balanceA: 150n, balanceB: 100n, action: Action.Deposit, actor: alice, amount: 50n }));
    for (const token of [null, TEST_TOKEN]) {
      expectErr(callWithState('close-channel', ch, close, alice, { token }).result, ERR.WRONG_TOKEN);
      expectErr(callWithState('withdraw', ch, wd, alice, { token }).result, ERR.WRONG_TOKEN);
      expectErr(callWithState('fund-channel', ch, dep, alice, { token }).result, ERR.WRONG_TOKEN);
    }
    expect(record(ch)?.total).toBe(200n);
    expect(callWithState('close-channel', ch, close, alice).result).toBeOk(Cl.uint(2));
    // resolve, settle-htlc and claim check the token too: resolve in closing.test.ts,
    // settle-htlc in htlc.test.ts, claim in payouts.test.ts
  });

  it('what the contract holds per token is the sum of its channels\' totals (I1)', () => {
    const { ch } = fundedChannel(alice, carol, 70n, 30n, { token: TEST_TOKEN });
    const stxChannel = fundedChannel(alice, bob, 40n, 2n).ch;
    expectConservation(TEST_TOKEN, [ch]);
    expectConservation(null, [stxChannel]);
    expectConservation(SBTC, []);
  });
});
