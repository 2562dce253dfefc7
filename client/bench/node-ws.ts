// Benchmark (w): payments over the node's peer layer: WebSocket connections (ws) with
// the authenticated handshake, one per peer, carrying channels to the durable SQLite
// store (WAL, synchronous=FULL, group commit in a writer thread). The payment path of a
// node is exactly this (peer session → channel → store); its HTTP API and chain loop
// are not on it. Two parts, each next to bounds measured in the same run:
//   (w1) one channel between two processes, unbatched, sequential: p50 (target ≤ 2 ms);
//   (w1m) the same with both stores in memory: what the durable commits add to w1;
//   (w2) a hub with 100 peers, one channel each, unbatched, durable; the 100 peers are a
//        load generator in a second process on the same two cores, real channels that
//        sign and verify (target ≥ 5,000/s, p99 < 100 ms);
//   (w2r) the same hub and peers, but the peers replay states signed before the window
//        (ws-replay.ts), as the in-process hub capacity (hub-capacity.ts, b2) is driven
//        over pipes: w2r against b2 is the target's "≥ 80 % of the in-process capacity".
// Run: npx vite-node client/bench/node-ws.ts [--quick]. Not a test: asserts nothing.
// The load process is this file run with --load (w1, w2) or --replay (w2r).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Channel, type ChannelConfig } from '../src/channel/channel.js';
import { backendVerifier } from '../src/channel/verify.js';
import { CHAIN_ID_TESTNET } from '../src/config/networks.js';
import type { BackendName, CryptoBackend } from '../src/crypto/backend.js';
import { loadBackend } from '../src/crypto/select.js';
import { keyIdentity } from '../src/peer/identity.js';
import type { PeerNetwork } from '../src/peer/network.js';
import { LocalKeySigner } from '../src/signers/local.js';
import { MemoryStore } from '../src/store/memory.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { StateStore } from '../src/store/types.js';
import { toHex } from '../src/wire/json.js';
import { DOMAIN, channelIdOf, openingState } from '../../tests/client/fixtures/peers.js';
import { hubCapacity } from './hub-capacity.js';
import { payWindow } from './pay-window.js';
import { replayLoad } from './ws-replay.js';
import { HUB_KEY, WS_OPENING, WS_SEED, peerKey, principalOf, wsNetwork } from './ws-peers.js';

const QUICK = process.argv.includes('--quick');
const PEERS = 100;
const SECONDS = QUICK ? 2 : 5;
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 2);
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const pct = (x: number) => `${Math.round(x * 100)} %`;

/** Channel `i` between peer i (a, the payer) and the hub (b). */
function config(backend: CryptoBackend, role: 'a' | 'b', i: number, store: StateStore, transport: ChannelConfig['transport']): ChannelConfig {
  const [own, other] = role === 'a' ? [peerKey(i), HUB_KEY] : [HUB_KEY, peerKey(i)];
  const principal = (k: Uint8Array) => principalOf(k, backend);
  return {
    channelId: channelIdOf(WS_SEED + i), role, domain: DOMAIN, participants: { a: principal(peerKey(i)), b: principal(HUB_KEY) },
    signer: new LocalKeySigner(own, { backend }), verifier: backendVerifier(backend), counterpartyKeys: [backend.publicKeyOf(other)],
    store, transport, window: 6n, confirmations: 0, batching: false, retransmitMs: 2_000,
  };
}

/** Where w1m keeps its states: memory, to show what the disk's commits add to w1. */
const NO_DISK = ':memory:';

/**
 * One channel: commits inline, at once (as payments.ts (a)); a hub: group commit in a
 * writer thread (as (b)); in memory when `dir` is NO_DISK.
 */
function storeFor(dir: string, name: string, channels: number): StateStore {
  if (dir === NO_DISK) return new MemoryStore();
  const path = join(dir, name);
  return channels === 1 ? new SqliteStore(path) : new SqliteStore(path, { writer: 'thread', groupWindowMs: WINDOW_MS });
}

interface Figures {
  count: number; secs: number; p50: number; p99: number; hubCpu: number; loadCpu: number;
  /** w2r: hub signatures that verified, of those checked after the window; what went wrong */
  verified?: number; checked?: number; errors?: string;
}

