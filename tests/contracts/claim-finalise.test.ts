// PROTOCOL v2 §6.5, the abort case: `claim` on a closing channel whose window has ended
// finalises it and pays only the claimer, leaving the other side's share waiting in
// `unpaid`. So a payout that does not merely fail but aborts the whole transaction
// cannot hold the other side's funds either. The attacker: a contract participant
// (fixtures/contract-party.clar) in a channel whose token (fixtures/hook-token.clar)
// calls it back on every receipt; its hook re-enters `resolve` while resolve pays it,
// which Clarity refuses by aborting the transaction (a function may not re-enter itself).
import { beforeEach, describe, expect, it } from 'vitest';
import { Cl } from '@stacks/transactions';
import {
  ERR, WINDOW, alice, callClaim, callId, callWithState, carol, expectConservation, expectErr, mint, open, printEvents, record,
  Status, tokenBalance, unpaid, type Channel,
} from './helpers.js';
import { arm, channelWithParty, deployHookParty, signedWithParty, type HookParty } from './hook-party.js';

let H: HookParty;
beforeEach(() => {
  H = deployHookParty();
});

/** Alice 300 in hook-token with the party as participant-b, paid 100 off-chain, closing with that state. */
function closingChannel(): Channel {
  const ch = channelWithParty(H);
  const paid = signedWithParty(ch, { nonce: 1n, balanceA: 200n, balanceB: 100n });
  expect(callWithState('initiate-dispute', ch, paid, alice).result.type).toBe('ok');
  simnet.mineEmptyBurnBlocks(Number(WINDOW));
  return ch;
}

describe('claim finalises a channel whose window has ended, paying only the claimer', () => {
  it('attack: a participant whose payout aborts resolve cannot hold the other side\'s funds', () => {
    const ch = closingChannel();
    arm('resolve', ch);
    // resolve pays the party, whose hook re-enters resolve: the whole transaction aborts
    // (the simnet reports the abort by throwing)
    expect(() => callId('resolve', ch, carol)).toThrow(/CircularReference/);
    expect(record(ch)).toMatchObject({ status: Status.Closing });
    expect(tokenBalance(H.token, alice)).toBe(0n);
    // alice claims her share alone: the channel is finalised, the party's share waits
    const claimed = callClaim(ch, alice, carol);
    expect(claimed.result).toBeOk(Cl.uint(200n));
    expect(tokenBalance(H.token, alice)).toBe(200n);
    expect(record(ch)).toMatchObject({ status: Status.Closed, total: 0n });
    expect([unpaid(ch, alice), unpaid(ch, H.party)]).toEqual([0n, 100n]);
    expect(printEvents(claimed.events).map((e) => e['event'])).toEqual(['resolve', 'claim']);
    expectConservation(H.token, [ch]);
    // resolve is over for good; the party's share is still claimable
    expectErr(callId('resolve', ch, carol).result, ERR.NOT_CLOSING);
    expect(callClaim(ch, H.party, carol).result).toBeOk(Cl.uint(100n));
    expect(tokenBalance(H.token, H.party)).toBe(100n);
    expectConservation(H.token, [ch]);
  });

  it('before the window ends claim finalises nothing (ERR-WINDOW-OPEN); with nothing owed it refuses (ERR-NOTHING-OWED)', () => {
    mint(H.token, 300n, alice);
    const ch = open(alice, H.party, 300n, { token: H.token });
    expect(callId('emergency-close', ch, alice).result.type).toBe('ok');
    expectErr(callClaim(ch, alice, carol).result, ERR.WINDOW_OPEN);
    expect(record(ch)).toMatchObject({ status: Status.Closing });
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    // the party is owed nothing at the checkpoint: the finalisation is undone with the refusal
    expectErr(callClaim(ch, H.party, carol).result, ERR.NOTHING_OWED);
    expect(record(ch)).toMatchObject({ status: Status.Closing });
    expect(callClaim(ch, alice, carol).result).toBeOk(Cl.uint(300n));
    expectConservation(H.token, [ch]);
  });
});
