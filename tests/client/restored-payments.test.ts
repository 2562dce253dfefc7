// A payment an earlier run proposed but lost in a crash (its proposal never reached the
// peer) must not be reported completed by a later, different payment whose state happens
// to have the same bytes: one payment of 1 from the same base is the same state
// whichever payment it is. Found by the node kill test (tests/e2e/node-kill.test.ts):
// the payee then held less than the payer had acknowledged.
import { describe, expect, it } from 'vitest';
import { Channel } from '../../client/src/channel/channel.js';
import { MemoryStore } from '../../client/src/store/memory.js';
import { memoryPair } from '../../client/src/wire/memory-transport.js';
import type { Transport } from '../../client/src/wire/transport.js';
import { channelIdOf, openingState, settle, sideConfig } from './fixtures/peers.js';

const blackHole: Transport = { send: () => undefined, onMessage: () => () => undefined, close: () => undefined };

describe('payments restored after a crash', () => {
  it('a lost proposal\'s payment fails when another payment takes its nonce with an identical state', async () => {
    const channelId = channelIdOf(41);
    const initial = openingState(channelId, 1_000n);
    const storeA = new MemoryStore();
    const storeB = new MemoryStore();
    // run 1: A proposes payment "old" into a transport that loses it, then "crashes"
    const first = await Channel.open(sideConfig('a', { store: storeA, transport: blackHole, channelId }), initial);
    await expect(first.pay(1n, { id: 'old', timeoutMs: 30 })).rejects.toMatchObject({ code: 'PAYMENT_PENDING' });
    expect(storeA.payment('old')?.status).toBe('in-flight');
    first.close();

    // run 2: A restarts with the same store; a new payment makes the same state at nonce 1
    const [endA, endB] = memoryPair();
    const a = await Channel.open(sideConfig('a', { store: storeA, transport: endA, channelId }), initial);
    const b = await Channel.open(sideConfig('b', { store: storeB, transport: endB, channelId }), initial);
    const receipt = await a.pay(1n, { id: 'new' });
    await settle({ a, b });
    expect(receipt.nonce).toBe(1n);
    expect(b.balances.own).toBe(1n);
    // only one payment of 1 moved: "old" did not, and says so
    expect(a.paymentStatus('new')?.status).toBe('completed');
    expect(a.paymentStatus('old')?.status).toBe('failed');
    expect(storeA.payment('old')?.status).toBe('failed');
    await expect(a.pay(1n, { id: 'old' })).rejects.toMatchObject({ code: 'PAYMENT_FAILED' });
    expect(b.balances.own).toBe(1n);
    a.close();
    b.close();
  });
});
