// reveal-secret and settle-htlc: conditional payments, their payout rule (reveal
// height against expiry, never the close time), multi-hop and cross-asset atomicity.
// Expiries and reveal heights are tenure heights (PROTOCOL v2 §5); the simnet moves
// tenures with burn blocks, so a stall is shown on a copy in stall.test.ts.
import { describe, expect, it } from 'vitest';
import { Cl } from '@stacks/transactions';
import {
  Action, CHANNEL, ERR, Party, REGISTRY, SBTC, WINDOW, alice, balanceOf, bob, burnHeight, callId, callSettle, callWithState,
  carol, expectErr, fundedChannel, printEvent, record, reveal, secretPair, sign, state, Status, tenureHeight, toHex,
  type Channel, type Htlc,
} from './helpers.js';

function htlcState(ch: Channel, nonce: bigint, balanceA: bigint, balanceB: bigint, htlcs: Htlc[], action: 0 | 1 = Action.Transfer) {
  return sign(ch, state(ch, { nonce, balanceA, balanceB, htlcs, action }));
}

/** Close `ch` cooperatively with the given HTLCs still pending. */
function closeWith(ch: Channel, balanceA: bigint, balanceB: bigint, htlcs: Htlc[]) {
  const r = callWithState('close-channel', ch, htlcState(ch, 10n, balanceA, balanceB, htlcs, Action.Close), alice);
  expect(r.result.type).toBe('ok');
}

describe('reveal-secret', () => {
  it('records the tenure height of the first reveal and prints it with the burn height', () => {
    const { secret, hash } = secretPair(1);
    const [tenure, burn] = [tenureHeight(), burnHeight()];
    const r = reveal(secret);
    expect(r.result).toBeOk(Cl.buffer(hash));
    expect(simnet.callReadOnlyFn(REGISTRY, 'get-reveal-height', [Cl.buffer(hash)], alice).result).toBeSome(Cl.uint(tenure));
    expect(printEvent(r.events as never)).toEqual({ event: 'reveal-secret', hash: toHex(hash), secret: toHex(secret), height: tenure, 'burn-height': burn });
  });

  it('get-reveal-height is none for a secret never revealed', () => {
    expect(simnet.callReadOnlyFn(REGISTRY, 'get-reveal-height', [Cl.buffer(secretPair(99).hash)], alice).result).toBeNone();
  });

  it('ERR-ALREADY-REVEALED: the first height stands', () => {
    const { secret, hash } = secretPair(2);
    const first = tenureHeight();
    reveal(secret);
    simnet.mineEmptyBurnBlocks(3);
    expectErr(reveal(secret, bob).result, ERR.ALREADY_REVEALED);
    expect(simnet.callReadOnlyFn(REGISTRY, 'get-reveal-height', [Cl.buffer(hash)], alice).result).toBeSome(Cl.uint(first));
  });
});

