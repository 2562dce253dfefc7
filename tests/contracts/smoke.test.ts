import { describe, expect, it } from 'vitest';
import { Cl } from '@stacks/transactions';
import { Action, alice, bob, callWithState, open, record, sign, state, Status, verify, printEvent, callId, WINDOW } from './helpers.js';

describe('smoke', () => {
  it('opens, funds, pays, closes', () => {
    const ch = open(alice, bob, 1000n);
    const dep = sign(ch, state(ch, { nonce: 1n, balanceA: 1000n, balanceB: 500n, action: Action.Deposit, actor: bob, amount: 500n }));
    const r = callWithState('fund-channel', ch, dep, bob);
    expect(r.result).toBeOk(Cl.uint(1));
    console.log(printEvent(r.events as never));
    const pay = sign(ch, state(ch, { nonce: 2n, balanceA: 900n, balanceB: 600n }));
    console.log(verify(ch, pay));
    const d = callWithState('initiate-dispute', ch, pay, bob);
    console.log(d.result, record(ch));
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    const res = callId('resolve', ch, alice);
    console.log(res.result, res.events.map((e) => e.event), record(ch)?.status === Status.Closed);
  });
});
