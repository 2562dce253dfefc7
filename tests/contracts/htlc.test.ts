// reveal-secret and settle-htlc: conditional payments, their payout rule (reveal
// height against expiry, never the close time), multi-hop and cross-asset atomicity.
import { describe, expect, it } from 'vitest';
import { Cl } from '@stacks/transactions';
import {
  Action, CHANNEL, ERR, REGISTRY, SBTC, WINDOW, alice, balanceOf, bob, burnHeight, callId, callSettle, callWithState,
  carol, expectErr, fundedChannel, printEvent, record, reveal, secretPair, sign, state, Status, toHex,
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
  it('records the first reveal height and prints it', () => {
    const { secret, hash } = secretPair(1);
    const r = reveal(secret);
    expect(r.result).toBeOk(Cl.buffer(hash));
    const height = burnHeight();
    expect(simnet.callReadOnlyFn(REGISTRY, 'get-reveal-height', [Cl.buffer(hash)], alice).result).toBeSome(Cl.uint(height));
    expect(printEvent(r.events as never)).toMatchObject({ event: 'reveal-secret', hash: toHex(hash), secret: toHex(secret), height });
  });

  it('ERR-ALREADY-REVEALED: the first height stands', () => {
    const { secret, hash } = secretPair(2);
    reveal(secret);
    const first = burnHeight();
    simnet.mineEmptyBurnBlocks(3);
    expectErr(reveal(secret, bob).result, ERR.ALREADY_REVEALED);
    expect(simnet.callReadOnlyFn(REGISTRY, 'get-reveal-height', [Cl.buffer(hash)], alice).result).toBeSome(Cl.uint(first));
  });
});

describe('settle-htlc', () => {
  it('pays the receiver when the secret was revealed by the expiry', () => {
    const { secret, hash } = secretPair(3);
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    closeWith(ch, 70n, 100n, [{ hash, amount: 30n, expiry: burnHeight() + 20n, offeredByA: true }]);
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
    const expiry = burnHeight() + 3n;
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
    const expiry = burnHeight() + 3n;
    closeWith(ch, 70n, 100n, [{ hash, amount: 30n, expiry, offeredByA: true }]);
    simnet.mineEmptyBurnBlocks(3);
    expectErr(callSettle(ch, 0, alice).result, ERR.HTLC_PENDING); // at the expiry a reveal still counts
    simnet.mineEmptyBurnBlocks(1);
    expect(callSettle(ch, 0, alice).result).toBeOk(Cl.principal(alice));
  });

  it('ERR-HTLC-PENDING, ERR-HTLC-INDEX, ERR-HTLC-SETTLED, ERR-WRONG-TOKEN', () => {
    const { secret, hash } = secretPair(6);
    const { ch } = fundedChannel(alice, bob, 100n, 100n, { token: SBTC });
    closeWith(ch, 70n, 100n, [{ hash, amount: 30n, expiry: burnHeight() + 10n, offeredByA: true }]);
    expectErr(callSettle(ch, 0, alice).result, ERR.HTLC_PENDING);
    expectErr(callSettle(ch, 1, alice).result, ERR.HTLC_INDEX);
    reveal(secret);
    expectErr(callSettle(ch, 0, alice, null).result, ERR.WRONG_TOKEN);
    expect(callSettle(ch, 0, alice).result).toBeOk(Cl.principal(bob));
    expectErr(callSettle(ch, 0, alice).result, ERR.HTLC_SETTLED);
    expect(simnet.callReadOnlyFn(CHANNEL, 'is-htlc-settled', [Cl.buffer(ch.id), Cl.uint(0)], alice).result).toBeBool(true);
  });

  it('ERR-NOT-CLOSED while the channel is open or in its window; ERR-UNKNOWN-CHANNEL', () => {
    const { secret, hash } = secretPair(7);
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    reveal(secret);
    const s = htlcState(ch, 2n, 70n, 100n, [{ hash, amount: 30n, expiry: burnHeight() + 50n, offeredByA: true }]);
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
    const start = burnHeight();
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
    expect(burnHeight()).toBeLessThanOrEqual(start + 30n);
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
    expect(record(ab)).toMatchObject({ cheater: alice, total: 0n });
    expect(record(bc)).toMatchObject({ cheater: null, total: 0n });
  });

  it('atomic swap: an STX channel and an sBTC channel locked by one hash settle together', () => {
    const { secret, hash } = secretPair(9);
    const stx = fundedChannel(alice, bob, 1_000n, 1_000n).ch;
    const sbtc = fundedChannel(alice, bob, 50n, 50n, { token: SBTC }).ch;
    const expiry = burnHeight() + 30n;
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
