// The durable StateStore: SQLite through better-sqlite3, WAL journal, synchronous=FULL,
// so a resolved write has been fsync'd. Writes made while a commit is under way share
// the next transaction and its one fsync (group commit, for a hub with many channels);
// none resolves before its commit. The compare-and-swap rules (rules.ts) are checked
// when a write is made, against a cache that includes writes not yet committed, so two
// racing writes for one nonce cannot both pass. One process writes a store file at a
// time. With `writer: 'thread'` the commits (and their fsync, which blocks) run in a
// worker thread, so the event loop keeps signing and verifying meanwhile.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { fromHex, toHex } from '../wire/json.js';
import { stateJsonText } from '../wire/json-text.js';
import { bytes32Schema, signatureSchema, stateSchema } from '../wire/schemas.js';
import { withPending, withSigned } from './rules.js';
import { StoreCode, StoreError, type ChannelRecord, type PendingState, type SignedState, type StateStore } from './types.js';

const signedSchema = z.strictObject({
  state: stateSchema,
  hash: bytes32Schema,
  sigA: signatureSchema.nullable(),
  sigB: signatureSchema.nullable(),
});
const pendingSchema = z.strictObject({ state: stateSchema, hash: bytes32Schema, sig: signatureSchema, tag: bytes32Schema });

interface Row {
  id: string;
  tag_key: string;
  latest: string;
  pending: string | null;
}

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS channels (
  id TEXT PRIMARY KEY, tag_key TEXT NOT NULL, latest TEXT NOT NULL, pending TEXT)`;
const UPSERT = `INSERT INTO channels (id, tag_key, latest, pending) VALUES (@id, @tag_key, @latest, @pending)
  ON CONFLICT(id) DO UPDATE SET latest = excluded.latest, pending = excluded.pending`;

function openDatabase(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // FULL: every commit fsyncs the WAL, so a resolved write survives power loss
  db.pragma('synchronous = FULL');
  db.exec(SCHEMA);
  return db;
}

/** The writer thread: same settings, commits the rows it is sent, answers in order. */
const WRITER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
const upsert = db.prepare(workerData.upsert);
const commit = db.transaction((rows) => { for (const r of rows) upsert.run(r); });
parentPort.on('message', (m) => {
  if (m.close) { db.close(); parentPort.postMessage({ closed: true }); return; }
  try { commit.immediate(m.rows); parentPort.postMessage({ ok: true }); }
  catch (e) { parentPort.postMessage({ ok: false, error: String(e) }); }
});`;

export interface SqliteStoreOptions {
  /** commit each write on its own instead of grouping concurrent writes (default: group) */
  groupCommit?: boolean;
  /** where commits run: on the event loop (default) or in a worker thread */
  writer?: 'inline' | 'thread';
  /**
   * Wait this long after the first write of a group before committing it (default 0: the
   * next turn). A hub trades a few ms of latency for fewer, larger fsyncs.
   */
  groupWindowMs?: number;
}

export class SqliteStore implements StateStore {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;
  private readonly worker: Worker | null = null;
  private readonly cache = new Map<string, ChannelRecord>();
  private dirty = new Map<string, ChannelRecord>();
  private waiters: Waiter[] = [];
  /** waiters of the commit the writer thread is doing now */
  private inflight: Waiter[] | null = null;
  private scheduled = false;
  private failed: StoreError | null = null;
  private readonly group: boolean;
  private readonly windowMs: number;
  private closing: Promise<void> | null = null;
  /** fsync'd transactions committed so far (for benchmarks and tests) */
  commits = 0;

  constructor(path: string, opts: SqliteStoreOptions = {}) {
    this.group = opts.groupCommit ?? true;
    this.windowMs = opts.groupWindowMs ?? 0;
    this.db = openDatabase(path);
    this.upsert = this.db.prepare(UPSERT);
    for (const row of this.db.prepare('SELECT id, tag_key, latest, pending FROM channels').all() as Row[]) {
      this.cache.set(row.id, decodeRow(row));
    }
    if (opts.writer === 'thread') {
      const driver = createRequire(import.meta.url).resolve('better-sqlite3');
      this.worker = new Worker(WRITER, { eval: true, workerData: { path, driver, upsert: UPSERT } });
      this.worker.on('message', (m: { ok?: boolean; error?: string; closed?: boolean }) => {
        if (!m.closed) this.committed(m.ok ? null : new Error(m.error));
      });
      this.worker.on('error', (e) => this.committed(e));
      this.worker.unref();
    }
  }

  load(channelId: Uint8Array): ChannelRecord | null {
    return this.cache.get(toHex(channelId)) ?? null;
  }

  channels(): Uint8Array[] {
    return [...this.cache.values()].map((r) => r.channelId);
  }

  create(record: ChannelRecord): Promise<void> {
    const key = toHex(record.channelId);
    if (this.cache.has(key)) {
      return Promise.reject(new StoreError(StoreCode.Exists, 'channel already stored', { details: { channelId: key } }));
    }
    return this.write(key, record);
  }

