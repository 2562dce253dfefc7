// The durable store (client/src/store): the compare-and-swap rules on both
// implementations (one nonce at a time, never two states at one nonce, no regression,
// idempotent repeats), SQLite's durability settings, group commit, reopening at the
// right nonce, and refusing a corrupt row.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Action, type ChannelState } from '../../client/src/codec/state.js';
import { MemoryStore } from '../../client/src/store/memory.js';
import { SqliteStore } from '../../client/src/store/sqlite.js';
import { StoreCode, StoreError, type ChannelRecord, type SignedState, type StateStore } from '../../client/src/store/types.js';

const dir = mkdtempSync(join(tmpdir(), 'bitstream-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const sqlitePath = () => join(dir, `s${files++}.db`);

const id = (n: number) => new Uint8Array(32).fill(n);
const bytes = (n: number, len = 32) => new Uint8Array(len).fill(n);

function st(channel: number, nonce: bigint, balanceA: bigint): ChannelState {
  return { channelId: id(channel), nonce, balanceA, balanceB: 1_000n - balanceA, htlcs: [], action: Action.Transfer, actor: null, amount: 0n };
}
const hashOf = (nonce: bigint, variant = 0) => bytes(Number(nonce % 200n) + variant * 50 + 1);
const signed = (channel: number, nonce: bigint, balanceA: bigint, variant = 0): SignedState => ({
  state: st(channel, nonce, balanceA), hash: hashOf(nonce, variant), sigA: bytes(7, 65), sigB: bytes(8, 65),
});
const record = (channel: number): ChannelRecord => ({
  channelId: id(channel), latest: { state: st(channel, 0n, 1_000n), hash: hashOf(0n), sigA: null, sigB: null }, pending: null, tagKey: bytes(3),
});

async function code(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(StoreError);
  return (e as StoreError).code;
}

const kinds: [string, () => StateStore][] = [
  ['MemoryStore', () => new MemoryStore()],
  ['SqliteStore', () => new SqliteStore(sqlitePath())],
  ['SqliteStore (writer thread)', () => new SqliteStore(sqlitePath(), { writer: 'thread' })],
];

describe.each(kinds)('%s compare-and-swap', (_name, make) => {
  it('advances one nonce at a time and refuses gaps, regressions and unknown channels', async () => {
    const s = make();
    await s.create(record(1));
    expect(await code(s.create(record(1)))).toBe(StoreCode.Exists);
    expect(await code(s.saveSigned(id(1), signed(1, 2n, 900n)))).toBe(StoreCode.NonceGap);
    await s.saveSigned(id(1), signed(1, 1n, 900n));
    await s.saveSigned(id(1), signed(1, 2n, 800n));
    expect(await code(s.saveSigned(id(1), signed(1, 1n, 900n)))).toBe(StoreCode.NonceRegression);
    expect(await code(s.saveSigned(id(1), signed(1, 2n, 700n, 1)))).toBe(StoreCode.NonceRegression);
    expect(await code(s.saveSigned(id(9), signed(9, 1n, 900n)))).toBe(StoreCode.UnknownChannel);
    expect(await code(s.savePending(id(1), { state: st(1, 1n, 5n), hash: hashOf(1n, 1), sig: bytes(5, 65), tag: bytes(6) }))).toBe(StoreCode.NonceRegression);
    // the same state again is a no-op, not an error (retransmits are idempotent)
    await s.saveSigned(id(1), signed(1, 2n, 800n));
    expect(s.load(id(1))!.latest.state.nonce).toBe(2n);
    await s.close();
  });

  it('never holds two states at one nonce: a pending signature pins the next state', async () => {
    const s = make();
    await s.create(record(2));
    const pending = { state: st(2, 1n, 900n), hash: hashOf(1n), sig: bytes(5, 65), tag: bytes(6) };
    await s.savePending(id(2), pending);
    await s.savePending(id(2), pending); // idempotent
    expect(await code(s.savePending(id(2), { ...pending, state: st(2, 1n, 100n), hash: hashOf(1n, 1) }))).toBe(StoreCode.Conflict);
    expect(await code(s.saveSigned(id(2), signed(2, 1n, 100n, 1)))).toBe(StoreCode.Conflict);
    expect(await code(s.savePending(id(2), { ...pending, state: st(2, 2n, 900n), hash: hashOf(2n) }))).toBe(StoreCode.NonceGap);
    await s.saveSigned(id(2), signed(2, 1n, 900n));
    const r = s.load(id(2))!;
    expect(r.pending).toBeNull();
    expect(r.latest.state.nonce).toBe(1n);
    await s.close();
  });

  it('of many racing writes for one nonce, exactly one wins', async () => {
    const s = make();
    await s.create(record(3));
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => s.savePending(id(3), { state: st(3, 1n, BigInt(i)), hash: hashOf(1n, i % 4 === 0 ? 0 : i), sig: bytes(5, 65), tag: bytes(6) })),
    );
    // the first write and its exact repeats (same hash) succeed; every other state is refused
    const won = results.map((r, i) => (r.status === 'fulfilled' ? i : -1)).filter((i) => i >= 0);
    expect(won).toEqual([0, 4, 8, 12, 16]);
    expect(s.load(id(3))!.pending!.state.balanceA).toBe(0n);
    await s.close();
  });
});