/** The load process: `n` peers dial the hub at `url` and pay over their channel, one payment outstanding each. */
async function load(name: BackendName, dir: string, url: string, n: number, seconds: number): Promise<void> {
  const backend = await loadBackend(name);
  const store = storeFor(dir, `load-${n}-${name}.db`, n);
  const hubPrincipal = principalOf(HUB_KEY, backend);
  const nets: PeerNetwork[] = [];
  const channels: Channel[] = [];
  for (let i = 0; i < n; i++) {
    const net = wsNetwork(peerKey(i), backend);
    nets.push(net);
    const s = await net.connect(url, hubPrincipal);
    channels.push(await Channel.open(config(backend, 'a', i, store, s.transport(toHex(channelIdOf(WS_SEED + i)))), openingState(channelIdOf(WS_SEED + i), WS_OPENING)));
  }
  for (const c of channels) for (let k = 0; k < 5; k++) await c.pay(1n); // warm up
  const w = await payWindow(channels, { warmUpMs: 300, seconds, onWindow: () => process.stdout.write('window\n') });
  process.stdout.write(`result ${w.count} ${w.secs} ${w.p50} ${w.p99} ${w.cpu}\n`);
  await w.stopped;
  for (const net of nets) await net.close();
  await store.close();
  process.exit(0);
}

/** The hub in this process; the `n` peers in a child, paying with channels or replaying presigned states. */
async function hub(backend: CryptoBackend, dir: string, n: number, seconds: number, mode: '--load' | '--replay'): Promise<Figures> {
  const store = storeFor(dir, `hub-${n}-${backend.name}${mode}.db`, n);
  const net = wsNetwork(HUB_KEY, backend);
  const channels: Channel[] = [];
  for (let i = 0; i < n; i++) {
    const id = keyIdentity(peerKey(i), backend, CHAIN_ID_TESTNET);
    const session = net.sessionFor(id.principal, id.publicKey);
    channels.push(await Channel.open(config(backend, 'b', i, store, session.transport(toHex(channelIdOf(WS_SEED + i)))), openingState(channelIdOf(WS_SEED + i), WS_OPENING)));
  }
  const url = await net.listen(0);
  const self = fileURLToPath(import.meta.url);
  const viteNode = createRequire(import.meta.url).resolve('vite-node/vite-node.mjs');
  const args = mode === '--load' ? [backend.name, dir, url, String(n), String(seconds)] : [backend.name, url, String(n), String(seconds)];
  const child = spawn(process.execPath, [viteNode, self, mode, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let cpu0 = process.cpuUsage();
  let hubCpu = 0;
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      if (l === 'window') cpu0 = process.cpuUsage();
      if (!l.startsWith('result')) return;
      const used = process.cpuUsage(cpu0);
      hubCpu = (used.user + used.system) / 1e6;
      resolve(l);
    });
    child.once('exit', (code) => reject(new Error(`load process exited (${code})`)));
  });
  const [, count, secs, p50, p99, loadCpu, verified, checked, ...errors] = line.split(' ');
  await new Promise((r) => child.once('exit', r));
  for (const c of channels) c.close();
  await net.close();
  await store.close();
  return {
    count: Number(count), secs: Number(secs), p50: Number(p50), p99: Number(p99), hubCpu, loadCpu: Number(loadCpu),
    ...(verified === undefined ? {} : { verified: Number(verified), checked: Number(checked), errors: errors.join(' ') }),
  };
}

function perOp(fn: (i: number) => void, minMs: number): number {
  for (let i = 0; i < 20; i++) fn(i);
  const start = performance.now();
  let k = 0;
  while (performance.now() - start < minMs) fn(k++);
  return (performance.now() - start) / k;
}

