// Backups and peer storage between two node processes on the local chain. Alice loses
// her data directory twice:
// 1. she restores from a backup file that is stale (payments were made after it): the
//    restored channel refuses to force-close while the Hub is away (NODE_UNPROVEN_STATE,
//    nothing sent), and once the Hub is back it shows its newest state, Alice adopts it
//    and closes cooperatively with it: the chain pays her the newest balance;
// 2. she lost the backup file too: her node, started with only its key and told where
//    the Hub is, gets the channel back from the Hub's peer storage, is shown the newest
//    state, and closes alone with it; the dispute window passes with no challenge and
//    the chain pays her the newest balance.
// And the backup file itself: sealed (a copy with one byte changed, or opened with
// another key, is refused by `bitstream restore`, nothing written).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARTIES } from '../../client/src/demo/accounts.js';
import { DemoChain } from '../../client/src/demo/chain-client.js';
import { CONTRACTS } from '../../client/src/demo/world.js';
import { bin, cli, envOf, feesPaid, freePort, startChainProcess, startNode, teardown, channelReader, type NodeProcess } from './fixtures/node-process.js';

const hex = (k: Uint8Array) => Buffer.from(k).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'bitstream-backups-e2e-'));
const OPENING = 10_000_000n;
const BACKUP = join(dir, 'elsewhere', 'alice.backup');

let chain: Awaited<ReturnType<typeof startChainProcess>>;
let view: DemoChain;
let alice: NodeProcess;
let hub: NodeProcess;

interface Channel { id: string; nonce: string; balance: string; peerBalance: string; busy: boolean; phase: string; peerConnected: boolean; restored: { nonce: string; source: string } | null }
interface Failure { error: { code: string; message: string } }

const aliceEnv = (extra: Record<string, string> = {}) => ({
  chainUrl: chain.url, dataDir: join(dir, 'alice'), key: hex(PARTIES.alice.privateKey), token: 'alice-token',
  extra: { BITSTREAM_BACKUP_FILE: BACKUP, BITSTREAM_BACKUP_INTERVAL_MS: '100', ...extra },
});

beforeAll(async () => {
  chain = await startChainProcess({ blockMs: 50, burnMs: 150 });
  view = new DemoChain(chain.url, { channel: CONTRACTS.channel, registry: CONTRACTS.registry });
  const hubPort = await freePort();
  [alice, hub] = await Promise.all([
    startNode(aliceEnv()),
    startNode({ chainUrl: chain.url, dataDir: join(dir, 'hub'), key: hex(PARTIES.bob.privateKey), token: 'hub-token', extra: { BITSTREAM_PEER_PORT: String(hubPort), BITSTREAM_BACKUP_INTERVAL_MS: '100' } }),
  ]);
  expect((await alice.api('POST', '/v1/peers', { url: hub.peerUrl, principal: hub.principal })).status).toBe(200);
});

afterAll(() => teardown([alice, hub], chain, dir));

const { read: channel, settled } = channelReader<Channel>();
const open = async () => {
  const r = await alice.api<Channel>('POST', '/v1/channels', { peer: hub.principal, amount: String(OPENING) });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id;
};
const pay = async (id: string, n: number, amount = 1_000n) => {
  for (let i = 0; i < n; i++) expect((await alice.api('POST', '/v1/payments', { channelId: id, amount: String(amount) })).status).toBe(200);
};
/** Alice's node gone with everything in its data directory */
const loseData = async () => {
  alice.proc.kill('SIGKILL');
  await alice.exited;
  rmSync(join(dir, 'alice'), { recursive: true, force: true });
};
const restore = (file: string) => bin(['--json', '--data-dir', join(dir, 'alice'), 'restore', file], envOf(aliceEnv()));

