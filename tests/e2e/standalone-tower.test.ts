// The standalone watchtower guarding an offline user, between processes on the local
// chain: Alice's node uploads each channel's newest closable state to her tower
// (`bitstream tower start`, its own process and key); Alice's node goes offline; the Hub
// force-closes from a stale copy of its data directory; Alice's tower challenges, the
// penalty applies, and Alice's node comes back to a closed channel and its whole balance.
// Then again with the tower's first two challenge transactions dropped by the chain: it
// replaces each at the same nonce with a higher fee until one lands.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARTIES } from '../../client/src/demo/accounts.js';
import { DemoChain } from '../../client/src/demo/chain-client.js';
import { CONTRACTS } from '../../client/src/demo/world.js';
import { DEVNET_ACCOUNTS } from '../../client/src/devnet/accounts.js';
import { feesPaid, freePort, startChainProcess, startNode, startTower, stopNode, type NodeProcess, type TowerProcess } from './fixtures/node-process.js';

const hex = (k: Uint8Array) => Buffer.from(k).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'bitstream-tower-e2e-'));
const OPENING = 1_000_000n;

let chain: Awaited<ReturnType<typeof startChainProcess>>;
let view: DemoChain;
let tower: TowerProcess;
let alicePort: number;
let hubPort: number;
const running: NodeProcess[] = [];
/** the fees Alice's node has paid by the end of the last test (none before the first) */
let aliceFees = 0n;

interface Channel { id: string; nonce: string; balance: string; busy: boolean; phase: string; peerConnected: boolean }
interface Tx { kind: string; status: string; nonce: string; fee: string; channelId: string | null }

// a window of 30 burn blocks (4.5 s here): room for the tower to replace two dropped challenges on a loaded machine
const aliceAt = () => startNode({ chainUrl: chain.url, dataDir: join(dir, 'alice'), key: hex(PARTIES.alice.privateKey), token: 'alice-token', extra: { BITSTREAM_TOWERS: tower.url, BITSTREAM_PEER_PORT: String(alicePort), BITSTREAM_WINDOW: '30' } });
const hubAt = (dataDir = join(dir, 'hub'), port = hubPort) => startNode({ chainUrl: chain.url, dataDir, key: hex(PARTIES.bob.privateKey), token: 'hub-token', extra: { BITSTREAM_PEER_PORT: String(port) } });
const started = async (p: Promise<NodeProcess>) => {
  const n = await p;
  running.push(n);
  return n;
};

beforeAll(async () => {
  chain = await startChainProcess({ blockMs: 50, burnMs: 150 });
  view = new DemoChain(chain.url, { channel: CONTRACTS.channel, registry: CONTRACTS.registry });
  tower = await startTower({ chainUrl: chain.url, dataDir: join(dir, 'tower'), key: hex(DEVNET_ACCOUNTS.wallet_4.privateKey) });
  [alicePort, hubPort] = [await freePort(), await freePort()];
});

