// kill -9, at seeded random moments, 20 times, of one node or the other while payments
// stream between them through the API (the payer is killed as proposer, the payee as
// responder). Each payment has an id; a request cut off by a kill is retried with its
// id once the node is back. Afterwards: both nodes hold the same newest state, no
// acknowledged payment is lost (the payee has at least every acknowledged one, at most
// every attempted one), retrying any id never pays twice, no node ever signed two states
// at one nonce (each node's signature log), and payments go on.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARTIES } from '../../client/src/demo/accounts.js';
import { prng } from '../../client/src/wire/memory-transport.js';
import { freePort, startChainProcess, startNode, type NodeEnv, type NodeProcess } from './fixtures/node-process.js';

const KILLS = 20;
const SEED = Number(process.env['BITSTREAM_KILL_SEED'] ?? 20261201);
const hex = (k: Uint8Array) => Buffer.from(k).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'bitstream-node-kill-'));
let chain: Awaited<ReturnType<typeof startChainProcess>>;
// a restarted node comes back on its own peer port, where its peer redials it
const peerPorts: Record<'alice' | 'bob', number> = { alice: 0, bob: 0 };
const env = (name: 'alice' | 'bob'): NodeEnv => ({
  chainUrl: chain.url, dataDir: join(dir, name), key: hex(PARTIES[name].privateKey), token: `${name}-token`,
  extra: { BITSTREAM_SIGNATURE_LOG: join(dir, `${name}-signatures.jsonl`), BITSTREAM_PEER_PORT: String(peerPorts[name]) },
});
const nodes: Partial<Record<'alice' | 'bob', NodeProcess>> = {};

beforeAll(async () => {
  chain = await startChainProcess({ blockMs: 50, burnMs: 150 });
  peerPorts.alice = await freePort();
  peerPorts.bob = await freePort();
  [nodes.alice, nodes.bob] = await Promise.all([startNode(env('alice')), startNode(env('bob'))]);
});

