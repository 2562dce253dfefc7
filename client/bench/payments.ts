// Benchmark: payments through the real channel state machine with the durable SQLite
// store (WAL, synchronous=FULL) in a temp dir, for every crypto backend installed, each
// figure printed next to its bare bound measured in the same run:
//   (a)  one channel, unbatched, sequential: payments/s and p50/p99 latency, against
//        1 / (2 signs + 2 verifies + 3 fsync'd commits) on the same backend and disk;
//   (b)  a hub with 100 channels, unbatched, durable (group commit), end to end: the 100
//        payers (full clients too) in a second process on the same two cores;
//   (b2) the hub's capacity: the hub as two shard processes (hub-capacity.ts), the payers
//        replayed by a load generator that signed its states beforehand; target ≥ 5,000/s;
//   (c)  one channel, batched, 3,000 payments outstanding: target ≥ 100,000/s, p99 < 50 ms.
// Run: npx vite-node client/bench/payments.ts [--quick]. Not a test: asserts nothing.
// BENCH_BACKENDS=native,wasm and BENCH_PARTS=abhc (h is b2) pick what runs;
// BENCH_WINDOW_MS sets the hub stores' group-commit window (default 2 ms).
// The payer process of (b) is this same file run with --peers.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKEND_NAMES, type BackendName, type CryptoBackend } from '../src/crypto/backend.js';
import { loadBackend } from '../src/crypto/select.js';
import { Channel } from '../src/channel/channel.js';
import { channelConfig } from './hub-channels.js';
import { Mux } from './mux.js';
import { payWindow } from './pay-window.js';
import { quantile } from './quantile.js';
import { commitMs, cryptoBounds } from './bounds.js';
import { hubCapacity } from './hub-capacity.js';
import { SqliteStore } from '../src/store/sqlite.js';
import {
  channelIdOf, openPair, openingState,
} from '../../tests/client/fixtures/peers.js';

const QUICK = process.argv.includes('--quick');
const HUB_CHANNELS = 100;
/** group-commit window of the hub's and the peers' stores */
const HUB_WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 2);
const HUB_SECONDS = QUICK ? 2 : 5;
const BATCH_SECONDS = QUICK ? 2 : 4;
const BATCH_OUTSTANDING = 3_000;

// ---------------------------------------------------------------------------------
// Bare bounds
// ---------------------------------------------------------------------------------

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const pct = (x: number) => `${Math.round(x * 100)} %`;

// ---------------------------------------------------------------------------------
// (a) one channel, unbatched, sequential
// ---------------------------------------------------------------------------------

async function oneChannel(backend: CryptoBackend, dir: string, count: number) {
  const p = await openPair({
    backend,
    channelId: channelIdOf(100),
    storeA: new SqliteStore(join(dir, `a-${backend.name}.db`)),
    storeB: new SqliteStore(join(dir, `b-${backend.name}.db`)),
    config: { batching: false },
  });
  for (let i = 0; i < 10; i++) await p.a.pay(1n); // warm up
  const lat: number[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await p.a.pay(1n);
    lat.push(performance.now() - t);
  }
  const secs = (performance.now() - start) / 1000;
  p.close();
  p.storeA.close();
  p.storeB.close();
  return { perSec: count / secs, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99) };
}

// ---------------------------------------------------------------------------------
// (c) one channel, batched
// ---------------------------------------------------------------------------------

async function batched(backend: CryptoBackend, dir: string) {
  const p = await openPair({
    backend,
    channelId: channelIdOf(101),
    balanceA: 10n ** 15n,
    storeA: new SqliteStore(join(dir, `ba-${backend.name}.db`)),
    storeB: new SqliteStore(join(dir, `bb-${backend.name}.db`)),
  });
  const lat: number[] = [];
  let done = 0;
  let running = true;
  let measuring = false;
  const worker = async () => {
    while (running) {
      const t = performance.now();
      await p.a.pay(1n);
      if (measuring) {
        lat.push(performance.now() - t);
        done++;
      }
    }
  };
  const workers = Array.from({ length: BATCH_OUTSTANDING }, worker);
  await new Promise((r) => setTimeout(r, 500)); // warm up
  measuring = true;
  const start = performance.now();
  await new Promise((r) => setTimeout(r, BATCH_SECONDS * 1000));
  measuring = false;
  const secs = (performance.now() - start) / 1000;
  running = false;
  await Promise.all(workers);
  const states = p.a.latest.state.nonce;
  p.close();
  p.storeA.close();
  p.storeB.close();
  return { perSec: done / secs, p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), states };
}

