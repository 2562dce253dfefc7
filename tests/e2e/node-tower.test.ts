// A stale close by one node answered by the other node's built-in watchtower, with the
// chain dropping the first challenge. Bob's node is restarted from a copy of its data
// directory taken ten payments ago (a stale backup) and force-closes from there; the
// chain loses Alice's first challenge; her node replaces it at the same nonce with a
// higher fee, the challenge lands, Bob is marked the cheater, and after the window
// Alice is paid the whole channel. Then the same with the chain holding the challenges
// unmined while Alice's node restarts: the restarted node, which kept what it sent but
// not the call, replaces the waiting challenge at its nonce and wins. Everything is
// driven through the nodes' API.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getChannel } from '../../client/src/chain/readers.js';
import { ChannelStatus } from '../../client/src/chain/record.js';
import { PARTIES } from '../../client/src/demo/accounts.js';
import { DemoChain } from '../../client/src/demo/chain-client.js';
import { CONTRACTS } from '../../client/src/demo/world.js';
import { fromHex } from '../../client/src/wire/json.js';
import { feesPaid, freePort, startChainProcess, startNode, type NodeEnv, type NodeProcess } from './fixtures/node-process.js';

const hex = (k: Uint8Array) => Buffer.from(k).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'bitstream-node-tower-'));
let chain: Awaited<ReturnType<typeof startChainProcess>>;
let view: DemoChain;
const running: NodeProcess[] = [];
let bobPort = 0;

const env = (name: 'alice' | 'bob', dataDir: string, peerPort: number): NodeEnv => ({
  chainUrl: chain.url, dataDir, key: hex(PARTIES[name].privateKey), token: `${name}-token`, extra: { BITSTREAM_PEER_PORT: String(peerPort) },
});

async function start(e: NodeEnv): Promise<NodeProcess> {
  const n = await startNode(e);
  running.push(n);
  return n;
}

async function stop(n: NodeProcess): Promise<void> {
  n.proc.kill('SIGTERM');
  await n.exited;
}

beforeAll(async () => {
  chain = await startChainProcess({ blockMs: 50, burnMs: 150 });
  view = new DemoChain(chain.url, { channel: CONTRACTS.channel, registry: CONTRACTS.registry });
  bobPort = await freePort();
});

afterAll(async () => {
  for (const n of running) n.proc.kill('SIGKILL');
  chain?.proc.kill('SIGTERM');
  await chain?.exited;
  rmSync(dir, { recursive: true, force: true });
});

interface Tx { txid: string; kind: string; nonce: string; fee: string; status: string; replaces?: string | null }