afterAll(async () => {
  for (const n of Object.values(nodes)) n?.proc.kill('SIGKILL');
  chain?.proc.kill('SIGTERM');
  await chain?.exited;
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One payment by id, retried (same id) across the payer's deaths until it has an outcome. */
async function payUntilDone(id: string, channelId: string, stopAt: number): Promise<'ok' | 'failed'> {
  let last = 'no answer';
  for (;;) {
    const alice = nodes.alice;
    if (alice !== undefined) {
      try {
        const r = await alice.api('POST', '/v1/payments', { channelId, amount: '1', id });
        if (r.status === 200) return 'ok';
        if (r.status === 422) return 'failed';
        last = `${r.status} ${JSON.stringify(r.body)}`;
        if (process.env['KILL_DEBUG']) console.error(id, last);
      } catch (e) {
        // the payer died mid-request: retry with the same id once it is back
        last = `no answer (${(e as Error).message})`;
      }
    }
    if (Date.now() > stopAt) {
      const status = await nodes.alice?.api('GET', `/v1/payments/${id}`).catch(() => null);
      const channel = await nodes.alice?.api('GET', `/v1/channels/${channelId}`).catch(() => null);
      throw new Error(`payment ${id} never got an outcome; last answer ${last}; its status ${JSON.stringify(status?.body)}; the channel ${JSON.stringify(channel?.body)}`);
    }
    await sleep(50);
  }
}

function signatures(name: string): Map<string, Set<string>> {
  const byNonce = new Map<string, Set<string>>();
  let text = '';
  try {
    text = readFileSync(join(dir, `${name}-signatures.jsonl`), 'utf8');
  } catch {
    return byNonce;
  }
  for (const line of text.split('\n').filter(Boolean)) {
    const e = JSON.parse(line) as { channel: string; nonce: string; hash: string };
    const k = `${e.channel}:${e.nonce}`;
    if (!byNonce.has(k)) byNonce.set(k, new Set());
    byNonce.get(k)!.add(e.hash);
  }
  return byNonce;
}

describe(`kill -9 of a node mid-stream, ${KILLS} times (seed ${SEED})`, () => {
  it('loses no acknowledged payment, never signs a nonce twice, and both nodes agree', async () => {
    const random = prng(SEED);
    const { alice, bob } = nodes as Required<typeof nodes>;
    expect((await alice.api('POST', '/v1/peers', { url: bob.peerUrl, principal: bob.principal })).status).toBe(200);
    const opened = await alice.api<{ id: string }>('POST', '/v1/channels', { peer: bob.principal, amount: '1000000' });
    expect(opened.status).toBe(201);
    const channelId = opened.body.id;

    const acked = new Set<string>();
    const attempted = new Set<string>();
    let streaming = true;
    const stopAt = Date.now() + 240_000;
    let n = 0;
    const worker = async (w: number) => {
      while (streaming) {
        const id = `k-${w}-${n++}`;
        attempted.add(id);
        if ((await payUntilDone(id, channelId, stopAt)) === 'ok') acked.add(id);
      }
    };
    const workers = [0, 1, 2, 3].map(worker);

    for (let k = 0; k < KILLS; k++) {
      await sleep(200 + Math.floor(random() * 800));
      const name = k % 2 === 0 ? 'alice' : 'bob';
      const victim = nodes[name]!;
      delete nodes[name];
      victim.proc.kill('SIGKILL');
      await victim.exited;
      const t = Date.now();
      nodes[name] = await startNode(env(name));
      if (process.env['KILL_DEBUG']) console.error(`kill ${k} ${name}: restarted in ${Date.now() - t} ms, acked ${acked.size}`);
    }
    await sleep(500);
    streaming = false;
    await Promise.all(workers);

    const a = nodes.alice!;
    const b = nodes.bob!;
    // both nodes settle on the same state
    await expect.poll(async () => {
      const [x, y] = await Promise.all([a.api<{ nonce: string; busy: boolean }>('GET', `/v1/channels/${channelId}`), b.api<{ nonce: string; busy: boolean }>('GET', `/v1/channels/${channelId}`)]);
      return x.body.nonce === y.body.nonce && !x.body.busy && !y.body.busy;
    }, { timeout: 30_000 }).toBe(true);
    const va = (await a.api<{ balance: string; peerBalance: string }>('GET', `/v1/channels/${channelId}`)).body;
    const vb = (await b.api<{ balance: string; peerBalance: string }>('GET', `/v1/channels/${channelId}`)).body;
    expect(va.peerBalance).toBe(vb.balance);
    expect(vb.peerBalance).toBe(va.balance);
    expect(BigInt(va.balance) + BigInt(vb.balance)).toBe(1_000_000n);
    // every acknowledged payment reached the payee; nothing beyond what was attempted
    const received = BigInt(vb.balance);
    if (process.env['KILL_DEBUG']) {
      for (const name of ['alice', 'bob']) console.error(name, 'doubles', [...signatures(name)].filter(([, h]) => h.size > 1).map(([k]) => k));
      const statuses = new Map<string, number>();
      for (const id of acked) {
        const st = (await a.api<{ status: string; nonce?: string }>('GET', `/v1/payments/${id}`)).body;
        statuses.set(st.status, (statuses.get(st.status) ?? 0) + 1);
      }
      console.error('acked statuses', [...statuses], 'received', received, 'acked', acked.size, 'attempted', attempted.size);
    }
    expect(acked.size).toBeGreaterThan(100);
    expect(received).toBeGreaterThanOrEqual(BigInt(acked.size));
    expect(received).toBeLessThanOrEqual(BigInt(attempted.size));
    // retrying acknowledged ids pays nothing more
    for (const id of [...acked].slice(0, 20)) expect((await a.api('POST', '/v1/payments', { channelId, amount: '1', id })).status).toBe(200);
    expect((await b.api<{ balance: string }>('GET', `/v1/channels/${channelId}`)).body.balance).toBe(vb.balance);
    // no node signed two states at one nonce
    for (const name of ['alice', 'bob']) {
      const doubles = [...signatures(name)].filter(([, hashes]) => hashes.size > 1).map(([k]) => k);
      expect(doubles, name).toEqual([]);
      expect(signatures(name).size).toBeGreaterThan(0);
    }
    // and payments go on
    expect((await a.api('POST', '/v1/payments', { channelId, amount: '5' })).status).toBe(200);
  }, 300_000);
});
