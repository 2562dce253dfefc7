// Benchmark: paid requests through the official x402 middleware (@x402/hono) and client
// (@x402/fetch) with the BitStream scheme, both sides' channels on durable SQLite stores
// (WAL, synchronous=FULL) in a temp dir, on the fastest crypto backend installed. Each
// figure is set against, in the same run:
//   - the same server's unpaid requests/s (a free route, the same handler);
//   - the signature bound: 1 / (2 signs + 2 verifies + 3 fsync'd commits), what one
//     payment needs at least (the payee's pending and final state, the payer's state).
// Parts: one channel, sequential; 100 channels, each sequential, all at once (every
// client and the server in this process, on the same two cores).
// Targets (issue 11): paid ≥ 70 % of the signature bound, p99 added latency < 5 ms.
// Run: npx vite-node client/bench/x402.ts [--quick]. Not a test: asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite.js';
import { fastBackend } from '../../tests/client/fixtures/peers.js';
import { x402World } from '../../tests/client/fixtures/x402-world.js';
import { commitMs, cryptoBounds } from './bounds.js';
import { quantile } from './quantile.js';

const QUICK = process.argv.includes('--quick');
const SECONDS = QUICK ? 2 : 5;
const CHANNELS = 100;

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const pct = (x: number) => `${Math.round(x * 100)} %`;

/** Run `one` back to back on each of `lanes` for `seconds`: requests/s and latencies (ms). */
async function drive(lanes: number, seconds: number, one: (lane: number) => Promise<void>) {
  for (let l = 0; l < lanes; l++) await one(l); // warm up: each lane learns its price
  const lat: number[] = [];
  const until = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: lanes }, async (_, l) => {
      while (performance.now() < until) {
        const t = performance.now();
        await one(l);
        lat.push(performance.now() - t);
      }
    }),
  );
  const secs = (performance.now() - start) / 1000;
  return { perSec: lat.length / secs, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), n: lat.length };
}

async function ok(res: Promise<Response>): Promise<void> {
  const r = await res;
  if (r.status !== 200) throw new Error(`status ${r.status}`);
  await r.arrayBuffer();
}

async function main(): Promise<void> {
  const backend = await fastBackend();
  const dir = mkdtempSync(join(tmpdir(), 'bitstream-x402-bench-'));
  try {
    const b = cryptoBounds(backend);
    const commit = commitMs(dir);
    const boundMs = 2 * b.signMs + 2 * b.verifyMs + 3 * commit;
    const bound = 1000 / boundMs;
    const stores = { a: new SqliteStore(join(dir, 'clients.db')), b: new SqliteStore(join(dir, 'server.db')) };
    const world = await x402World({
      clients: CHANNELS,
      backend,
      balance: 10n ** 15n,
      // one store a side, as a node keeps all its channels (a store per channel would be 200 writers)
      store: (side) => stores[side],
    });
    try {
      const unpaid1 = await drive(1, SECONDS, () => ok(fetch(`${world.base}/free`)));
      const paid1 = await drive(1, SECONDS, () => ok(world.pay(`${world.base}/weather`)));
      const unpaidN = await drive(CHANNELS, SECONDS, () => ok(fetch(`${world.base}/free`)));
      const paidN = await drive(CHANNELS, SECONDS, (l) => ok(world.clients[l]!.pay(`${world.base}/weather`)));
      console.log(`x402 pay-per-call, ${backend.name} backend, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}; ${SECONDS} s a part`);
      console.log(`signature bound: 2 signs ${f2(b.signMs)} ms + 2 verifies ${f2(b.verifyMs)} ms + 3 commits ${f2(commit)} ms = ${f2(boundMs)} ms → ${f1(bound)} payments/s on one channel`);
      console.log('');
      console.log('| part | requests/s | p50 ms | p99 ms | of the signature bound | p99 added to unpaid |');
      console.log('| --- | --- | --- | --- | --- | --- |');
      const row = (name: string, r: { perSec: number; p50: number; p99: number }, unpaid: { p99: number } | null, lanes: number) =>
        console.log(`| ${name} | ${f1(r.perSec)} | ${f2(r.p50)} | ${f2(r.p99)} | ${unpaid ? pct(r.perSec / (bound * lanes)) : '—'} | ${unpaid ? `${f2(r.p99 - unpaid.p99)} ms` : '—'} |`);
      row('unpaid, 1 client', unpaid1, null, 1);
      row('paid, 1 channel', paid1, unpaid1, 1);
      row(`unpaid, ${CHANNELS} clients`, unpaidN, null, CHANNELS);
      console.log(`| paid, ${CHANNELS} channels | ${f1(paidN.perSec)} | ${f2(paidN.p50)} | ${f2(paidN.p99)} | ${pct(paidN.perSec / bound)} of one channel's bound (the cores are shared) | ${f2(paidN.p99 - unpaidN.p99)} ms |`);
      console.log('');
      console.log(`paid/unpaid: ${pct(paid1.perSec / unpaid1.perSec)} on one channel, ${pct(paidN.perSec / unpaidN.perSec)} over ${CHANNELS}; a paid call is one request (it signs the server's offer from the last response)`);
    } finally {
      await world.close();
      await stores.a.close();
      await stores.b.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
