// Benchmark (w): payments over the node's peer layer: WebSocket connections (ws) with
// the authenticated handshake, one per peer, carrying channels to the durable SQLite
// store (WAL, synchronous=FULL, group commit in a writer thread). The payment path of a
// node is exactly this (peer session → channel → store); its HTTP API and chain loop
// are not on it. Two parts, each next to bounds measured in the same run:
//   (w1) one channel between two processes, unbatched, sequential: p50 (target ≤ 2 ms);
//   (w2) a hub with 100 peers, one channel each, unbatched, durable; the 100 peers are a
//        load generator in a second process on the same two cores (target ≥ 5,000/s,
//        p99 < 100 ms, ≥ 80 % of the in-process hub of payments.ts (b2)).
// Run: npx vite-node client/bench/node-ws.ts [--quick]. Not a test: asserts nothing.
// The load process is this file run with --load.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sha256 } from '@noble/hashes/sha2.js';
import { Channel, type ChannelConfig } from '../src/channel/channel.js';
import { backendVerifier } from '../src/channel/verify.js';
import { CHAIN_ID_TESTNET } from '../src/config/networks.js';
import type { BackendName, CryptoBackend } from '../src/crypto/backend.js';
import { loadBackend } from '../src/crypto/select.js';
import { keyIdentity } from '../src/peer/identity.js';
import { PeerNetwork } from '../src/peer/network.js';
import { LocalKeySigner } from '../src/signers/local.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { toHex } from '../src/wire/json.js';
import { DOMAIN, channelIdOf, openingState } from '../../tests/client/fixtures/peers.js';
import { hubCapacity } from './hub-capacity.js';
import { payWindow } from './pay-window.js';

const QUICK = process.argv.includes('--quick');
const PEERS = 100;
const SECONDS = QUICK ? 2 : 5;
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 2);
const SEED = 30_000;
const HUB_KEY = sha256(new TextEncoder().encode('bitstream-bench-hub'));
const peerKey = (i: number) => sha256(new TextEncoder().encode(`bitstream-bench-peer-${i}`));
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const pct = (x: number) => `${Math.round(x * 100)} %`;

function network(key: Uint8Array, backend: CryptoBackend): PeerNetwork {
  // rate limit off the path: the load generator is trusted here
  return new PeerNetwork({ identity: keyIdentity(key, backend, CHAIN_ID_TESTNET), chainId: CHAIN_ID_TESTNET, recover: (h, s) => backend.recover(h, s), keepaliveMs: 0, rate: { perSecond: 1e9, burst: 1e9 } });
}

/** Channel `i` between peer i (a, the payer) and the hub (b). */
function config(backend: CryptoBackend, role: 'a' | 'b', i: number, store: SqliteStore, transport: ChannelConfig['transport']): ChannelConfig {
  const [own, other] = role === 'a' ? [peerKey(i), HUB_KEY] : [HUB_KEY, peerKey(i)];
  const principal = (k: Uint8Array) => keyIdentity(k, backend, CHAIN_ID_TESTNET).principal;
  return {
    channelId: channelIdOf(SEED + i), role, domain: DOMAIN, participants: { a: principal(peerKey(i)), b: principal(HUB_KEY) },
    signer: new LocalKeySigner(own, { backend }), verifier: backendVerifier(backend), counterpartyKeys: [backend.publicKeyOf(other)],
    store, transport, window: 6n, confirmations: 0, batching: false, retransmitMs: 2_000,
  };
}

/** One channel: commits inline, at once (as payments.ts (a)); a hub: group commit in a writer thread (as (b)). */
function storeFor(path: string, channels: number): SqliteStore {
  return channels === 1 ? new SqliteStore(path) : new SqliteStore(path, { writer: 'thread', groupWindowMs: WINDOW_MS });
}

interface Figures { count: number; secs: number; p50: number; p99: number; hubCpu: number; loadCpu: number }

