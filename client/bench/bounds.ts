// The bare costs a benchmark's figures are set against, measured in the same run: a
// signature, a verification and a state hash on a backend, and one fsync'd commit on
// this disk. Shared by payments.ts and x402.ts. Not part of the client library.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { CryptoBackend } from '../src/crypto/backend.js';
import { domainHash, stateHash } from '../src/codec/sip018.js';
import { backendVerifier } from '../src/channel/verify.js';
import { DOMAIN, KEY_A, channelIdOf, openingState } from '../../tests/client/fixtures/peers.js';

/** Milliseconds per call of `fn`, over at least `minMs` after a warm-up. */
export function perOp(fn: (i: number) => void, minMs: number): number {
  for (let i = 0; i < 20; i++) fn(i);
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < minMs) fn(n++);
  return (performance.now() - start) / n;
}

/** One fsync'd commit on this disk: a WAL upsert of a state-sized row with synchronous=FULL. */
export function commitMs(dir: string): number {
  const db = new Database(join(dir, 'fsync-probe.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v TEXT)');
  const put = db.prepare('INSERT INTO t (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v');
  // the row must change: SQLite skips the write (and the fsync) of an unchanged page
  const row = 'x'.repeat(900);
  const ms = perOp((i) => db.transaction(() => put.run(i % 16, `${row}${i}`)).immediate(), 500);
  db.close();
  return ms;
}

export function cryptoBounds(backend: CryptoBackend) {
  const key = KEY_A;
  const hashes = Array.from({ length: 64 }, (_, i) => new Uint8Array(32).fill(i + 1));
  const sigs = hashes.map((h) => backend.sign(h, key));
  const verifier = backendVerifier(backend);
  const keys = [backend.publicKeyOf(key)];
  const signMs = perOp((i) => backend.sign(hashes[i % 64]!, key), 600);
  const verifyMs = perOp((i) => verifier.verify(hashes[i % 64]!, sigs[i % 64]!, keys), 600);
  const dh = domainHash(DOMAIN);
  const st = openingState(channelIdOf(1), 1_000n);
  const hashMs = perOp((i) => stateHash({ ...st, nonce: BigInt(i) }, dh), 300);
  return { signMs, verifyMs, hashMs };
}
