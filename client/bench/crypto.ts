// Benchmark: sign/s and verify (recover + compare)/s for every secp256k1 backend
// installed here, in one run, as a table with ratios to the pure-JS noble backend.
// Also reports what "native" really is (the addon file node-gyp-build resolves) and
// the cost of encoding and hashing a state. Run: npx vite-node client/bench/crypto.ts
// Not a test: it asserts nothing and never runs in the suite.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { BACKEND_NAMES, type CryptoBackend } from '../src/crypto/backend.js';
import { automaticSelection, loadBackend } from '../src/crypto/select.js';
import { domainHash, stateHash } from '../src/codec/sip018.js';
import { encodeState } from '../src/codec/sip018.js';
import { serializeCVBytes } from '@stacks/transactions';
import { stateToClarity, type ChannelState } from '../src/codec/state.js';

const MS = Number(process.env.BENCH_MS ?? 1500);

function rate(fn: (i: number) => void, ms = MS): number {
  for (let i = 0; i < 50; i++) fn(i); // warm up
  const start = performance.now();
  let n = 0;
  let elapsed = 0;
  do {
    for (let k = 0; k < 20; k++) fn(n++);
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  return (n * 1000) / elapsed;
}

function hashes(count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const h = new Uint8Array(32);
    new DataView(h.buffer).setUint32(0, i * 2654435761);
    h[31] = i & 0xff;
    return h;
  });
}

function nativeAddonPath(): string {
  try {
    const require = createRequire(import.meta.url);
    const pkgDir = dirname(require.resolve('secp256k1/package.json'));
    const gyp = createRequire(require.resolve('secp256k1/package.json'))('node-gyp-build') as { path(dir: string): string };
    return gyp.path(pkgDir);
  } catch (e) {
    return `none (${(e as Error).message.split('\n')[0]})`;
  }
}

async function main() {
  const key = new Uint8Array(32).fill(0x42);
  const hs = hashes(256);
  const rows: { name: string; impl: string; sign: number; verify: number }[] = [];
  for (const name of BACKEND_NAMES) {
    let b: CryptoBackend;
    try {
      b = await loadBackend(name);
    } catch (e) {
      console.log(`${name}: unavailable (${((e as Error).cause as Error)?.message ?? e})`);
      continue;
    }
    const pub = b.publicKeyOf(key);
    const sigs = hs.map((h) => b.sign(h, key));
    const sign = rate((i) => b.sign(hs[i & 255]!, key));
    const verify = rate((i) => {
      if (!b.verify(hs[i & 255]!, sigs[i & 255]!, pub)) throw new Error('verify failed');
    });
    rows.push({ name, impl: b.implementation, sign, verify });
  }
  const base = rows.find((r) => r.name === 'noble')!;
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US').padStart(9);
  console.log(`\nnative addon: ${nativeAddonPath()}`);
  console.log(`node ${process.version}, ${MS} ms per figure\n`);
  console.log('backend | implementation                          |    sign/s | × noble |  verify/s | × noble');
  console.log('--------|-----------------------------------------|-----------|---------|-----------|--------');
  for (const r of rows)
    console.log(
      `${r.name.padEnd(7)} | ${r.impl.padEnd(39)} | ${fmt(r.sign)} | ${(r.sign / base.sign).toFixed(1).padStart(7)} | ${fmt(r.verify)} | ${(r.verify / base.verify).toFixed(1).padStart(6)}`,
    );

  const sel = await automaticSelection();
  console.log(`\nselectBackend() picks: ${sel.backend.name} (quick measurement, sign+recover/s: ${sel.measured.map((m) => `${m.name} ${Math.round(m.opsPerSecond)}`).join(', ')})`);

  // the codec's share of signing one state
  const dh = domainHash({ contract: 'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.bitstream', chainId: 0x80000000 });
  const states: ChannelState[] = Array.from({ length: 64 }, (_, i) => ({
    channelId: new Uint8Array(32).fill(i),
    nonce: BigInt(i) + 1000n,
    balanceA: 123_456_789n * BigInt(i + 1),
    balanceB: 987_654_321n,
    htlcs: Array.from({ length: i % 4 }, (_, j) => ({ hash: new Uint8Array(32).fill(j), amount: 1000n, expiry: 900_000n, offeredByA: j % 2 === 0 })),
    action: 0,
    actor: i % 3 === 0 ? 'ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5' : null,
    amount: 0n,
    validUntil: 0n,
    data: new Uint8Array(32),
  }));
  const enc = rate((i) => encodeState(states[i & 63]!), 800);
  const cv = rate((i) => serializeCVBytes(stateToClarity(states[i & 63]!)), 800);
  const sh = rate((i) => stateHash(states[i & 63]!, dh), 800);
  console.log(`\nstate encoding: encodeState ${fmt(enc)}/s, serializeCVBytes(stateToClarity) ${fmt(cv)}/s (×${(enc / cv).toFixed(1)}); stateHash ${fmt(sh)}/s`);
}

await main();