describe('recovering a channel after losing the data directory', () => {
  it('from a stale backup file: refused to close alone until the Hub shows the newest state, then closed with it', async () => {
    const id = await open();
    await pay(id, 20);
    const stale = join(dir, 'stale.backup');
    const made = await cli(alice, ['--json', 'backup', '--out', stale]);
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ channels: 1, nonces: { [id]: '20' } });
    // a backup never lands on anything but a backup: not over the node's own store
    const over = await alice.api<Failure>('POST', '/v1/backup', { path: join(dir, 'alice', 'channels.db') });
    expect(over.status).toBe(400);
    expect(over.body.error.message).toContain('not a BitStream backup');
    expect((await alice.api<Failure>('POST', '/v1/backup', { path: 5 })).status).toBe(400);
    await pay(id, 30);
    const newest = await settled(alice, id);
    expect(newest.nonce).toBe('50');
    await loseData();

    // a copy with one byte changed, and the backup opened with another key: refused, nothing written
    const altered = join(dir, 'altered.backup');
    const bytes = readFileSync(stale);
    bytes[bytes.length - 20]! ^= 1;
    writeFileSync(altered, bytes);
    const bad = await restore(altered);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toContain('BACKUP_WRONG_KEY');
    const other = await bin(['--json', '--data-dir', join(dir, 'carol'), 'restore', stale], envOf({ ...aliceEnv(), key: hex(PARTIES.carol.privateKey) }));
    expect(other.stdout).toContain('BACKUP_WRONG_KEY');

    const restored = await restore(stale);
    expect(restored.code, restored.stderr).toBe(0);
    expect(JSON.parse(restored.stdout).channels).toEqual([expect.objectContaining({ id, nonce: '20', outcome: 'restored' })]);

    // the Hub is away: the restored state cannot be shown to be the newest, so no close alone
    hub.proc.kill('SIGSTOP');
    alice = await startNode(aliceEnv());
    const c = await channel(alice, id);
    expect(c).toMatchObject({ nonce: '20', restored: { nonce: '20', source: 'file' } });
    const refused = await alice.api<Failure>('POST', `/v1/channels/${id}/force-close`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('NODE_UNPROVEN_STATE');
    expect(refused.body.error.message).toContain('Connect to the peer');
    expect((await alice.api<unknown[]>('GET', '/v1/transactions')).body).toEqual([]);
    const shown = await cli(alice, ['channel', 'force-close', id]);
    expect(shown.code).not.toBe(0);
    expect(shown.stderr).toContain('NODE_UNPROVEN_STATE');

    // the Hub comes back: Alice's node redials it and is shown state 50
    hub.proc.kill('SIGCONT');
    await expect.poll(async () => (await channel(alice, id)).restored, { timeout: 20_000, interval: 200 }).toBeNull();
    const proven = await channel(alice, id);
    expect(proven).toMatchObject({ nonce: '50', balance: newest.balance, peerBalance: newest.peerBalance });

    // and the channel works again: a payment, then the cooperative close pays the newest balances
    await pay(id, 1);
    const before = await view.stx(PARTIES.alice.address);
    expect((await alice.api('POST', `/v1/channels/${id}/close`)).status).toBe(200);
    const fees = await feesPaid(alice);
    expect((await view.stx(PARTIES.alice.address)) + fees - before).toBe(BigInt(newest.balance) - 1_000n);
  });

  it('from the Hub\'s peer storage alone: the channel comes back, is proven, and closes alone with the newest state', async () => {
    const id = await open();
    await pay(id, 25, 2_000n);
    const newest = await settled(alice, id);
    // the Hub keeps Alice's newest sealed copy once her node handed it over (an interval after the change)
    await expect.poll(async () => (await alice.api<{ peerCopies: Record<string, string> }>('GET', '/v1/backup')).body.peerCopies[id], { timeout: 5_000 }).toBe(newest.nonce);
    await loseData();
    rmSync(BACKUP, { force: true });
    expect(existsSync(BACKUP)).toBe(false);

    alice = await startNode(aliceEnv());
    expect((await alice.api<Channel[]>('GET', '/v1/channels')).body).toEqual([]);
    expect((await alice.api('POST', '/v1/peers', { url: hub.peerUrl, principal: hub.principal })).status).toBe(200);
    await expect.poll(async () => (await alice.api<Channel[]>('GET', '/v1/channels')).body.find((c) => c.id === id) ?? 'missing', { timeout: 20_000, interval: 200 }).toMatchObject({ restored: null });
    expect(await channel(alice, id)).toMatchObject({ nonce: newest.nonce, balance: newest.balance, phase: 'open' });
    // the restored node writes its own backup file again, with the channel in it
    await expect.poll(async () => (await alice.api<{ last: { nonces: Record<string, string> } | null }>('GET', '/v1/backup')).body.last?.nonces[id], { timeout: 5_000 }).toBe(newest.nonce);
    expect(existsSync(BACKUP)).toBe(true);

    const before = await view.stx(PARTIES.alice.address);
    expect((await alice.api('POST', `/v1/channels/${id}/force-close`)).status).toBe(200);
    await expect.poll(async () => (await channel(alice, id)).phase, { timeout: 30_000, interval: 200 }).toBe('closed');
    await expect.poll(async () => (await view.stx(PARTIES.alice.address)) + (await feesPaid(alice)) - before, { timeout: 20_000, interval: 200 }).toBe(BigInt(newest.balance));
    // no challenge was needed: the Hub's tower found the close at the newest state
    expect((await hub.api<{ kind: string }[]>('GET', '/v1/transactions')).body.filter((t) => t.kind.includes('challenge'))).toEqual([]);
  });
});
