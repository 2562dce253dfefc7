// The page's benchmark: payments a second to the hub, one at a time (each waits for both
// signatures) and batched (all queued at once; the channel folds what queues behind an
// update into one state), next to the bound noble sets in this browser: one signature
// made and one verified per state. Measured in one run, so the ratios hold on a noisy machine.
import { nobleBackend } from '../../src/crypto/noble.js';

export interface BenchRow {
  readonly what: string;
  readonly payments: number;
  readonly ms: number;
  readonly perSecond: number;
}

export interface BenchResult {
  readonly rows: readonly BenchRow[];
  /** states a second noble allows here: sign + verify */
  readonly bound: number;
  /** the states the batched run needed */
  readonly batchedStates: number;
}

export async function measure(n: number, pay: (amount: bigint, id: string) => Promise<unknown>, nonce: () => bigint, amount: bigint): Promise<BenchResult> {
  const run = Date.now().toString(36);
  const row = (what: string, ms: number): BenchRow => ({ what, payments: n, ms, perSecond: (n * 1000) / ms });
  let t = performance.now();
  for (let i = 0; i < n; i++) await pay(amount, `bench-${run}-u${i}`);
  const unbatched = row('one at a time', performance.now() - t);
  const before = nonce();
  t = performance.now();
  await Promise.all(Array.from({ length: n }, (_, i) => pay(amount, `bench-${run}-b${i}`)));
  const batched = row('batched', performance.now() - t);
  const batchedStates = Number(nonce() - before);
  // the bound: what the page's own curve work costs per state, nothing else
  const key = new Uint8Array(32).fill(7);
  const pub = nobleBackend.publicKeyOf(key);
  const hashes = Array.from({ length: n }, (_, i) => crypto.getRandomValues(new Uint8Array(32)).fill(i & 255, 0, 1));
  t = performance.now();
  for (const h of hashes) nobleBackend.verify(h, nobleBackend.sign(h, key), pub);
  const boundMs = performance.now() - t;
  const bound = (n * 1000) / boundMs;
  return { rows: [unbatched, batched, { what: 'noble bound (sign + verify per state)', payments: n, ms: boundMs, perSecond: bound }], bound, batchedStates };
}