describe("the node's built-in watchtower", () => {
  it('challenges a stale close, replaces the challenge the chain dropped with a higher fee, and wins the penalty', async () => {
    const alice = await start(env('alice', join(dir, 'alice'), 0));
    let bob = await start(env('bob', join(dir, 'bob'), bobPort));
    expect((await alice.api('POST', '/v1/peers', { url: bob.peerUrl, principal: bob.principal })).status).toBe(200);
    const aliceBefore = await view.stx(alice.principal);
    const opened = await alice.api<{ id: string }>('POST', '/v1/channels', { peer: bob.principal, amount: '1000000' });
    expect(opened.status).toBe(201);
    const id = opened.body.id;

    for (let i = 0; i < 10; i++) expect((await alice.api('POST', '/v1/payments', { channelId: id, amount: '1000' })).status).toBe(200);
    // Bob's "backup": his data directory as it is now, at state 10 (he holds 10,000) —
    // once Alice's last signature has reached him (Alice, the payer, signs last)
    await expect.poll(async () => (await bob.api<{ nonce: string; busy: boolean }>('GET', `/v1/channels/${id}`)).body, { timeout: 10_000 }).toMatchObject({ nonce: '10', busy: false });
    await stop(bob);
    cpSync(join(dir, 'bob'), join(dir, 'bob-stale'), { recursive: true });
    bob = await start(env('bob', join(dir, 'bob'), bobPort));
    await expect.poll(async () => (await alice.api<{ peerConnected: boolean }>('GET', `/v1/channels/${id}`)).body.peerConnected, { timeout: 15_000 }).toBe(true);
    for (let i = 0; i < 8; i++) expect((await bob.api('POST', '/v1/payments', { channelId: id, amount: '1000' })).status, bob.output()).toBe(200);
    await expect.poll(async () => (await alice.api<{ nonce: string; busy: boolean }>('GET', `/v1/channels/${id}`)).body, { timeout: 10_000 }).toMatchObject({ nonce: '18', busy: false });
    await stop(bob);

    // the chain will lose the next challenge it is sent
    expect((await fetch(`${chain.url}/dev/drop`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName: 'challenge' }) })).status).toBe(200);
    // Bob's node from the stale copy (on another port: Alice's node cannot reach it) closes with state 10
    const stale = await start(env('bob', join(dir, 'bob-stale'), 0));
    const closed = await stale.api<{ phase: string; nonce: string }>('POST', `/v1/channels/${id}/force-close`);
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body).toMatchObject({ phase: 'closing', nonce: '10' });

    // Alice's node challenges; the first challenge is dropped and replaced at the same nonce, higher fee
    await expect.poll(async () => {
      const txs = (await alice.api<Tx[]>('GET', '/v1/transactions')).body.filter((t) => t.kind === 'challenge');
      return txs.some((t) => t.status === 'success');
    }, { timeout: 30_000, interval: 200 }).toBe(true);
    const challenges = (await alice.api<Tx[]>('GET', '/v1/transactions')).body.filter((t) => t.kind === 'challenge');
    const dropped = challenges.find((t) => t.status === 'dropped_stale_garbage_collect');
    expect(dropped, JSON.stringify(challenges)).toBeDefined();
    const landed = challenges.find((t) => t.status === 'success')!;
    // while its challenge was on its way the tower sent no second one (which could only abort on-chain and cost a fee)
    expect(challenges.filter((t) => t.status === 'success')).toHaveLength(1);
    expect(challenges.every((t) => t.status === 'success' || t.status.startsWith('dropped')), JSON.stringify(challenges)).toBe(true);
    expect(landed.nonce).toBe(dropped!.nonce);
    expect(BigInt(landed.fee)).toBeGreaterThan(BigInt(dropped!.fee));

    // the window passes; the channel resolves with the penalty: Alice is paid all of it
    // (she paid in 1,000,000 and is paid 1,000,000: her balance is back, less her fees)
    await expect.poll(async () => (await alice.api<{ phase: string }>('GET', `/v1/channels/${id}`)).body.phase, { timeout: 30_000, interval: 200 }).toBe('closed');
    const record = await getChannel(view.ctx, { channelId: fromHex(id) });
    expect(record?.status).toBe(ChannelStatus.Closed);
    expect(record?.cheater).toBe(bob.principal);
    await expect.poll(async () => (await view.stx(alice.principal)) + (await feesPaid(alice)), { timeout: 10_000 }).toBe(aliceBefore);
  });
  it('a challenge stuck unmined when the node restarts is replaced at its nonce by the restarted node, and wins', async () => {
    for (const n of running.splice(0)) await stop(n);
    const port = await freePort();
    let alice = await start(env('alice', join(dir, 'alice2'), 0));
    let bob = await start(env('bob', join(dir, 'bob2'), port));
    expect((await alice.api('POST', '/v1/peers', { url: bob.peerUrl, principal: bob.principal })).status).toBe(200);
    // a window (40 burn blocks, 6 s here) longer than Alice's node takes to restart: a
    // tower away for longer than the window cannot challenge any more
    const opened = await alice.api<{ id: string }>('POST', '/v1/channels', { peer: bob.principal, amount: '500000', window: 40 });
    expect(opened.status).toBe(201);
    const id = opened.body.id;
    for (let i = 0; i < 5; i++) expect((await alice.api('POST', '/v1/payments', { channelId: id, amount: '1000' })).status).toBe(200);
    // the stale copy at state 5, once Alice's last signature has reached Bob (the payer signs last)
    await expect.poll(async () => (await bob.api<{ nonce: string; busy: boolean }>('GET', `/v1/channels/${id}`)).body, { timeout: 10_000 }).toMatchObject({ nonce: '5', busy: false });
    await stop(bob);
    cpSync(join(dir, 'bob2'), join(dir, 'bob2-stale'), { recursive: true });
    bob = await start(env('bob', join(dir, 'bob2'), port));
    await expect.poll(async () => (await alice.api<{ peerConnected: boolean }>('GET', `/v1/channels/${id}`)).body.peerConnected, { timeout: 15_000 }).toBe(true);
    for (let i = 0; i < 3; i++) expect((await bob.api('POST', '/v1/payments', { channelId: id, amount: '1000' })).status).toBe(200);
    await expect.poll(async () => (await alice.api<{ nonce: string; busy: boolean }>('GET', `/v1/channels/${id}`)).body, { timeout: 10_000 }).toMatchObject({ nonce: '8', busy: false });
    await stop(bob);

    // the chain keeps the next two challenges waiting, unmined (too low a fee, say)
    expect((await fetch(`${chain.url}/dev/hold`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName: 'challenge', count: 2 }) })).status).toBe(200);
    const stale = await start(env('bob', join(dir, 'bob2-stale'), 0));
    expect((await stale.api<{ nonce: string }>('POST', `/v1/channels/${id}/force-close`)).body).toMatchObject({ nonce: '5' });
    const challenges = async (n: NodeProcess) => (await n.api<(Tx & { at: number })[]>('GET', '/v1/transactions')).body.filter((t) => t.kind === 'challenge');
    await expect.poll(async () => (await challenges(alice)).some((t) => t.status === 'pending'), { timeout: 30_000, interval: 100 }).toBe(true);
    const first = (await challenges(alice))[0]!;

    // Alice's node restarts with its challenge still waiting: what it sent is in its store, the call is not
    await stop(alice);
    const restartedAt = Date.now();
    alice = await start(env('alice', join(dir, 'alice2'), 0));
    await expect.poll(async () => (await challenges(alice)).some((t) => t.status === 'success'), { timeout: 30_000, interval: 200 }).toBe(true);
    const all = await challenges(alice);
    const landed = all.find((t) => t.status === 'success')!;
    expect(landed.nonce).toBe(first.nonce); // a replacement, not a second challenge
    expect(BigInt(landed.fee)).toBeGreaterThan(BigInt(first.fee));
    expect(landed.at).toBeGreaterThanOrEqual(restartedAt);
    expect(all.filter((t) => t.status === 'success')).toHaveLength(1);
    await expect.poll(async () => (await alice.api<{ phase: string }>('GET', `/v1/channels/${id}`)).body.phase, { timeout: 30_000, interval: 200 }).toBe('closed');
    expect((await getChannel(view.ctx, { channelId: fromHex(id) }))?.cheater).toBe(bob.principal);
  });
});
