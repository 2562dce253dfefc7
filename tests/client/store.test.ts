// The durable store (client/src/store): the compare-and-swap rules on every
// implementation (one nonce at a time, never two states at one nonce, no regression,
// idempotent repeats), what enforcement needs kept (PROTOCOL §8: the closable state and
// base beside the newest, abandoned proposals, HTLC secrets, payment records), SQLite's
// durability settings, group commit, reopening at the right nonce, refusing a corrupt
// row or a file of another schema version, and one owner per store file. The browser
// store's own rules are tests/client/indexeddb-store.test.ts.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Action, type ChannelState } from '../../client/src/codec/state.js';
import { MemoryStore } from '../../client/src/store/memory.js';
import { IndexedDbStore } from '../../client/src/store/indexeddb.js';
import { IDBFactory } from 'fake-indexeddb';
import { sha256 } from '@noble/hashes/sha2.js';
import { initialRecord } from '../../client/src/store/rules.js';
import { SqliteStore } from '../../client/src/store/sqlite.js';
import { StoreCode, StoreError, type ChannelRecord, type PaymentRecord, type SignedState, type StateStore } from '../../client/src/store/types.js';

const dir = mkdtempSync(join(tmpdir(), 'bitstream-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const sqlitePath = () => join(dir, `s${files++}.db`);

const id = (n: number) => new Uint8Array(32).fill(n);
const bytes = (n: number, len = 32) => new Uint8Array(len).fill(n);

function st(channel: number, nonce: bigint, balanceA: bigint, action: Action = Action.Transfer): ChannelState {
  return {
    channelId: id(channel), nonce, balanceA, balanceB: 1_000n - balanceA, htlcs: [], action, actor: null, amount: 0n,
    validUntil: action === Action.Transfer ? 0n : 50n, data: new Uint8Array(32),
  };
}
const hashOf = (nonce: bigint, variant = 0) => bytes(Number(nonce % 200n) + variant * 50 + 1);
const signed = (channel: number, nonce: bigint, balanceA: bigint, variant = 0): SignedState => ({
  state: st(channel, nonce, balanceA), hash: hashOf(nonce, variant), sigA: bytes(7, 65), sigB: bytes(8, 65),
});
const record = (channel: number): ChannelRecord =>
  initialRecord(id(channel), { state: st(channel, 0n, 1_000n), hash: hashOf(0n), sigA: null, sigB: null }, bytes(3));
const pendingAt = (channel: number, nonce: bigint, balanceA: bigint, variant = 0) =>
  ({ state: st(channel, nonce, balanceA), hash: hashOf(nonce, variant), sig: bytes(5, 65), tag: bytes(6), lapsed: false });

async function code(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(StoreError);
  return (e as StoreError).code;
}

const kinds: [string, () => StateStore | Promise<StateStore>][] = [
  ['MemoryStore', () => new MemoryStore()],
  ['SqliteStore', () => new SqliteStore(sqlitePath())],
  ['SqliteStore (writer thread)', () => new SqliteStore(sqlitePath(), { writer: 'thread' })],
  // a fresh in-memory IndexedDB per store (fake-indexeddb); the real one runs in the browser tests
  ['IndexedDbStore', () => IndexedDbStore.open('store-test', { factory: new IDBFactory(), locks: null })],
];

describe.each(kinds)('%s compare-and-swap', (_name, make) => {
  it('advances by one nonce, or two past an offer, and refuses wider gaps, regressions and unknown channels', async () => {
    const s = await make();
    await s.create(record(1));
    expect(await code(s.create(record(1)))).toBe(StoreCode.Exists);
    expect(await code(s.saveSigned(id(1), signed(1, 3n, 900n)))).toBe(StoreCode.NonceGap);
    await s.saveSigned(id(1), signed(1, 1n, 900n));
    expect(await code(s.savePending(id(1), pendingAt(1, 4n, 900n)))).toBe(StoreCode.NonceGap);
    await s.saveSigned(id(1), signed(1, 2n, 800n));
    expect(await code(s.saveSigned(id(1), signed(1, 1n, 900n)))).toBe(StoreCode.NonceRegression);
    expect(await code(s.saveSigned(id(1), signed(1, 2n, 700n, 1)))).toBe(StoreCode.NonceRegression);
    expect(await code(s.saveSigned(id(9), signed(9, 1n, 900n)))).toBe(StoreCode.UnknownChannel);
    expect(await code(s.saveSecret(id(9), bytes(1)))).toBe(StoreCode.UnknownChannel);
    expect(await code(s.saveAbandoned(id(9), bytes(1)))).toBe(StoreCode.UnknownChannel);
    expect(await code(s.savePending(id(1), pendingAt(1, 1n, 5n, 1)))).toBe(StoreCode.NonceRegression);
    // the same state again is a no-op, not an error (retransmits are idempotent)
    await s.saveSigned(id(1), signed(1, 2n, 800n));
    expect(s.load(id(1))!.latest.state.nonce).toBe(2n);
    await s.close();
  });

  it('never holds two states at one nonce: a pending signature pins the next state', async () => {
    const s = await make();
    await s.create(record(2));
    const pending = pendingAt(2, 1n, 900n);
    await s.savePending(id(2), pending);
    await s.savePending(id(2), pending); // idempotent
    expect(await code(s.savePending(id(2), { ...pending, state: st(2, 1n, 100n), hash: hashOf(1n, 1) }))).toBe(StoreCode.Conflict);
    expect(await code(s.saveSigned(id(2), signed(2, 1n, 100n, 1)))).toBe(StoreCode.Conflict);
    expect(await code(s.savePending(id(2), { ...pending, state: st(2, 3n, 900n), hash: hashOf(3n) }))).toBe(StoreCode.NonceGap);
    await s.saveSigned(id(2), signed(2, 1n, 900n));
    const r = s.load(id(2))!;
    expect(r.pending).toBeNull();
    expect(r.latest.state.nonce).toBe(1n);
    await s.close();
  });

  it('a state one nonce higher supersedes a pending offer the payer passed over; nothing lower does', async () => {
    const s = await make();
    await s.create(record(4));
    const offer = pendingAt(4, 1n, 900n);
    await s.savePending(id(4), offer);
    // the payer proposed at 2 instead: our first signature there replaces the offer
    const over = pendingAt(4, 2n, 950n);
    await s.savePending(id(4), over);
    expect(s.load(id(4))!.pending).toEqual(over);
    // the passed-over offer can never come back, pending or signed
    expect(await code(s.savePending(id(4), offer))).toBe(StoreCode.NonceRegression);
    expect(await code(s.saveSigned(id(4), signed(4, 1n, 900n)))).toBe(StoreCode.Conflict);
    expect(await code(s.saveSigned(id(4), signed(4, 2n, 100n, 1)))).toBe(StoreCode.Conflict);
    await s.saveSigned(id(4), signed(4, 2n, 950n));
    const r = s.load(id(4))!;
    expect(r.latest.state.nonce).toBe(2n);
    expect(r.pending).toBeNull();
    // a signed state past a pending one below it clears that one too
    await s.savePending(id(4), pendingAt(4, 3n, 960n));
    await s.saveSigned(id(4), signed(4, 4n, 970n));
    expect(s.load(id(4))!.pending).toBeNull();
    await s.close();
  });

  it('of many racing writes for one nonce, exactly one wins', async () => {
    const s = await make();
    await s.create(record(3));
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => s.savePending(id(3), pendingAt(3, 1n, BigInt(i), i % 4 === 0 ? 0 : i))),
    );
    // the first write and its exact repeats (same hash) succeed; every other state is refused
    const won = results.map((r, i) => (r.status === 'fulfilled' ? i : -1)).filter((i) => i >= 0);
    expect(won).toEqual([0, 4, 8, 12, 16]);
    expect(s.load(id(3))!.pending!.state.balanceA).toBe(0n);
    await s.close();
  });
});

