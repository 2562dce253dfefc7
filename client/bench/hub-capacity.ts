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
import { fromHex } from '../src/wire/json.js';
import { KEY_A, KEY_B, channelIdOf, openingState } from '../../tests/client/fixtures/peers.js';
import { channelConfig } from './hub-channels.js';
import { Mux } from './mux.js';
import { presign, type Presigned } from './presigned.js';
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

  const next = new Array<number>(SHARDS * PER_SHARD).fill(1);
  const proposedAt = Array.from({ length: SHARDS * PER_SHARD }, () => new Float64Array(ahead + 1));
  const firstSigs: { channel: number; nonce: number; sig: Uint8Array }[] = [];
  const lat: number[] = [];
  const errors: string[] = [];
  let running = true;
  let measuring = false;
  let count = 0;
  let exhausted = 0;

  const propose = (c: number) => {
    const n = next[c]!;
    if (n > ahead) {
      exhausted++;
      return;
    }
    proposedAt[c]![n] = performance.now();
    muxes[Math.floor(c / PER_SHARD)]!.line(`M ${c % PER_SHARD} ${prepared[c]!.proposals[n]}`);
  };
  for (let s = 0; s < SHARDS; s++) {
    for (let k = 0; k < PER_SHARD; k++) {
      const c = s * PER_SHARD + k;
      muxes[s]!.handlers.set(k, (raw) => {
        const m = JSON.parse(raw) as { type: string; nonce?: string; sig?: string; first?: boolean; code?: string; message?: string };
        const n = next[c]!;
        if (m.type === 'signature' && m.first && Number(m.nonce) === n) {
          // as a payer does: the last signature, then at once the next proposal
          firstSigs.push({ channel: c, nonce: n, sig: fromHex(m.sig!) });
          muxes[s]!.line(`M ${k} ${prepared[c]!.lasts[n]}`);
          next[c] = n + 1;
          if (running) propose(c);
        } else if (m.type === 'ack') {
          // the hub stored state `nonce` fully signed: that payment is done
          if (measuring) {
            count++;
            lat.push(performance.now() - proposedAt[c]![Number(m.nonce)]!);
          }
        } else if (m.type === 'error' && errors.length < 5) errors.push(`${m.code}: ${m.message}`);
      });
    }
  }
  for (let c = 0; c < SHARDS * PER_SHARD; c++) propose(c);
  await new Promise((r) => setTimeout(r, 500)); // warm up
  for (const mux of muxes) mux.line('C window');
  measuring = true;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  const secs = (performance.now() - start) / 1000;
  const cpuUsed = process.cpuUsage(cpu0);
  for (const mux of muxes) mux.line('C result');
  running = false;
  const shardReports = await Promise.all(reports);
  // end of input: a shard exits on its own (and writes its profile under --cpu-prof)
  for (const child of children) {
    child.stdin!.end();
    setTimeout(() => child.kill(), 3_000).unref();
  }

  // every signature the hub released, checked now that the clock has stopped
  const verifier = backendVerifier(loadSigner);
  const hubKey = loadSigner.publicKeyOf(KEY_B);
  let verified = 0;
  for (const f of firstSigs) {
    if (verifier.verify(prepared[f.channel]!.hashes[f.nonce]!, f.sig, [hubKey])) verified++;
    else if (errors.length < 5) errors.push(`hub signature on channel ${f.channel} nonce ${f.nonce} does not verify`);
  }
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
    checked: firstSigs.length,
    errors,
    exhausted,
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
