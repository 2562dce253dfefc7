// Benchmark (f): invoice payments forwarded through one hub, next to direct ones, in one
// run. Three node processes (`bitstream node start`, durable SQLite stores) on the local
// chain; Alice pays Carol's invoices through her HTTP API, 8 at a time:
//   (f1) forwarded: Alice → Hub → Carol, an HTLC and its fulfilment on each channel;
//   (f2) direct: Alice → Carol over their own channel, the same invoice payment on one;
//   (f3) plain channel payments Alice → Carol (POST /v1/payments), for scale.
// Target: (f1) ≥ 40 % of (f2) — a forward is two channel updates where a direct
// payment is one. Invoices are issued before each window; only paying is timed. Not a
// test: asserts nothing. Run: npx vite-node client/bench/forwarding.ts [--quick]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PARTIES } from '../src/demo/accounts.js';
import { startNode, stopNode, type NodeProcess } from '../src/demo/node-process.js';
import { startLocalChain } from '../src/localchain/index.js';
import { quantile } from './quantile.js';

const QUICK = process.argv.includes('--quick');
const COUNT = QUICK ? 100 : 400;
const PARALLEL = 8;
const OPENING = 100_000_000n;
const hex = (k: Uint8Array) => Buffer.from(k).toString('hex');
const f1 = (x: number) => x.toFixed(1);

interface Window { perSec: number; p50: number; p99: number }

async function must<T>(what: string, p: Promise<{ status: number; body: T }>, want = 200): Promise<T> {
  const r = await p;
  if (r.status !== want) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Run `count` jobs `PARALLEL` at a time; rate and latency of each. */
async function timed(count: number, job: (i: number) => Promise<void>): Promise<Window> {
  const lat: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    while (next < count) {
      const i = next++;
      const t = performance.now();
      await job(i);
      lat.push(performance.now() - t);
    }
  }));
  return { perSec: count / ((performance.now() - start) / 1000), p50: quantile(lat, 0.5), p99: quantile(lat, 0.99) };
}

async function invoices(carol: NodeProcess, count: number): Promise<string[]> {
  const out: string[] = [];
  await timed(count, async (i) => {
    out[i] = (await must('issue', carol.api<{ invoice: string }>('POST', '/v1/invoices', { amount: String(1_000 + i) }), 201)).invoice;
  });
  return out;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bitstream-bench-fwd-'));
  const consoleLog = console.log;
  const say = (s: string) => process.stdout.write(`${s}\n`);
  console.log = () => undefined; // the simnet prints every contract print
  // a burn block a second: the payee's expiry check leaves the payer a margin of 3 tenures
  const chain = await startLocalChain({ host: '127.0.0.1', port: 0, blockIntervalMs: 50, burnBlockIntervalMs: 1_000 });
  const nodes: NodeProcess[] = [];
  try {
    say(`forwarding benchmark: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; three node processes, ${COUNT} payments per part, ${PARALLEL} at a time`);
    const start = (name: 'alice' | 'bob' | 'carol') =>
      startNode({ chainUrl: chain.url, dataDir: join(dir, name), key: hex(PARTIES[name].privateKey), token: name, extra: { BITSTREAM_FEE_PPM: '1000', BITSTREAM_LOG_LEVEL: 'error' } });
    const [alice, hub, carol] = await Promise.all([start('alice'), start('bob'), start('carol')]);
    nodes.push(alice, hub, carol);
    await must('connect', alice.api('POST', '/v1/peers', { url: hub.peerUrl, principal: hub.principal }));
    await must('connect', carol.api('POST', '/v1/peers', { url: hub.peerUrl, principal: hub.principal }));
    await Promise.all([
      must('open Alice–Hub', alice.api('POST', '/v1/channels', { peer: hub.principal, amount: String(OPENING) }), 201),
      must('open Hub–Carol', hub.api('POST', '/v1/channels', { peer: carol.principal, amount: String(OPENING) }), 201),
    ]);

    const viaHub = await invoices(carol, COUNT);
    const forwarded = await timed(COUNT, async (i) => {
      await must('pay through the hub', alice.api('POST', '/v1/invoices/pay', { invoice: viaHub[i] }));
    });
    say(`  (f1) forwarded Alice → Hub → Carol: ${f1(forwarded.perSec)} payments/s, p50 ${f1(forwarded.p50)} ms, p99 ${f1(forwarded.p99)} ms`);

    await must('connect', alice.api('POST', '/v1/peers', { url: carol.peerUrl, principal: carol.principal }));
    const direct = await must('open Alice–Carol', alice.api<{ id: string }>('POST', '/v1/channels', { peer: carol.principal, amount: String(OPENING) }), 201);
    const own = await invoices(carol, COUNT);
    const straight = await timed(COUNT, async (i) => {
      await must('pay directly', alice.api('POST', '/v1/invoices/pay', { invoice: own[i] }));
    });
    say(`  (f2) direct invoice payments Alice → Carol: ${f1(straight.perSec)} payments/s, p50 ${f1(straight.p50)} ms, p99 ${f1(straight.p99)} ms`);
    const plain = await timed(COUNT, async () => {
      await must('pay', alice.api('POST', '/v1/payments', { channelId: direct.id, amount: '1000' }));
    });
    say(`  (f3) plain channel payments Alice → Carol: ${f1(plain.perSec)} payments/s, p50 ${f1(plain.p50)} ms, p99 ${f1(plain.p99)} ms`);
    say(`       → forwarded is ${Math.round((forwarded.perSec / straight.perSec) * 100)} % of direct (target ≥ 40 %); an invoice payment is ${Math.round((straight.perSec / plain.perSec) * 100)} % of a plain one`);
  } finally {
    await Promise.all(nodes.map(stopNode));
    await chain.stop();
    console.log = consoleLog;
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