// ---------------------------------------------------------------------------------
// (b) a hub with 100 channels; the peers run in a second process (second core)
// ---------------------------------------------------------------------------------

async function hub(backend: CryptoBackend, dir: string) {
  const self = fileURLToPath(import.meta.url);
  const viteNode = createRequire(import.meta.url).resolve('vite-node/vite-node.mjs');
  const child = spawn(process.execPath, [...process.execArgv, viteNode, self, '--peers', backend.name, dir, ...(QUICK ? ['--quick'] : [])], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin!.on('error', () => undefined); // the peers exit first: late writes hit a closed pipe
  let ready!: () => void;
  let result!: (line: string) => void;
  const readyP = new Promise<void>((r) => (ready = r));
  const resultP = new Promise<string>((r) => (result = r));
  let cpuStart = process.cpuUsage();
  let cpuHub = 0;
  const mux = new Mux(child.stdout!, (s) => child.stdin!.write(s), (line) => {
    if (line === 'C ready') ready();
    else if (line === 'C window') cpuStart = process.cpuUsage();
    else if (line.startsWith('C result')) {
      const used = process.cpuUsage(cpuStart);
      cpuHub = (used.user + used.system) / 1e6;
      result(line);
    }
  });
  const store = new SqliteStore(join(dir, `hub-${backend.name}.db`), { writer: 'thread', groupWindowMs: HUB_WINDOW_MS });
  const channels: Channel[] = [];
  for (let i = 0; i < HUB_CHANNELS; i++) {
    channels.push(await Channel.open(channelConfig(backend, 'b', 10_000 + i, store, mux.transport(i)), openingState(channelIdOf(10_000 + i), 10n ** 12n)));
  }
  await readyP;
  const commits0 = store.commits;
  mux.line('C go');
  const line = await resultP;
  const [, , count, secs, p50, p99, peerCommits, cpuPeers] = line.split(' ');
  const commits = Math.max(1, store.commits - commits0);
  const cpuPerPayment = (cpuHub + Number(cpuPeers)) / Number(count);
  console.log(
    `      hub commits ${commits}, peer commits ${peerCommits} in ${Number(secs).toFixed(1)} s (+0.5 s warm-up);` +
      ` CPU used: hub ${cpuHub.toFixed(2)} s + peers ${Number(cpuPeers).toFixed(2)} s = ${f1(cpuPerPayment * 1e6)} µs per payment` +
      ` → ${f1(2 / cpuPerPayment)}/s if both cores were ours`,
  );
  for (const c of channels) c.close();
  child.kill();
  await store.close();
  const perSec = Number(count) / Number(secs);
  return { perSec, p50: Number(p50), p99: Number(p99), paymentsPerCommit: Number(count) / commits };
}

/** The peer process: 100 channels paying the hub, one payment outstanding each. */
async function peers(name: BackendName, dir: string) {
  const backend = await loadBackend(name);
  const store = new SqliteStore(join(dir, `peers-${name}.db`), { writer: 'thread', groupWindowMs: HUB_WINDOW_MS });
  let go!: () => void;
  const goP = new Promise<void>((r) => (go = r));
  const mux = new Mux(process.stdin, (s) => process.stdout.write(s), (line) => {
    if (line === 'C go') go();
  });
  const channels: Channel[] = [];
  for (let i = 0; i < HUB_CHANNELS; i++) {
    channels.push(await Channel.open(channelConfig(backend, 'a', 10_000 + i, store, mux.transport(i)), openingState(channelIdOf(10_000 + i), 10n ** 12n)));
  }
  mux.line('C ready');
  await goP;
  const commits0 = store.commits;
  const w = await payWindow(channels, { warmUpMs: 500, seconds: HUB_SECONDS, onWindow: () => mux.line('C window') });
  mux.line(`C result ${w.count} ${w.secs} ${w.p50} ${w.p99} ${store.commits - commits0} ${w.cpu}`);
  await w.stopped;
  await store.close();
  process.exit(0);
}

// ---------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'bitstream-bench-'));
  const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
  try {
    console.log(`payments benchmark: ${cpus().length} cores, load average ${load()} (other processes share this machine)`);
    const only = process.env.BENCH_BACKENDS?.split(',');
    const parts = process.env.BENCH_PARTS ?? 'abhc';
    for (const name of BACKEND_NAMES.filter((n) => !only || only.includes(n))) {
      let backend: CryptoBackend;
      try {
        backend = await loadBackend(name);
      } catch (e) {
        console.log(`\n[${name}] unavailable: ${(e as Error).message}`);
        continue;
      }
      const b = cryptoBounds(backend);
      console.log(`\n[${name}] ${backend.implementation}  (load average ${load()})`);
      console.log(`  bare: sign ${f1(b.signMs * 1000)} µs, verify ${f1(b.verifyMs * 1000)} µs, state hash ${f1(b.hashMs * 1000)} µs`);

      if (parts.includes('a')) {
        // the disk is shared and its fsync time drifts: probe it right before and after
        const before = commitMs(dir);
        const count = name === 'noble' ? (QUICK ? 60 : 200) : QUICK ? 500 : 1_500;
        const a = await oneChannel(backend, dir, count);
        const commit = (before + commitMs(dir)) / 2;
        const crypto = 2 * b.signMs + 2 * b.verifyMs;
        const bound3 = 1000 / (crypto + 3 * commit);
        const bound2 = 1000 / (crypto + 2 * commit);
        console.log(`  (a) one channel, unbatched, sequential: ${f1(a.perSec)} payments/s, p50 ${f2(a.p50)} ms, p99 ${f2(a.p99)} ms`);
        console.log(
          `      bound: 2 signs + 2 verifies (${f2(crypto)} ms) + fsync'd commit ${f2(commit)} ms (probe before/after: ${f2(before)}/${f2(2 * commit - before)})` +
            ` × 3 writes = ${f1(bound3)}/s → ${pct(a.perSec / bound3)} of it (target ≥ 75 %);` +
            ` × 2 (the payee's final write shares the next proposal's fsync) = ${f1(bound2)}/s → ${pct(a.perSec / bound2)}`,
        );
      }
      if (parts.includes('b')) {
        const h = await hub(backend, dir);
        // each payment costs 2 signs + 2 verifies in all (one of each per side): on 2 cores
        // that is 2 / (2 × (sign + verify)) payments per ms, crypto and nothing else
        const cpuBound = 1000 / (b.signMs + b.verifyMs);
        console.log(
          `  (b) hub, ${HUB_CHANNELS} channels, unbatched, durable (group commit, writer thread): ${f1(h.perSec)} payments/s, p50 ${f2(h.p50)} ms, p99 ${f2(h.p99)} ms,` +
            ` ${f1(h.paymentsPerCommit)} payments per hub fsync`,
        );
        console.log(`      bound: crypto alone on 2 cores (2 signs + 2 verifies per payment, one of each per side) = ${f1(cpuBound)}/s | target ≥ 5,000/s`);
      }
      if (parts.includes('h')) {
        // the load generator signs with the fastest backend here: its signatures are only bytes
        const loadSigner = name === 'native' ? backend : await loadBackend('native').catch(() => backend);
        const h = await hubCapacity(backend, loadSigner, dir, HUB_SECONDS, HUB_WINDOW_MS);
        console.log(
          `  (b2) hub capacity, ${HUB_CHANNELS} channels on 2 shard processes, unbatched, durable, payers replayed: ${f1(h.perSec)} payments/s,` +
            ` p50 ${f2(h.p50)} ms, p99 ${f2(h.p99)} ms, ${f1(h.paymentsPerCommit)} payments per fsync | target ≥ 5,000/s`,
        );
        // the hub's share of each payment is 1 sign + 1 verify; both cores are the hub's
        const hubBound = 2000 / (b.signMs + b.verifyMs);
        console.log(`      bound: the hub's crypto alone on 2 cores (1 sign + 1 verify per payment) = ${f1(hubBound)}/s → ${pct(h.perSec / hubBound)} of it`);
        console.log(
          `      CPU per payment: shards ${f1(h.cpuShards * 1e6)} µs + load generator ${f1(h.cpuLoad * 1e6)} µs;` +
            ` every hub signature checked after the window: ${h.verified === h.checked ? `${h.verified} good` : `FAILED (${h.verified} good of ${h.checked})`}` +
            (h.exhausted > 0 ? `; ${h.exhausted} channels ran out of pre-signed states` : '') +
            (h.errors.length > 0 ? `; hub errors: ${h.errors.join(' | ')}` : ''),
        );
      }
      if (parts.includes('c')) {
        const c = await batched(backend, dir);
        console.log(
          `  (c) one channel, batched (${BATCH_OUTSTANDING} payments outstanding): ${f1(c.perSec)} payments/s, p50 ${f2(c.p50)} ms, p99 ${f2(c.p99)} ms,` +
            ` ${c.states} states | target ≥ 100,000/s, p99 < 50 ms`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--peers')) {
  const i = process.argv.indexOf('--peers');
  await peers(process.argv[i + 1] as BackendName, process.argv[i + 2]!);
} else {
  await main();
}