  savePending(channelId: Uint8Array, pending: PendingState): Promise<void> {
    try {
      const key = toHex(channelId);
      const next = withPending(this.get(key), pending);
      return next ? this.write(key, next) : this.settled();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  saveSigned(channelId: Uint8Array, signed: SignedState): Promise<void> {
    try {
      const key = toHex(channelId);
      const next = withSigned(this.get(key), signed);
      return next ? this.write(key, next) : this.settled();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The durability settings in force on this connection (journal mode, synchronous level). */
  settings(): { journalMode: string; synchronous: number } {
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: Number(this.db.pragma('synchronous', { simple: true })),
    };
  }

  /**
   * Commit what is queued, then close. Inline: done when this returns. Thread: the
   * returned promise resolves once the writer has committed and closed.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    if (!this.worker) {
      if (this.dirty.size > 0 && this.failed === null) this.flush();
      if (this.db.open) this.db.close();
      this.closing = Promise.resolve();
      return this.closing;
    }
    const worker = this.worker;
    this.closing = (async () => {
      while ((this.dirty.size > 0 || this.inflight) && this.failed === null) {
        if (!this.inflight) this.flush();
        await new Promise<void>((resolve) => this.inflight!.push({ resolve, reject: () => resolve() }));
      }
      await new Promise<void>((resolve) => {
        worker.on('message', (m: { closed?: boolean }) => m.closed && resolve());
        worker.ref(); // a close someone awaits keeps the process alive until it is done
        worker.postMessage({ close: true });
      });
      await worker.terminate();
      if (this.db.open) this.db.close();
    })();
    return this.closing;
  }

  private get(key: string): ChannelRecord {
    const r = this.cache.get(key);
    if (!r) throw new StoreError(StoreCode.UnknownChannel, 'unknown channel', { details: { channelId: key } });
    return r;
  }

  /** An idempotent write: durable once every earlier write is. */
  private settled(): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    const queue = this.dirty.size > 0 ? this.waiters : this.inflight;
    if (queue === null) return Promise.resolve();
    return new Promise((resolve, reject) => queue.push({ resolve, reject }));
  }

  private write(key: string, record: ChannelRecord): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.closing) return Promise.reject(new StoreError(StoreCode.Failed, 'store is closed'));
    this.cache.set(key, record);
    this.dirty.set(key, record);
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.group && !this.worker) this.flush();
    else if (!this.scheduled && !this.inflight) this.schedule();
    return p;
  }

  private schedule(): void {
    this.scheduled = true;
    if (this.windowMs > 0) setTimeout(() => this.flush(), this.windowMs);
    else setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    if (this.inflight || this.failed) return; // the running commit's completion flushes again
    const dirty = this.dirty;
    const waiters = this.waiters;
    this.dirty = new Map();
    this.waiters = [];
    if (dirty.size === 0) {
      for (const w of waiters) w.resolve();
      return;
    }
    const rows = [...dirty].map(([id, r]) => encodeRow(id, r));
    if (this.worker) {
      this.inflight = waiters;
      // keep the process alive while a commit someone awaits is under way
      this.worker.ref();
      this.worker.postMessage({ rows });
      return;
    }
    try {
      this.db.transaction(() => {
        for (const row of rows) this.upsert.run(row);
      }).immediate();
      this.commits++;
    } catch (cause) {
      this.fail(cause, waiters);
      return;
    }
    for (const w of waiters) w.resolve();
  }

  /** The writer thread finished a commit. */
  private committed(error: unknown): void {
    const waiters = this.inflight ?? [];
    this.inflight = null;
    this.worker?.unref();
    if (error) {
      this.fail(error, waiters);
      return;
    }
    this.commits++;
    for (const w of waiters) w.resolve();
    // writes that arrived during the commit go out together, now or after the window
    if (this.dirty.size > 0 && !this.scheduled) {
      if (this.windowMs > 0) this.schedule();
      else this.flush();
    }
  }

  private fail(cause: unknown, waiters: Waiter[]): void {
    // memory is now ahead of disk: refuse everything from here on
    this.failed = new StoreError(StoreCode.Failed, 'commit failed; store closed to writes', { cause });
    for (const w of [...waiters, ...this.waiters]) w.reject(this.failed);
    this.waiters = [];
  }
}

/** JSON.stringify of the signed state's json.ts form, written directly (one row per payment). */
function signedText(s: SignedState): string {
  const sigA = s.sigA === null ? 'null' : `"${toHex(s.sigA)}"`;
  const sigB = s.sigB === null ? 'null' : `"${toHex(s.sigB)}"`;
  return `{"state":${stateJsonText(s.state)},"hash":"${toHex(s.hash)}","sigA":${sigA},"sigB":${sigB}}`;
}

function pendingText(p: PendingState): string {
  return `{"state":${stateJsonText(p.state)},"hash":"${toHex(p.hash)}","sig":"${toHex(p.sig)}","tag":"${toHex(p.tag)}"}`;
}

function encodeRow(id: string, r: ChannelRecord): Row {
  return { id, tag_key: toHex(r.tagKey), latest: signedText(r.latest), pending: r.pending === null ? null : pendingText(r.pending) };
}

function decodeRow(row: Row): ChannelRecord {
  try {
    return {
      channelId: fromHex(row.id),
      tagKey: bytes32Schema.parse(row.tag_key),
      latest: signedSchema.parse(JSON.parse(row.latest)),
      pending: row.pending === null ? null : pendingSchema.parse(JSON.parse(row.pending)),
    };
  } catch (cause) {
    throw new StoreError(StoreCode.Corrupt, 'unreadable channel row', { details: { channelId: row.id }, cause });
  }
}