describe('SqliteStore durability', () => {
  it('runs WAL with synchronous=FULL (every commit fsyncs)', async () => {
    const s = new SqliteStore(sqlitePath());
    expect(s.settings()).toEqual({ journalMode: 'wal', synchronous: 2 });
    await s.close();
  });

  it('reopens every channel at its nonce, with its pending signature and tag key', async () => {
    const path = sqlitePath();
    const s = new SqliteStore(path);
    for (let c = 1; c <= 3; c++) {
      await s.create(record(c));
      for (let n = 1n; n <= BigInt(c * 5); n++) await s.saveSigned(id(c), signed(c, n, 1_000n - n));
    }
    await s.savePending(id(2), { state: st(2, 11n, 1n), hash: hashOf(11n), sig: bytes(5, 65), tag: bytes(6) });
    // no close(): a crash after the commits resolved must lose nothing
    const again = new SqliteStore(path);
    expect(again.channels()).toHaveLength(3);
    expect(again.load(id(1))!.latest.state.nonce).toBe(5n);
    expect(again.load(id(3))!.latest).toEqual(signed(3, 15n, 985n));
    expect(again.load(id(2))!.pending).toEqual({ state: st(2, 11n, 1n), hash: hashOf(11n), sig: bytes(5, 65), tag: bytes(6) });
    expect(again.load(id(2))!.tagKey).toEqual(bytes(3));
    // and the compare-and-swap rules hold across the reopen
    expect(await code(again.saveSigned(id(1), signed(1, 5n, 1n, 1)))).toBe(StoreCode.NonceRegression);
    again.close();
    await s.close();
  });

  it('group commit: writes of many channels in one turn share one transaction; none resolves before it', async () => {
    const s = new SqliteStore(sqlitePath());
    await Promise.all(Array.from({ length: 50 }, (_, c) => s.create(record(c + 10))));
    const before = s.commits;
    let resolved = 0;
    const writes = Array.from({ length: 50 }, (_, c) => s.saveSigned(id(c + 10), signed(c + 10, 1n, 900n)).then(() => resolved++));
    expect(resolved).toBe(0);
    await Promise.resolve();
    expect(resolved).toBe(0); // not before the commit, which runs after this turn
    await Promise.all(writes);
    expect(s.commits - before).toBe(1);
    await s.close();
  });

  it('with a writer thread: writes made during a commit share the next one, and survive a reopen', async () => {
    const path = sqlitePath();
    const s = new SqliteStore(path, { writer: 'thread' });
    await Promise.all(Array.from({ length: 20 }, (_, c) => s.create(record(c + 1))));
    const before = s.commits;
    for (let n = 1n; n <= 5n; n++) {
      await Promise.all(Array.from({ length: 20 }, (_, c) => s.saveSigned(id(c + 1), signed(c + 1, n, 1_000n - n))));
    }
    expect(s.commits - before).toBe(5);
    const again = new SqliteStore(path);
    expect(again.load(id(20))!.latest).toEqual(signed(20, 5n, 995n));
    again.close();
    await s.close();
  });

  it('a group-commit window gathers writes made a few ms apart into one fsync', async () => {
    const s = new SqliteStore(sqlitePath(), { writer: 'thread', groupWindowMs: 30 });
    await Promise.all([s.create(record(1)), s.create(record(2))]);
    const before = s.commits;
    const first = s.saveSigned(id(1), signed(1, 1n, 900n));
    await new Promise((r) => setTimeout(r, 5));
    await Promise.all([first, s.saveSigned(id(2), signed(2, 1n, 900n))]);
    expect(s.commits - before).toBe(1);
    await s.close();
  });

  it('without group commit each write is its own fsync', async () => {
    const s = new SqliteStore(sqlitePath(), { groupCommit: false });
    await s.create(record(1));
    const before = s.commits;
    await Promise.all([1n, 2n, 3n].map((n) => s.saveSigned(id(1), signed(1, n, 900n - n))));
    expect(s.commits - before).toBe(3);
    await s.close();
  });

  it('refuses a corrupt row with a typed error instead of resuming from it', async () => {
    const path = sqlitePath();
    const s = new SqliteStore(path);
    await s.create(record(1));
    s.close();
    const db = new Database(path);
    db.prepare("UPDATE channels SET latest = json_set(latest, '$.state.nonce', '-1')").run();
    db.close();
    expect(() => new SqliteStore(path)).toThrow(expect.objectContaining({ code: StoreCode.Corrupt }));
  });
});