describe.each(kinds)('%s keeps what enforcement needs (PROTOCOL §8)', (_name, make) => {
  const chainState = (channel: number, nonce: bigint, balanceA: bigint, action: Action) =>
    ({ state: st(channel, nonce, balanceA, action), hash: hashOf(nonce, 2), sigA: bytes(7, 65), sigB: bytes(8, 65) });

  it('the closable state stays the newest transfer or close while a deposit or withdraw state is newest', async () => {
    const s = await make();
    await s.create(record(4));
    expect(s.load(id(4))!.closable.state.nonce).toBe(0n); // the implicit state
    await s.saveSigned(id(4), signed(4, 1n, 900n));
    await s.saveSigned(id(4), chainState(4, 2n, 850n, Action.Withdraw));
    let r = s.load(id(4))!;
    expect(r.latest.state.nonce).toBe(2n);
    expect(r.closable).toEqual(signed(4, 1n, 900n));
    expect(r.base).toEqual(signed(4, 1n, 900n));
    // the withdraw lapsed: state 3, a transfer, builds on its base; a transfer's base is never needed
    await s.saveSigned(id(4), signed(4, 3n, 880n), { lapsed: true });
    r = s.load(id(4))!;
    expect(r.closable).toEqual(signed(4, 3n, 880n));
    expect(r.base).toBeNull();
    await s.saveSigned(id(4), chainState(4, 4n, 880n, Action.Close));
    expect(s.load(id(4))!.closable.state.nonce).toBe(4n); // a close state is closable
    expect(s.load(id(4))!.base).toEqual(signed(4, 3n, 880n));
    // a chain state built after a lapsed one keeps the lapsed one's base
    await s.saveSigned(id(4), chainState(4, 5n, 870n, Action.Withdraw), { lapsed: true });
    expect(s.load(id(4))!.base).toEqual(signed(4, 3n, 880n));
    await s.close();
  });

  it('an abandoned proposal is kept until the nonce moves on', async () => {
    const s = await make();
    await s.create(record(5));
    await s.saveAbandoned(id(5), bytes(9));
    await s.saveAbandoned(id(5), bytes(9)); // idempotent
    await s.saveAbandoned(id(5), bytes(10));
    expect(s.load(id(5))!.abandoned).toEqual([bytes(9), bytes(10)]);
    await s.saveSigned(id(5), signed(5, 1n, 900n));
    expect(s.load(id(5))!.abandoned).toEqual([]);
    await s.close();
  });

  it('keeps secrets by hash and payment records by id', async () => {
    const s = await make();
    await s.create(record(6));
    await s.saveSecret(id(6), bytes(0x42));
    await s.saveSecret(id(6), bytes(0x42));
    expect([...s.secrets(id(6))]).toEqual([[Buffer.from(sha256(bytes(0x42))).toString('hex'), bytes(0x42)]]);
    expect(s.secrets(id(7)).size).toBe(0);
    const pay: PaymentRecord = { id: 'order-1', channelId: id(6), amount: 5n, status: 'in-flight', nonce: 1n, hash: hashOf(1n) };
    await s.savePayments([pay]);
    expect(s.inFlight(id(6))).toEqual([pay]);
    await s.saveSigned(id(6), signed(6, 1n, 995n), { payments: [{ ...pay, status: 'completed' }] });
    expect(s.payment('order-1')).toEqual({ ...pay, status: 'completed' });
    expect(s.inFlight(id(6))).toEqual([]);
    expect(s.payment('unknown')).toBeNull();
    await s.close();
  });
});

