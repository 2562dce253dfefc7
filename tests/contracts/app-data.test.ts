// Rule 8 of PROTOCOL v2 (§3): a state carries 32 bytes of application data (a request
// hash for pay-per-call, a game move, a receipt). The contract signs it into the hash and
// does nothing else with it: a state with any data verifies and lands through every
// function that takes a state, and data changed after signing fails the signature
// check, so neither side can rebind a payment to something else.
import { describe, expect, it } from 'vitest';
import { Cl } from '@stacks/transactions';
import {
  CHANNEL, ERR, alice, bob, callWithState, sampleState, domainHashOf, expectErr, fundedChannel, record, sign, state,
  stateHash, stateToClarity, verify, type Channel, type ChannelState, type Signed,
} from './helpers.js';

const REQUEST = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);
const OTHER = Uint8Array.from(REQUEST, (b, i) => (i === 31 ? b ^ 1 : b));

type Fn = 'update-balance' | 'fund-channel' | 'withdraw' | 'close-channel' | 'initiate-dispute';
/** A state for `fn` on a channel funded 100/100, bound to `data`. */
const forFn = (ch: Channel, fn: Fn, data: Uint8Array): ChannelState => sampleState(ch, fn, { data });

describe('application data is signed, carried and never interpreted', () => {
  for (const fn of ['update-balance', 'fund-channel', 'withdraw', 'close-channel', 'initiate-dispute'] as const) {
    it(`${fn}: a state bound to non-zero data verifies and lands`, () => {
      const { ch } = fundedChannel(alice, bob, 100n, 100n);
      const s = sign(ch, forFn(ch, fn, REQUEST));
      expect(verify(ch, s).type).toBe('ok');
      expect(callWithState(fn, ch, s, bob).result.type).toBe('ok');
      expect(record(ch)?.nonce).toBe(2n);
    });

    it(`attack: ${fn} with the data changed after signing, to rebind the payment (ERR-SIGNATURE-A)`, () => {
      const { ch } = fundedChannel(alice, bob, 100n, 100n);
      const s = sign(ch, forFn(ch, fn, REQUEST));
      const rebound: Signed = { ...s, state: { ...s.state, data: OTHER } };
      expectErr(verify(ch, rebound), ERR.SIGNATURE_A);
      expectErr(callWithState(fn, ch, rebound, bob).result, ERR.SIGNATURE_A);
      // zero data is a value like any other: stripping the binding fails too
      expectErr(callWithState(fn, ch, { ...s, state: { ...s.state, data: new Uint8Array(32) } }, bob).result, ERR.SIGNATURE_A);
      expect(record(ch)?.nonce).toBe(1n);
    });
  }

  it('challenge: a newer state bound to data replaces the closing state; rebound data is refused', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    callWithState('initiate-dispute', ch, sign(ch, state(ch, { nonce: 2n, balanceA: 90n, balanceB: 110n })), bob);
    const s = sign(ch, state(ch, { nonce: 3n, balanceA: 80n, balanceB: 120n, data: REQUEST }));
    expectErr(callWithState('challenge', ch, { ...s, state: { ...s.state, data: OTHER } }, alice).result, ERR.SIGNATURE_A);
    expect(callWithState('challenge', ch, s, alice).result).toBeOk(Cl.uint(3));
  });

  it('the data is part of the signed hash, byte for byte as the client computes it', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const s = state(ch, { nonce: 2n, balanceA: 90n, balanceB: 110n, data: REQUEST });
    const hash = (x: ChannelState) => simnet.callReadOnlyFn(CHANNEL, 'get-state-hash', [stateToClarity(x)], alice).result;
    expect(hash(s)).toBeBuff(stateHash(s, domainHashOf()));
    expect(hash({ ...s, data: OTHER })).not.toEqual(hash(s));
  });
});