/** The load process: `n` peers dial the hub at `url` and pay over their channel, one payment outstanding each. */
async function load(name: BackendName, dir: string, url: string, n: number, seconds: number): Promise<void> {
  const backend = await loadBackend(name);
  const store = storeFor(join(dir, `load-${n}-${name}.db`), n);
  const hubPrincipal = keyIdentity(HUB_KEY, backend, CHAIN_ID_TESTNET).principal;
  const nets: PeerNetwork[] = [];
  const channels: Channel[] = [];
  for (let i = 0; i < n; i++) {
    const net = network(peerKey(i), backend);
    nets.push(net);
    const s = await net.connect(url, hubPrincipal);
    channels.push(await Channel.open(config(backend, 'a', i, store, s.transport(toHex(channelIdOf(SEED + i)))), openingState(channelIdOf(SEED + i), 10n ** 12n)));
  }
  for (const c of channels) for (let k = 0; k < 5; k++) await c.pay(1n); // warm up
  const w = await payWindow(channels, { warmUpMs: 300, seconds, onWindow: () => process.stdout.write('window\n') });
  process.stdout.write(`result ${w.count} ${w.secs} ${w.p50} ${w.p99} ${w.cpu}\n`);
  await w.stopped;
  for (const net of nets) await net.close();
  await store.close();
  process.exit(0);
}

/** The hub in this process; the `n` peers in a child. */
async function hub(backend: CryptoBackend, dir: string, n: number, seconds: number): Promise<Figures> {
  const store = storeFor(join(dir, `hub-${n}-${backend.name}.db`), n);
  const net = network(HUB_KEY, backend);
  const channels: Channel[] = [];
  for (let i = 0; i < n; i++) {
    const id = keyIdentity(peerKey(i), backend, CHAIN_ID_TESTNET);
    const session = net.sessionFor(id.principal, id.publicKey);
    channels.push(await Channel.open(config(backend, 'b', i, store, session.transport(toHex(channelIdOf(SEED + i)))), openingState(channelIdOf(SEED + i), 10n ** 12n)));
  }
  const url = await net.listen(0);
  const self = fileURLToPath(import.meta.url);
  const viteNode = createRequire(import.meta.url).resolve('vite-node/vite-node.mjs');
  const child = spawn(process.execPath, [viteNode, self, '--load', backend.name, dir, url, String(n), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
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
  const [, count, secs, p50, p99, loadCpu] = line.split(' ');
  await new Promise((r) => child.once('exit', r));
  for (const c of channels) c.close();
  await net.close();
  await store.close();
  return { count: Number(count), secs: Number(secs), p50: Number(p50), p99: Number(p99), hubCpu, loadCpu: Number(loadCpu) };
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

    const one = await hub(backend, dir, 1, SECONDS);
    console.log(`  (w1) one channel between two processes over ws, unbatched, sequential: ${f1(one.count / one.secs)} payments/s, p50 ${f2(one.p50)} ms, p99 ${f2(one.p99)} ms | target p50 ≤ 2 ms`);

    const w = await hub(backend, dir, PEERS, SECONDS);
    const perSec = w.count / w.secs;
    const loadSigner = backend.name === 'native' ? backend : await loadBackend('native').catch(() => backend);
    const inProcess = await hubCapacity(backend, loadSigner, dir, SECONDS, WINDOW_MS);
    const hubBound = 2000 / (signMs + verifyMs);
    console.log(`  (w2) hub over ws, ${PEERS} peers (one connection and channel each), unbatched, durable: ${f1(perSec)} payments/s, p50 ${f2(w.p50)} ms, p99 ${f2(w.p99)} ms | target ≥ 5,000/s, p99 < 100 ms`);
    console.log(`       CPU per payment: hub ${f1((w.hubCpu / w.count) * 1e6)} µs, load generator (100 peers) ${f1((w.loadCpu / w.count) * 1e6)} µs, over ${f1(w.secs)} s`);
    console.log(`       in-process hub capacity (payments.ts b2, same run): ${f1(inProcess.perSec)}/s → ws hub is ${pct(perSec / inProcess.perSec)} of it (target ≥ 80 %)`);
    console.log(`       the hub's signature bound on 2 cores (1 sign + 1 verify per payment): ${f1(hubBound)}/s → ${pct(perSec / hubBound)} of it`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--load')) {
  const i = process.argv.indexOf('--load');
  const [name, dir, url, n, seconds] = process.argv.slice(i + 1);
  await load(name as BackendName, dir!, url!, Number(n), Number(seconds));
} else {
  await main();
}
