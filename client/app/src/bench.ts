// The page's benchmark: payments a second to the hub, one at a time (each waits for both
// signatures and both commits) and batched (16 payers at once: the channel folds what
// queues behind an update into one state), next to the bounds this browser sets,
// measured in the same run: noble's (one signature made, one verified per state) and
// noble's with the IndexedDB commit a state needs (strict durability, as the store
// writes). The hub's side (its signature, its fsync) and the round trip are the rest.
import { nobleBackend } from '../../src/crypto/noble.js';

import type { BenchResult, BenchRow } from './bench-result.js';

export type { BenchResult, BenchRow };

const PAYERS = 16;

export async function measure(n: number, pay: (amount: bigint, id: string) => Promise<unknown>, nonce: () => bigint, amount: bigint): Promise<BenchResult> {
  const run = Date.now().toString(36);
  const row = (what: string, count: number, ms: number): BenchRow => ({ what, payments: count, ms, perSecond: (count * 1000) / ms });
  let t = performance.now();
  for (let i = 0; i < n; i++) await pay(amount, `bench-${run}-u${i}`);
  const unbatched = row('one at a time', n, performance.now() - t);

  const before = nonce();
  t = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: PAYERS }, async () => {
    while (next < n) await pay(amount, `bench-${run}-b${next++}`);
  }));
  const batched = row(`batched (${PAYERS} payers at once)`, n, performance.now() - t);
  const batchedStates = Number(nonce() - before);

  // the bounds: what the page's own work costs per state, nothing else
  const key = new Uint8Array(32).fill(7);
  const pub = nobleBackend.publicKeyOf(key);
  const hashes = Array.from({ length: n }, () => crypto.getRandomValues(new Uint8Array(32)));
  t = performance.now();
  for (const h of hashes) nobleBackend.verify(h, nobleBackend.sign(h, key), pub);
  const curveMs = performance.now() - t;
  const commitMs = await strictCommits(n);
  return {
    rows: [
      unbatched,
      batched,
      row('bound: noble sign + verify per state', n, curveMs),
      row('bound: the same + an IndexedDB strict commit', n, curveMs + commitMs),
    ],
    bound: (n * 1000) / curveMs,
    batchedStates,
  };
}

/** `n` one-record read-write transactions with strict durability, one after another: ms in all. */
async function strictCommits(n: number): Promise<number> {
  const name = `bitstream-bench-${Date.now().toString(36)}`;
  const db = await new Promise<IDBDatabase>((ok, fail) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => req.result.createObjectStore('s');
    req.onsuccess = () => ok(req.result);
    req.onerror = () => fail(req.error);
  });
  const record = new Uint8Array(400);
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    await new Promise<void>((ok, fail) => {
      const tx = db.transaction('s', 'readwrite', { durability: 'strict' });
      tx.objectStore('s').put(record, i % 8);
      tx.oncomplete = () => ok();
      tx.onerror = () => fail(tx.error);
    });
  }
  const ms = performance.now() - t;
  db.close();
  indexedDB.deleteDatabase(name);
  return ms;
}