describe('SqliteStore durability', () => {
  it('secrets, payments, the closable state, the base and abandoned proposals survive a reopen', async () => {
    const path = sqlitePath();
    const s = new SqliteStore(path, { writer: 'thread' });
    await s.create(record(1));
    await s.saveSigned(id(1), signed(1, 1n, 900n));
    await s.saveSigned(id(1), { state: st(1, 2n, 850n, Action.Deposit), hash: hashOf(2n, 2), sigA: bytes(7, 65), sigB: bytes(8, 65) });
    await s.saveAbandoned(id(1), bytes(9));
    await s.saveSecret(id(1), bytes(0x42));
    await s.savePayments([{ id: 'p:1', channelId: id(1), amount: 7n, status: 'failed', nonce: 3n, hash: bytes(9), reason: 'REFUSED' }]);
    s.crash();
    const again = new SqliteStore(path);
    const r = again.load(id(1))!;
    expect(r.closable).toEqual(signed(1, 1n, 900n));
    expect(r.base).toEqual(signed(1, 1n, 900n));
    expect(r.abandoned).toEqual([bytes(9)]);
    expect(again.secrets(id(1)).get(Buffer.from(sha256(bytes(0x42))).toString('hex'))).toEqual(bytes(0x42));
    expect(again.payment('p:1')).toEqual({ id: 'p:1', channelId: id(1), amount: 7n, status: 'failed', nonce: 3n, hash: bytes(9), reason: 'REFUSED' });
    again.close();
    await s.close();
  });

  it('refuses a store file of another schema version (a protocol v1 store) instead of half-reading it', async () => {
    const path = sqlitePath();
    const db = new Database(path);
    db.exec('CREATE TABLE channels (id TEXT PRIMARY KEY, tag_key TEXT NOT NULL, latest TEXT NOT NULL, pending TEXT)');
    db.close();
    expect(() => new SqliteStore(path)).toThrow(expect.objectContaining({ code: StoreCode.Version }));
    const future = sqlitePath();
    new SqliteStore(future).close();
    const f = new Database(future);
    f.pragma('user_version = 3');
    f.close();
    expect(() => new SqliteStore(future)).toThrow(expect.objectContaining({ code: StoreCode.Version }));
  });

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
    await s.savePending(id(2), pendingAt(2, 11n, 1n));
    // no close(): a crash after the commits resolved must lose nothing
    s.crash();
    const again = new SqliteStore(path);
    expect(again.channels()).toHaveLength(3);
    expect(again.load(id(1))!.latest.state.nonce).toBe(5n);
    expect(again.load(id(3))!.latest).toEqual(signed(3, 15n, 985n));
    expect(again.load(id(2))!.pending).toEqual(pendingAt(2, 11n, 1n));
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
    s.crash();
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

  it('refuses a corrupt payment or secret row the same way (a store that cannot be read whole is not resumed)', async () => {
    const damage = [
      ["UPDATE payments SET amount = '-5'", 'unreadable payment row'],
      ["UPDATE payments SET status = 'pending'", 'unreadable payment row'],
      ["UPDATE secrets SET secret = 'zz'", 'unreadable secret row'],
      ["UPDATE secrets SET secret = '00'", 'unreadable secret row'],
    ] as const;
    for (const [sql, message] of damage) {
      const path = sqlitePath();
      const s = new SqliteStore(path);
      await s.create(record(1));
      await s.saveSecret(id(1), bytes(0x42));
      await s.savePayments([{ id: 'p:1', channelId: id(1), amount: 7n, status: 'in-flight', nonce: 1n, hash: bytes(9) }]);
      await s.close();
      const db = new Database(path);
      db.prepare(sql).run();
      db.close();
      expect(() => new SqliteStore(path), sql).toThrow(expect.objectContaining({ code: StoreCode.Corrupt, message }));
    }
  });
});

