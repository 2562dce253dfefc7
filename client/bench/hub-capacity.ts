// Benchmark (b2): what a hub can serve on this machine's two cores. The hub is two shard
// processes, 50 channels each with its own SQLite store (WAL, synchronous=FULL, group
// commit in a writer thread): the full client library, every proposal checked against
// its operations, every signature verified, nothing released before its fsync. Sharding
// channels over processes is how a Node hub uses more than one core.
//
// The 100 payers are a load generator in the calling process, so that the cores go to
// the hub: it signs its states before the window, replays them during it (proposal, then
// its last signature as soon as the hub's first one arrives), and verifies every
// signature the hub sent after the window. A payment counts when the hub's ack arrives:
// the hub has stored the fully signed state. The end-to-end figure with real payers on
// the same two cores is payments.ts (b).
//
// The shard process is this file run with --shard.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendName, CryptoBackend } from '../src/crypto/backend.js';
import { loadBackend } from '../src/crypto/select.js';
import { backendVerifier } from '../src/channel/verify.js';
import { Channel } from '../src/channel/channel.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { KEY_A, KEY_B, channelIdOf, openingState } from '../../tests/client/fixtures/peers.js';
import { channelConfig } from './hub-channels.js';
import { Mux } from './mux.js';
import { presign, Replayer, type HubReply, type Presigned } from './presigned.js';
import { quantile } from './quantile.js';

const SHARDS = 2;
const PER_SHARD = 50;
/** channel seeds of this benchmark (payments.ts (b) uses 10_000 + i) */
const SEED = 20_000;
const OPENING = 10n ** 12n;
/** states signed ahead per channel: enough for 10,000 payments/s over the whole run */
const aheadFor = (seconds: number) => Math.ceil((10_000 * (seconds + 0.5)) / (SHARDS * PER_SHARD)) + 20;

export interface CapacityResult {
  perSec: number;
  p50: number;
  p99: number;
  /** CPU seconds per payment: the shards (with their writer threads) and the load generator */
  cpuShards: number;
  cpuLoad: number;
  paymentsPerCommit: number;
  /** hub signatures that verified, of those checked after the window */
  verified: number;
  checked: number;
  errors: string[];
  exhausted: number;
}

/**
 * Run the shards on `backend` and drive them for `seconds` (after 0.5 s of warm-up).
 * `loadSigner` signs the payers' states beforehand (any backend: they are only bytes).
 */
export async function hubCapacity(backend: CryptoBackend, loadSigner: CryptoBackend, dir: string, seconds: number, windowMs: number): Promise<CapacityResult> {
  const ahead = aheadFor(seconds);
  const prepared: Presigned[] = [];
  for (let i = 0; i < SHARDS * PER_SHARD; i++) prepared.push(presign(loadSigner, KEY_A, SEED + i, OPENING, ahead));

  const self = fileURLToPath(import.meta.url);
  const viteNode = createRequire(import.meta.url).resolve('vite-node/vite-node.mjs');
  const children: ChildProcess[] = [];
  const muxes: Mux[] = [];
  const ready: Promise<void>[] = [];
  const reports: Promise<string>[] = [];
  for (let s = 0; s < SHARDS; s++) {
    const child = spawn(process.execPath, [...process.execArgv, viteNode, self, '--shard', backend.name, dir, String(s), String(windowMs)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    child.stdin!.on('error', () => undefined);
    children.push(child);
    let onReady!: () => void;
    let onReport!: (line: string) => void;
    ready.push(new Promise<void>((r) => (onReady = r)));
    reports.push(new Promise<string>((r) => (onReport = r)));
    muxes.push(new Mux(child.stdout!, (text) => child.stdin!.write(text), (line) => {
      if (line === 'C ready') onReady();
      else if (line.startsWith('C report')) onReport(line);
    }));
  }
  await Promise.all(ready);

  const r = new Replayer(prepared, ahead, (c, text) => muxes[Math.floor(c / PER_SHARD)]!.line(`M ${c % PER_SHARD} ${text}`));
  for (let s = 0; s < SHARDS; s++) {
    for (let k = 0; k < PER_SHARD; k++) {
      const c = s * PER_SHARD + k;
      muxes[s]!.handlers.set(k, (raw) => r.onReply(c, JSON.parse(raw) as HubReply));
    }
  }
  for (let c = 0; c < SHARDS * PER_SHARD; c++) r.propose(c);
  await new Promise((done) => setTimeout(done, 500)); // warm up
  for (const mux of muxes) mux.line('C window');
  r.measuring = true;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await new Promise((done) => setTimeout(done, seconds * 1000));
  r.measuring = false;
  const secs = (performance.now() - start) / 1000;
  const cpuUsed = process.cpuUsage(cpu0);
  for (const mux of muxes) mux.line('C result');
  r.running = false;
  const shardReports = await Promise.all(reports);
  // end of input: a shard exits on its own (and writes its profile under --cpu-prof)
  for (const child of children) {
    child.stdin!.end();
    setTimeout(() => child.kill(), 3_000).unref();
  }

  // every signature the hub released, checked now that the clock has stopped
  const verified = r.verify(backendVerifier(loadSigner), loadSigner.publicKeyOf(KEY_B));
  const { count, lat } = r;
  let cpuShards = 0;
  let commits = 0;
  for (const line of shardReports) {
    const [, , cpu, c] = line.split(' ');
    cpuShards += Number(cpu);
    commits += Number(c);
  }
  return {
    perSec: count / secs,
    p50: quantile(lat, 0.5),
    p99: quantile(lat, 0.99),
    cpuShards: cpuShards / count,
    cpuLoad: (cpuUsed.user + cpuUsed.system) / 1e6 / count,
    // each payment is one shard's: its commits over all payments
    paymentsPerCommit: count / Math.max(1, commits),
    verified,
    checked: r.firstSigs.length,
    errors: r.errors,
    exhausted: r.exhausted,
  };
}

/** A shard: PER_SHARD hub channels (side b) on their own store, serving the pipe. */
async function shard(name: BackendName, dir: string, index: number, windowMs: number): Promise<void> {
  const backend = await loadBackend(name);
  const store = new SqliteStore(join(dir, `shard-${index}-${name}.db`), { writer: 'thread', groupWindowMs: windowMs });
  let cpu0 = process.cpuUsage();
  let commits0 = 0;
  const mux = new Mux(process.stdin, (text) => process.stdout.write(text), (line) => {
    if (line === 'C window') {
      cpu0 = process.cpuUsage();
      commits0 = store.commits;
    } else if (line === 'C result') {
      const used = process.cpuUsage(cpu0);
      mux.line(`C report ${(used.user + used.system) / 1e6} ${store.commits - commits0}`);
    }
  });
  for (let k = 0; k < PER_SHARD; k++) {
    const seed = SEED + index * PER_SHARD + k;
    await Channel.open(channelConfig(backend, 'b', seed, store, mux.transport(k)), openingState(channelIdOf(seed), OPENING));
  }
  process.stdin.on('end', () => process.exit(0));
  mux.line('C ready');
}

if (process.argv.includes('--shard')) {
  const i = process.argv.indexOf('--shard');
  const [name, dir, index, windowMs] = process.argv.slice(i + 1);
  await shard(name as BackendName, dir!, Number(index), Number(windowMs));
}