describe('settle-htlc', () => {
  it('pays the receiver when the secret was revealed by the expiry', () => {
    const { secret, hash } = secretPair(3);
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    closeWith(ch, 70n, 100n, [{ hash, amount: 30n, expiry: tenureHeight() + 20n, offeredByA: true }]);
    expect(record(ch)).toMatchObject({ status: Status.Closed, total: 30n });
    reveal(secret);
    const b0 = balanceOf(ch, bob);
    const r = callSettle(ch, 0, carol);
    expect(r.result).toBeOk(Cl.principal(bob));
    expect(balanceOf(ch, bob) - b0).toBe(30n);
    expect(record(ch)?.total).toBe(0n);
    expect(printEvent(r.events as never)).toMatchObject({ event: 'settle-htlc', index: 0n, payee: bob, amount: 30n, 'preimage-revealed': true, total: 0n });
  });

  it('refunds the offerer when the secret is revealed after the expiry', () => {
    const { secret, hash } = secretPair(4);
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const expiry = tenureHeight() + 3n;
    closeWith(ch, 100n, 70n, [{ hash, amount: 30n, expiry, offeredByA: false }]);
    simnet.mineEmptyBurnBlocks(4);
    reveal(secret);
    const b0 = balanceOf(ch, bob);
    expect(callSettle(ch, 0, alice).result).toBeOk(Cl.principal(bob));
    expect(balanceOf(ch, bob) - b0).toBe(30n);
  });

  it('refunds the offerer when the secret is never revealed, once the expiry has passed', () => {
    const { hash } = secretPair(5);
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const expiry = tenureHeight() + 3n;
    closeWith(ch, 70n, 100n, [{ hash, amount: 30n, expiry, offeredByA: true }]);
    simnet.mineEmptyBurnBlocks(3);
    expect(tenureHeight()).toBe(expiry);
    expectErr(callSettle(ch, 0, alice).result, ERR.HTLC_PENDING); // at the expiry a reveal still counts
    simnet.mineEmptyBurnBlocks(1);
    const a0 = balanceOf(ch, alice);
    const r = callSettle(ch, 0, alice);
    expect(r.result).toBeOk(Cl.principal(alice));
    expect(balanceOf(ch, alice) - a0).toBe(30n);
    expect(printEvent(r.events as never)).toMatchObject({ event: 'settle-htlc', payee: alice, amount: 30n, 'preimage-revealed': false, total: 0n });
  });

  it('ERR-HTLC-PENDING, ERR-HTLC-INDEX, ERR-WRONG-TOKEN', () => {
    const { secret, hash } = secretPair(6);
    const { ch } = fundedChannel(alice, bob, 100n, 100n, { token: SBTC });
    closeWith(ch, 70n, 100n, [{ hash, amount: 30n, expiry: tenureHeight() + 10n, offeredByA: true }]);
    expectErr(callSettle(ch, 0, alice).result, ERR.HTLC_PENDING);
    expectErr(callSettle(ch, 1, alice).result, ERR.HTLC_INDEX);
    reveal(secret);
    expectErr(callSettle(ch, 0, alice, null).result, ERR.WRONG_TOKEN);
    expect(simnet.callReadOnlyFn(CHANNEL, 'is-htlc-settled', [Cl.buffer(ch.id), Cl.uint(0)], alice).result).toBeBool(false);
    expect(callSettle(ch, 0, alice).result).toBeOk(Cl.principal(bob));
    expect(simnet.callReadOnlyFn(CHANNEL, 'is-htlc-settled', [Cl.buffer(ch.id), Cl.uint(0)], alice).result).toBeBool(true);
  });

  it('ERR-HTLC-SETTLED: an HTLC pays once, while the escrow still covers its amount', () => {
    const one = secretPair(10);
    const two = secretPair(11);
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const expiry = tenureHeight() + 10n;
    closeWith(ch, 50n, 100n, [
      { hash: one.hash, amount: 10n, expiry, offeredByA: true },
      { hash: two.hash, amount: 40n, expiry, offeredByA: true },
    ]);
    reveal(one.secret);
    expect(callSettle(ch, 0, carol).result).toBeOk(Cl.principal(bob));
    const b0 = balanceOf(ch, bob);
    expectErr(callSettle(ch, 0, carol).result, ERR.HTLC_SETTLED);
    expect(balanceOf(ch, bob)).toBe(b0);
    expect(record(ch)?.total).toBe(40n);
  });

  it('ERR-HTLC-SETTLED: settling the last HTLC again is an error, not a runtime abort (I8)', () => {
    // A `total - amount` computed before the HTLC-SETTLED check underflows once the HTLC
    // is paid and the escrow is below its amount: the call would abort (ArithmeticUnderflow)
    // instead of returning the error a client can act on.
    const { secret, hash } = secretPair(12);
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    closeWith(ch, 70n, 100n, [{ hash, amount: 30n, expiry: tenureHeight() + 10n, offeredByA: true }]);
    reveal(secret);
    expect(callSettle(ch, 0, alice).result).toBeOk(Cl.principal(bob));
    expect(record(ch)?.total).toBe(0n);
    const again = () => callSettle(ch, 0, alice).result;
    expect(again).not.toThrow();
    expectErr(again(), ERR.HTLC_SETTLED);
  });

  it('ERR-NOT-CLOSED while the channel is open or in its window; ERR-UNKNOWN-CHANNEL', () => {
    const { secret, hash } = secretPair(7);
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    reveal(secret);
    const s = htlcState(ch, 2n, 70n, 100n, [{ hash, amount: 30n, expiry: tenureHeight() + 50n, offeredByA: true }]);
    callWithState('update-balance', ch, s, alice);
    expectErr(callSettle(ch, 0, alice).result, ERR.NOT_CLOSED);
    callId('emergency-close', ch, alice);
    expectErr(callSettle(ch, 0, alice).result, ERR.NOT_CLOSED);
    expectErr(callSettle({ ...ch, id: new Uint8Array(32).fill(1) }, 0, alice).result, ERR.UNKNOWN_CHANNEL);
  });

  it('attack: multi-hop griefing (A closes A-B without the HTLC, B learns the secret from C late) ends with B whole', () => {
    const { secret, hash } = secretPair(8);
    const bob0 = balanceOf({ token: null }, bob);
    const ab = fundedChannel(alice, bob, 1_000n, 1_000n).ch; // bob deposits 1,000 as b
    const bc = fundedChannel(bob, carol, 1_000n, 1_000n).ch; // bob deposits 1,000 as a
    const start = tenureHeight();
    // A -> B offers 100 (expiry +40); B -> C offers 100 (expiry +30, a safety delta shorter).
    const abWithHtlc = htlcState(ab, 2n, 900n, 1_000n, [{ hash, amount: 100n, expiry: start + 40n, offeredByA: true }]);
    const bcWithHtlc = htlcState(bc, 2n, 900n, 1_000n, [{ hash, amount: 100n, expiry: start + 30n, offeredByA: true }]);
    // A closes A-B with the state before the HTLC (revoked: A signed the HTLC state last).
    callWithState('initiate-dispute', ab, htlcState(ab, 1n, 1_000n, 1_000n, []), alice);
    // B answers within the window with the HTLC state: A is marked as cheater.
    expect(callWithState('challenge', ab, abWithHtlc, bob).result.type).toBe('ok');
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    expect(callId('resolve', ab, bob).result.type).toBe('ok');
    // Only now, late and close to its own expiry, does C claim downstream by revealing on-chain.
    simnet.mineEmptyBurnBlocks(20);
    expect(tenureHeight()).toBeLessThanOrEqual(start + 30n);
    expect(reveal(secret, carol).result.type).toBe('ok');
    callWithState('initiate-dispute', bc, bcWithHtlc, carol);
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    expect(callId('resolve', bc, carol).result.type).toBe('ok');
    expect(callSettle(bc, 0, carol).result).toBeOk(Cl.principal(carol)); // B pays C 100
    // the same reveal pays B upstream, although A-B was finalised long before
    expect(callSettle(ab, 0, bob).result).toBeOk(Cl.principal(bob));
    // B: from A-B its 1,000 + A's 900 (penalty) + the 100 HTLC; from B-C its 900.
    // Deposited 2,000, received 2,900: whole for the hop, plus the penalty.
    expect(balanceOf({ token: null }, bob) - bob0).toBe(900n);
    expect(record(ab)).toMatchObject({ cheater: Party.A, total: 0n });
    expect(record(bc)).toMatchObject({ cheater: Party.Nobody, total: 0n });
  });

  it('atomic swap: an STX channel and an sBTC channel locked by one hash settle together', () => {
    const { secret, hash } = secretPair(9);
    const stx = fundedChannel(alice, bob, 1_000n, 1_000n).ch;
    const sbtc = fundedChannel(alice, bob, 50n, 50n, { token: SBTC }).ch;
    const expiry = tenureHeight() + 30n;
    // Alice offers 300 STX to Bob; Bob offers 20 sBTC to Alice; one hash, Alice knows the secret.
    closeWithBoth(stx, 700n, 1_000n, { hash, amount: 300n, expiry, offeredByA: true });
    closeWithBoth(sbtc, 50n, 30n, { hash, amount: 20n, expiry: expiry - 10n, offeredByA: false });
    reveal(secret, alice); // Alice claims her sBTC: this alone lets Bob claim his STX
    const [aSbtc, bStx] = [balanceOf(sbtc, alice), balanceOf(stx, bob)];
    expect(callSettle(sbtc, 0, alice).result).toBeOk(Cl.principal(alice));
    expect(callSettle(stx, 0, bob).result).toBeOk(Cl.principal(bob));
    expect(balanceOf(sbtc, alice) - aSbtc).toBe(20n);
    expect(balanceOf(stx, bob) - bStx).toBe(300n);
  });
});

function closeWithBoth(ch: Channel, balanceA: bigint, balanceB: bigint, htlc: Htlc) {
  const r = callWithState('close-channel', ch, htlcState(ch, 5n, balanceA, balanceB, [htlc], Action.Close), bob);
  expect(r.result.type).toBe('ok');
}
