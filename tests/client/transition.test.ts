// The transition rule of PROTOCOL §4.1, as a property of client/src/channel/transition.ts:
// whatever ops a proposer asks for, on whatever state, the responder (who signs first) is
// owed no less afterwards. Every op is built so that this holds, and applyOps checks it
// once more at the end (CHANNEL_RESPONDER_OWED_DECREASES); this test drives random ops
// from either side over random states with HTLCs both ways and asserts that the check
// never has to fire and that every state it returns keeps the rule and the escrow.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { Action, NO_DATA, stateTotal, type ChannelState, type Htlc } from '../../client/src/codec/state.js';
import { ChannelCode, ProtocolError } from '../../client/src/channel/errors.js';
import { applyOps, owed, type Rules } from '../../client/src/channel/transition.js';
import type { Op } from '../../client/src/wire/schemas.js';
import { PRINCIPAL_A, PRINCIPAL_B } from './fixtures/peers.js';

const secrets = [1, 2, 3, 4].map((n) => new Uint8Array(32).fill(n));
const hashes = secrets.map((s) => sha256(s));
const rules: Rules = {
  window: 6n, safetyDelta: 6n, reserve: 0n, burnHeight: 100n, tenureHeight: 50n, landing: { min: 2n, max: 288n },
  participants: { a: PRINCIPAL_A, b: PRINCIPAL_B },
};
const amount = fc.bigInt({ min: 1n, max: 500n });
const which = fc.integer({ min: 0, max: 3 });
const htlc: fc.Arbitrary<Htlc> = fc.record({ i: which, amount, expiry: fc.bigInt({ min: 40n, max: 200n }), offeredByA: fc.boolean() })
  .map(({ i, amount, expiry, offeredByA }) => ({ hash: hashes[i]!, amount, expiry, offeredByA }));
const base: fc.Arbitrary<ChannelState> = fc.record({
  balanceA: fc.bigInt({ min: 0n, max: 2_000n }), balanceB: fc.bigInt({ min: 0n, max: 2_000n }), htlcs: fc.array(htlc, { maxLength: 4 }),
}).map(({ balanceA, balanceB, htlcs }) => ({
  channelId: new Uint8Array(32), nonce: 7n, balanceA, balanceB, htlcs, action: Action.Transfer, actor: null, amount: 0n,
  validUntil: 0n, data: NO_DATA,
}));
const op: fc.Arbitrary<Op> = fc.oneof(
  amount.map((amount): Op => ({ op: 'pay', amount })),
  fc.tuple(which, amount, fc.bigInt({ min: 0n, max: 300n })).map(([i, amount, expiry]): Op => ({ op: 'add', hash: hashes[i]!, amount, expiry })),
  which.map((i): Op => ({ op: 'fulfil', hash: hashes[i]!, secret: secrets[i]! })),
  which.map((i): Op => ({ op: 'fail', hash: hashes[i]! })),
  amount.map((amount): Op => ({ op: 'deposit', amount, validUntil: 110n })),
  amount.map((amount): Op => ({ op: 'withdraw', amount, validUntil: 110n })),
  fc.constant<Op>({ op: 'close', validUntil: 110n }),
);

describe('applyOps keeps PROTOCOL §4.1', () => {
  it('the responder is never owed less, and the owed-decrease backstop never has to fire', () => {
    let built = 0;
    fc.assert(
      fc.property(base, fc.array(op, { minLength: 1, maxLength: 5 }), fc.boolean(), (prev, ops, proposerIsA) => {
        let next: ChannelState;
        try {
          next = applyOps(prev, prev.nonce + 1n, ops, proposerIsA, rules);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
          expect((e as ProtocolError).code).not.toBe(ChannelCode.OwedDecrease);
          return;
        }
        built++;
        expect(owed(next, !proposerIsA)).toBeGreaterThanOrEqual(owed(prev, !proposerIsA));
        expect(owed(next, true) + owed(next, false)).toBe(stateTotal(next));
        const moved = next.action === Action.Deposit ? next.amount : next.action === Action.Withdraw ? -next.amount : 0n;
        expect(stateTotal(next)).toBe(stateTotal(prev) + moved);
      }),
      { numRuns: 2_000 },
    );
    // the property says something only if most inputs build a state
    expect(built).toBeGreaterThan(200);
  });
});

describe('applyOps binds application data (PROTOCOL §3)', () => {
  const start: ChannelState = {
    channelId: new Uint8Array(32), nonce: 3n, balanceA: 100n, balanceB: 100n, htlcs: [], action: Action.Transfer, actor: null,
    amount: 0n, validUntil: 0n, data: NO_DATA,
  };
  const d1 = new Uint8Array(32).fill(1);
  const d2 = new Uint8Array(32).fill(2);

  it('a payment with data puts it in the state; one without leaves the state bound to nothing', () => {
    expect(applyOps(start, 4n, [{ op: 'pay', amount: 5n, data: d1 }, { op: 'pay', amount: 1n }], true, rules).data).toEqual(d1);
    expect(applyOps(start, 4n, [{ op: 'pay', amount: 5n }], true, rules).data).toEqual(NO_DATA);
  });

  it('attack: a proposal binding two pieces of data in one state is refused (CHANNEL_BAD_OPS)', () => {
    // a state signs one data field: the second payment's data would be signed over by no one
    const both = () => applyOps(start, 4n, [{ op: 'pay', amount: 5n, data: d1 }, { op: 'pay', amount: 1n, data: d2 }], false, rules);
    expect(both).toThrow(ProtocolError);
    expect(both).toThrow(expect.objectContaining({ code: ChannelCode.BadOps }));
  });
});