async function main(): Promise<void> {
  const name = (process.env.BENCH_BACKENDS?.split(',')[0] ?? 'native') as BackendName;
  const backend = await loadBackend(name).catch(() => loadBackend('noble'));
  const dir = mkdtempSync(join(tmpdir(), 'bitstream-bench-ws-'));
  const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
  try {
    console.log(`node peer-layer benchmark (WebSocket): ${cpus().length} cores, load average ${load()}, ${backend.implementation}`);
    const hashes = Array.from({ length: 64 }, (_, i) => new Uint8Array(32).fill(i + 1));
    const sigs = hashes.map((h) => backend.sign(h, HUB_KEY));
    const signMs = perOp((i) => backend.sign(hashes[i % 64]!, HUB_KEY), 500);
    const verifyMs = perOp((i) => backend.recover(hashes[i % 64]!, sigs[i % 64]!), 500);
    console.log(`  bare: sign ${f1(signMs * 1000)} µs, verify ${f1(verifyMs * 1000)} µs`);

    const one = await hub(backend, dir, 1, SECONDS, '--load');
    const bare = await hub(backend, NO_DISK, 1, SECONDS, '--load');
    const perPay = (f: Figures) => `CPU per payment ${f1((f.hubCpu / f.count) * 1e6)} µs (payee), ${f1((f.loadCpu / f.count) * 1e6)} µs (payer)`;
    console.log(`  (w1) one channel between two processes over ws, unbatched, sequential: ${f1(one.count / one.secs)} payments/s, p50 ${f2(one.p50)} ms, p99 ${f2(one.p99)} ms | target p50 ≤ 2 ms`);
    console.log(`       ${perPay(one)}`);
    console.log(`  (w1m) the same with both stores in memory (no fsync): ${f1(bare.count / bare.secs)} payments/s, p50 ${f2(bare.p50)} ms, p99 ${f2(bare.p99)} ms; ${perPay(bare)}`);
    console.log(`       → the durable commits (two processes fsyncing on one disk) add ${f2(one.p50 - bare.p50)} ms to the p50`);

    const w = await hub(backend, dir, PEERS, SECONDS, '--load');
    const r = await hub(backend, dir, PEERS, SECONDS, '--replay');
    const perSec = w.count / w.secs;
    const replayed = r.count / r.secs;
    const loadSigner = backend.name === 'native' ? backend : await loadBackend('native').catch(() => backend);
    const inProcess = await hubCapacity(backend, loadSigner, dir, SECONDS, WINDOW_MS);
    const hubBound = 2000 / (signMs + verifyMs);
    console.log(`  (w2) hub over ws, ${PEERS} peers (one connection and channel each), unbatched, durable: ${f1(perSec)} payments/s, p50 ${f2(w.p50)} ms, p99 ${f2(w.p99)} ms | target ≥ 5,000/s, p99 < 100 ms`);
    console.log(`       CPU per payment: hub ${f1((w.hubCpu / w.count) * 1e6)} µs, load generator (100 peers) ${f1((w.loadCpu / w.count) * 1e6)} µs, over ${f1(w.secs)} s`);
    console.log(`       the hub's signature bound on 2 cores (1 sign + 1 verify per payment): ${f1(hubBound)}/s → ${pct(perSec / hubBound)} of it`);
    console.log(`  (w2r) the same hub, its ${PEERS} peers replaying presigned states over ws: ${f1(replayed)} payments/s, p50 ${f2(r.p50)} ms, p99 ${f2(r.p99)} ms`);
    console.log(`       CPU per payment: hub ${f1((r.hubCpu / r.count) * 1e6)} µs, load generator ${f1((r.loadCpu / r.count) * 1e6)} µs; hub signatures verified afterwards: ${r.verified}/${r.checked}${r.errors ? ` | ${r.errors}` : ''}`);
    console.log(`       in-process hub capacity (b2: two shard processes over pipes, the same replay, same run): ${f1(inProcess.perSec)}/s, ${f1(inProcess.cpuShards * 1e6)} µs hub CPU per payment`);
    console.log(`       → the ws hub (one process) is ${pct(replayed / inProcess.perSec)} of it (target ≥ 80 %); with real payers (w2) ${pct(perSec / inProcess.perSec)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--replay')) {
  const i = process.argv.indexOf('--replay');
  const [name, url, n, seconds] = process.argv.slice(i + 1);
  await replayLoad(name as BackendName, url!, Number(n), Number(seconds));
} else if (process.argv.includes('--load')) {
  const i = process.argv.indexOf('--load');
  const [name, dir, url, n, seconds] = process.argv.slice(i + 1);
  await load(name as BackendName, dir!, url!, Number(n), Number(seconds));
} else {
  await main();
}