describe('SqliteStore ownership', () => {
  it('a second store object on the same file is refused until the first is closed', async () => {
    const path = sqlitePath();
    const s = new SqliteStore(path);
    await s.create(record(1));
    expect(() => new SqliteStore(path)).toThrow(expect.objectContaining({ code: StoreCode.Locked, details: expect.objectContaining({ pid: process.pid }) }));
    // the refused attempt changed nothing
    expect(s.load(id(1))).not.toBeNull();
    await s.create(record(2));
    await s.close();
    const again = new SqliteStore(path);
    expect(again.channels()).toHaveLength(2);
    await again.close();
  });

  it('another process cannot open a store this one owns; kill -9 frees it at once', async () => {
    const path = sqlitePath();
    new SqliteStore(path).close();
    const viteNode = createRequire(import.meta.url).resolve('vite-node/vite-node.mjs');
    const child = spawn(process.execPath, [viteNode, join(import.meta.dirname, 'fixtures', 'store-holder.ts'), path], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
      child.once('exit', (code) => reject(new Error(`holder exited (${code})`)));
    });
    try {
      expect(() => new SqliteStore(path)).toThrow(expect.objectContaining({ code: StoreCode.Locked, details: expect.objectContaining({ pid: child.pid }) }));
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const mine = new SqliteStore(path);
    await mine.create(record(1));
    await mine.close();
  });
});
