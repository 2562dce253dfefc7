// Benchmark: where a payment's CPU goes, in one process. 100 channel pairs over the
// in-memory transport (JSON on the wire, full parsing), one payment outstanding each,
// unbatched; CPU per payment (both sides together, writer threads included) with:
//   curve-free + memory store   → messages, hashing, state machine;
//   curve-free + SQLite         → + durable group commits (writer thread);
//   native     + SQLite         → + the curve maths (2 signs + 2 recoveries).
// "curve-free" replaces only sign/recover with table look-ups; every other rule runs.
// Run: npx vite-node client/bench/cpu-split.ts. Not a test: asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineBackend, type CryptoBackend } from '../src/crypto/backend.js';
import { loadBackend } from '../src/crypto/select.js';
import { MemoryStore } from '../src/store/memory.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { channelIdOf, KEY_A, KEY_B, openPair } from '../../tests/client/fixtures/peers.js';

const PAIRS = 100;
/** where the SQLite commits run (SqliteStoreOptions.writer); BENCH_WRITER=inline to compare */
const WRITER = process.env.BENCH_WRITER === 'inline' ? 'inline' : 'thread';
const SECONDS = 3;

/** sign/recover as look-ups: the "signature" names the key index; no curve maths. */
function curveFree(native: CryptoBackend): CryptoBackend {
  const keys = [KEY_A, KEY_B];
  const pubs = keys.map((k) => native.publicKeyOf(k));
  return defineBackend({
    name: native.name,
    implementation: 'curve-free stand-in',
    publicKeyOf: (k) => native.publicKeyOf(k),
    sign(hash, key) {
      const compact = new Uint8Array(64);
      compact.set(hash);
      compact[32] = 1;
      compact[33] = keys.findIndex((k) => k[0] === key[0]);
      return { compact, recovery: 0 };
    },
    recover: (_hash, compact) => pubs[compact[33]!] ?? null,
  });
}

async function run(label: string, backend: CryptoBackend, sqlite: boolean, dir: string): Promise<void> {
  const stores = sqlite
    ? [0, 1].map((i) => new SqliteStore(join(dir, `${label}-${i}.db`), { writer: WRITER, groupWindowMs: 2 }))
    : null;
  const pairs = [];
  for (let i = 0; i < PAIRS; i++) {
    pairs.push(
      await openPair({
        backend,
        channelId: channelIdOf(500 + i),
        balanceA: 10n ** 12n,
        config: { batching: false, retransmitMs: 5_000 },
        storeA: stores?.[0] ?? new MemoryStore(),
        storeB: stores?.[1] ?? new MemoryStore(),
      }),
    );
  }
  let running = true;
  let count = 0;
  const loops = pairs.map(async (p) => {
    while (running) {
      await p.a.pay(1n);
      count++;
    }
  });
  await new Promise((r) => setTimeout(r, 500)); // warm up
  const cpu0 = process.cpuUsage();
  const n0 = count;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const cpu = process.cpuUsage(cpu0);
  const n = count - n0;
  const secs = (performance.now() - t0) / 1000;
  running = false;
  await Promise.all(loops);
  for (const p of pairs) p.close();
  if (stores) for (const s of stores) await s.close();
  console.log(`  ${label.padEnd(26)} ${((cpu.user + cpu.system) / n).toFixed(1).padStart(7)} µs CPU per payment, ${(n / secs).toFixed(0)} payments/s`);
}

const native = await loadBackend('native');
const dir = mkdtempSync(join(tmpdir(), 'bitstream-cpu-split-'));
try {
  console.log(`CPU per payment, ${PAIRS} channels in one process (both sides), SQLite writer ${WRITER}:`);
  await run('curve-free + memory store', curveFree(native), false, dir);
  await run('curve-free + SQLite', curveFree(native), true, dir);
  await run('native + SQLite', native, true, dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