afterAll(async () => {
  await Promise.all(running.map((n) => stopNode(n)));
  tower?.proc.kill('SIGTERM');
  await tower?.exited;
  chain?.proc.kill('SIGTERM');
  await chain?.exited;
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Alice opens a channel with the Hub and pays it; the Hub's data directory is copied (a
 * stale backup); the Hub pays Alice back, and Alice's tower holds that newest state.
 * Both nodes stop. Returns the channel and what the backup holds.
 */
async function staleBackup(tag: string) {
  const alice = await started(aliceAt());
  let hub = await started(hubAt());
  expect((await alice.api('POST', '/v1/peers', { url: hub.peerUrl, principal: hub.principal })).status).toBe(200);
  const opened = await alice.api<Channel>('POST', '/v1/channels', { peer: hub.principal, amount: String(OPENING) });
  expect(opened.status, JSON.stringify(opened.body)).toBe(201);
  const id = opened.body.id;
  for (let i = 0; i < 20; i++) expect((await alice.api('POST', '/v1/payments', { channelId: id, amount: '10000', id: `${tag}-a${i}` })).status).toBe(200);
  await stopNode(hub);
  const backup = join(dir, `hub-backup-${tag}`);
  cpSync(join(dir, 'hub'), backup, { recursive: true });
  hub = await started(hubAt());
  await expect.poll(async () => (await alice.api<Channel>('GET', `/v1/channels/${id}`)).body.peerConnected, { timeout: 20_000 }).toBe(true);
  for (let i = 0; i < 5; i++) {
    const r = await hub.api('POST', '/v1/payments', { channelId: id, amount: '20000', id: `${tag}-h${i}` });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }
  const newest = await (async () => {
    await expect.poll(async () => (await alice.api<Channel>('GET', `/v1/channels/${id}`)).body.busy, { timeout: 10_000 }).toBe(false);
    return (await alice.api<Channel>('GET', `/v1/channels/${id}`)).body;
  })();
  expect(newest.balance).toBe(String(OPENING - 200_000n + 100_000n));
  // the tower has Alice's newest state before she goes offline
  await expect.poll(async () => (await alice.api<{ uploaded: Record<string, string> }[]>('GET', '/v1/towers')).body[0]?.uploaded[id], { timeout: 10_000 }).toBe(newest.nonce);
  await stopNode(alice);
  await stopNode(hub);
  return { id, newest, backup, alice };
}

async function towerTxs(): Promise<Tx[]> {
  return (await fetch(`${tower.url}/transactions`)).json() as Promise<Tx[]>;
}

describe('a standalone watchtower guards an offline user', () => {
  for (const drops of [0, 2]) {
    it(`challenges the Hub's stale close while Alice's node is offline; the penalty pays her the channel${drops === 0 ? '' : `, with its first ${drops} challenges dropped`}`, async () => {
      const before = await view.stx(PARTIES.alice.address);
      const feesBefore = aliceFees;
      const { id, newest, backup } = await staleBackup(`t${drops}`);
      if (drops > 0) {
        const r = await fetch(`${chain.url}/dev/drop`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName: 'challenge', count: drops }) });
        expect(r.status).toBe(200);
      }
      // the Hub's stale copy, on another port (Alice is offline anyway), closes with the old state
      const stale = await started(hubAt(backup, 0));
      const closing = await stale.api<Channel>('POST', `/v1/channels/${id}/force-close`);
      expect(closing.status, JSON.stringify(closing.body)).toBe(200);
      expect(BigInt(closing.body.nonce)).toBeLessThan(BigInt(newest.nonce));

      await expect.poll(async () => (await towerTxs()).some((t) => t.kind === 'challenge' && t.channelId === id && t.status === 'success'), { timeout: 30_000, interval: 200 }).toBe(true);
      const challenges = (await towerTxs()).filter((t) => t.kind === 'challenge' && t.channelId === id);
      expect(challenges.filter((t) => t.status.startsWith('dropped'))).toHaveLength(drops);
      expect(challenges.filter((t) => t.status === 'success')).toHaveLength(1);
      // each replacement at the same nonce, with a higher fee
      expect(new Set(challenges.map((t) => t.nonce)).size).toBe(1);
      const fees = challenges.map((t) => BigInt(t.fee));
      for (let i = 1; i < fees.length; i++) expect(fees[i]!).toBeGreaterThan(fees[i - 1]!);
      await stopNode(stale);

      // Alice's node comes back to a closed channel: the penalty paid her all of it
      const alice = await started(aliceAt());
      await expect.poll(async () => (await alice.api<Channel>('GET', `/v1/channels/${id}`)).body.phase, { timeout: 30_000, interval: 200 }).toBe('closed');
      await expect.poll(async () => (await view.stx(PARTIES.alice.address)) + (await feesPaid(alice)) - feesBefore, { timeout: 20_000, interval: 200 }).toBe(before);
      aliceFees = await feesPaid(alice);
      await stopNode(alice);
    });
  }
});
