// Payments an earlier run proposed but lost in a crash. When the lost proposal can be
// rebuilt exactly from the store (its payments were all named), the restarted channel
// proposes it again and they complete once, whether the peer had signed it or not;
// without that, they waited forever for a new payment to take their nonce (the node kill
// test stalled so: every payer retried a payment nobody would ever propose). When it
// cannot be rebuilt (it also carried an unnamed payment), its payment must not be
// reported completed by a later, different payment whose state has the same bytes.
import { describe, expect, it } from 'vitest';
import { Channel } from '../../client/src/channel/channel.js';
import { MemoryStore } from '../../client/src/store/memory.js';
import { memoryPair } from '../../client/src/wire/memory-transport.js';
import type { Transport } from '../../client/src/wire/transport.js';
import { channelIdOf, openingState, settle, sideConfig } from './fixtures/peers.js';

const blackHole: Transport = { send: () => undefined, onMessage: () => () => undefined, close: () => undefined };

describe('payments restored after a crash', () => {
  it('a lost proposal that cannot be rebuilt: its payment fails when another payment takes its nonce with an identical state', async () => {
    const channelId = channelIdOf(41);
    const initial = openingState(channelId, 1_000n);
    const storeA = new MemoryStore();
    const storeB = new MemoryStore();
    // run 1: A proposes "old" (1) batched with an unnamed payment (1) into a transport that loses it, then "crashes"
    const first = await Channel.open(sideConfig('a', { store: storeA, transport: blackHole, channelId }), initial);
    const named = first.pay(1n, { id: 'old', timeoutMs: 30 });
    const unnamed = first.pay(1n, { timeoutMs: 30 });
    await expect(named).rejects.toMatchObject({ code: 'PAYMENT_PENDING' });
    await expect(unnamed).rejects.toMatchObject({ code: 'PAYMENT_PENDING' });
    expect(storeA.payment('old')?.status).toBe('in-flight');
    first.close();

    // run 2: A restarts with the same store; a new payment of 2 makes the same state at nonce 1
    const [endA, endB] = memoryPair();
    const a = await Channel.open(sideConfig('a', { store: storeA, transport: endA, channelId }), initial);
    const b = await Channel.open(sideConfig('b', { store: storeB, transport: endB, channelId }), initial);
    const receipt = await a.pay(2n, { id: 'new' });
    await settle({ a, b });
    expect(receipt.nonce).toBe(1n);
    expect(b.balances.own).toBe(2n);
    // only "new" moved: "old" did not, and says so
    expect(a.paymentStatus('new')?.status).toBe('completed');
    expect(a.paymentStatus('old')?.status).toBe('failed');
    expect(storeA.payment('old')?.status).toBe('failed');
    await expect(a.pay(1n, { id: 'old' })).rejects.toMatchObject({ code: 'PAYMENT_FAILED' });
    expect(b.balances.own).toBe(2n);
    a.close();
    b.close();
  });

  it('a lost proposal the peer never saw is proposed again after the restart: its payments complete once', async () => {
    const channelId = channelIdOf(42);
    const initial = openingState(channelId, 1_000n);
    const storeA = new MemoryStore();
    const storeB = new MemoryStore();
    const first = await Channel.open(sideConfig('a', { store: storeA, transport: blackHole, channelId }), initial);
    const lost = [first.pay(3n, { id: 'p1', timeoutMs: 30 }), first.pay(4n, { id: 'p2', timeoutMs: 30 })];
    for (const p of lost) await expect(p).rejects.toMatchObject({ code: 'PAYMENT_PENDING' });
    first.close();

    // run 2: nobody pays anything new; the retries by id are all there is
    const [endA, endB] = memoryPair();
    const a = await Channel.open(sideConfig('a', { store: storeA, transport: endA, channelId }), initial);
    const b = await Channel.open(sideConfig('b', { store: storeB, transport: endB, channelId }), initial);
    const again = await Promise.all([a.pay(3n, { id: 'p1', timeoutMs: 5_000 }), a.pay(4n, { id: 'p2', timeoutMs: 5_000 })]);
    await settle({ a, b });
    expect(again.map((r) => r.nonce)).toEqual([1n, 1n]); // the lost state itself
    expect(b.balances.own).toBe(7n);
    expect(storeA.payment('p1')?.status).toBe('completed');
    expect(storeA.payment('p2')?.status).toBe('completed');
    // a further payment builds on it: nothing was paid twice
    await a.pay(1n, { id: 'p3' });
    await settle({ a, b });
    expect(b.balances.own).toBe(8n);
    expect(a.latest.state.nonce).toBe(2n);
    a.close();
    b.close();
  });

  it('a lost proposal the peer had signed: proposed again, the peer answers with its signature, and it completes once', async () => {
    const channelId = channelIdOf(43);
    const initial = openingState(channelId, 1_000n);
    const storeA = new MemoryStore();
    const storeB = new MemoryStore();
    // run 1: A's proposal reaches B, B signs it and keeps its signature; B's answer never reaches A
    const [a1, b1] = memoryPair();
    const first = await Channel.open(sideConfig('a', { store: storeA, transport: a1, channelId }), initial);
    const firstB = await Channel.open(sideConfig('b', { store: storeB, transport: { send: () => undefined, onMessage: (h) => b1.onMessage(h), close: () => b1.close() }, channelId }), initial);
    await expect(first.pay(5n, { id: 'signed', timeoutMs: 50 })).rejects.toMatchObject({ code: 'PAYMENT_PENDING' });
    expect(storeB.load(channelId)?.pending?.state.nonce).toBe(1n); // B's signature on it is durable
    first.close();
    firstB.close();

    const [endA, endB] = memoryPair();
    const a = await Channel.open(sideConfig('a', { store: storeA, transport: endA, channelId }), initial);
    const b = await Channel.open(sideConfig('b', { store: storeB, transport: endB, channelId }), initial);
    const r = await a.pay(5n, { id: 'signed', timeoutMs: 5_000 });
    await settle({ a, b });
    expect(r.nonce).toBe(1n);
    expect(b.balances.own).toBe(5n);
    expect(b.latest.state.nonce).toBe(1n);
    a.close();
    b.close();
  });
});
