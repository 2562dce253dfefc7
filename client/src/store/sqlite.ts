// The durable StateStore: SQLite through better-sqlite3, WAL journal, synchronous=FULL,
// so a resolved write has been fsync'd. Writes made while a commit is under way share
// the next transaction and its one fsync (group commit, for a hub with many channels);
// none resolves before its commit. The compare-and-swap rules (rules.ts) are checked
// when a write is made, against a cache that includes writes not yet committed, so two
// racing writes for one nonce cannot both pass. One process owns a store file at a
// time. With `writer: 'thread'` the commits (and their fsync, which blocks) run in a
// worker thread, so the event loop keeps signing and verifying meanwhile. Besides the
// channel rows it keeps the HTLC secrets a side learned and its payment records, in the
// same commits (PROTOCOL §8). The file carries its schema version; a store written by
// another version is refused, never half-read.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { fromHex, toHex } from '../wire/json.js';
import { stateJsonText } from '../wire/json-text.js';
import { bytes32Schema, signatureSchema, stateSchema, uintSchema } from '../wire/schemas.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { StoreOwnership } from './owner.js';
import { withAbandoned, withPending, withSigned } from './rules.js';
import {
  StoreCode, StoreError, type ChannelRecord, type PaymentRecord, type PendingState, type SaveSignedOptions, type SignedState,
  type StateStore,
} from './types.js';

const signedSchema = z.strictObject({
  state: stateSchema,
  hash: bytes32Schema,
  sigA: signatureSchema.nullable(),
  sigB: signatureSchema.nullable(),
});
const pendingSchema = z.strictObject({
  state: stateSchema, hash: bytes32Schema, sig: signatureSchema, tag: bytes32Schema, lapsed: z.boolean(),
});
const abandonedSchema = z.array(bytes32Schema);

/** The file format this code reads and writes (SQLite's user_version). 2: protocol v2. */
export const STORE_SCHEMA_VERSION = 2;

interface Row {
  id: string;
  tag_key: string;
  latest: string;
  /** null: no base (the implicit state) */
  base: string | null;
  /** null: the closable state is `latest` itself (most rows; saves writing it twice) */
  closable: string | null;
  pending: string | null;
  abandoned: string;
}

interface SecretRow {
  channel_id: string;
  hash: string;
  secret: string;
}

interface PaymentRow {
  id: string;
  channel_id: string;
  amount: string;
  status: string;
  nonce: string;
  hash: string;
  reason: string | null;
}

/** What one commit writes. */
interface Batch {
  channels: Row[];
  secrets: SecretRow[];
  payments: PaymentRow[];
}

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS channels (
  id TEXT PRIMARY KEY, tag_key TEXT NOT NULL, latest TEXT NOT NULL, base TEXT, closable TEXT, pending TEXT,
  abandoned TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS secrets (
  channel_id TEXT NOT NULL, hash TEXT NOT NULL, secret TEXT NOT NULL, PRIMARY KEY (channel_id, hash));
CREATE TABLE IF NOT EXISTS payments (
  id TEXT PRIMARY KEY, channel_id TEXT NOT NULL, amount TEXT NOT NULL, status TEXT NOT NULL, nonce TEXT NOT NULL,
  hash TEXT NOT NULL, reason TEXT);`;
const STATEMENTS = {
  channel: `INSERT INTO channels (id, tag_key, latest, base, closable, pending, abandoned)
    VALUES (@id, @tag_key, @latest, @base, @closable, @pending, @abandoned)
    ON CONFLICT(id) DO UPDATE SET latest = excluded.latest, base = excluded.base, closable = excluded.closable,
    pending = excluded.pending, abandoned = excluded.abandoned`,
  secret: `INSERT OR IGNORE INTO secrets (channel_id, hash, secret) VALUES (@channel_id, @hash, @secret)`,
  payment: `INSERT INTO payments (id, channel_id, amount, status, nonce, hash, reason)
    VALUES (@id, @channel_id, @amount, @status, @nonce, @hash, @reason)
    ON CONFLICT(id) DO UPDATE SET status = excluded.status, nonce = excluded.nonce, hash = excluded.hash,
    reason = excluded.reason`,
};

function openDatabase(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // FULL: every commit fsyncs the WAL, so a resolved write survives power loss
  db.pragma('synchronous = FULL');
  const version = Number(db.pragma('user_version', { simple: true }));
  const hasTables = db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`).get() as { n: number };
  if (version !== STORE_SCHEMA_VERSION && (version !== 0 || hasTables.n > 0)) {
    db.close();
    throw new StoreError(StoreCode.Version, `the store ${path} was written by another BitStream version (schema ${version}); this one reads schema ${STORE_SCHEMA_VERSION}`, {
      details: { path, version, expected: STORE_SCHEMA_VERSION },
    });
  }
  db.exec(SCHEMA);
  db.pragma(`user_version = ${STORE_SCHEMA_VERSION}`);
  return db;
}

/** The writer thread: same settings, commits the batches it is sent, answers in order. */
const WRITER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
const channel = db.prepare(workerData.statements.channel);
const secret = db.prepare(workerData.statements.secret);
const payment = db.prepare(workerData.statements.payment);
const commit = db.transaction((b) => {
  for (const r of b.channels) channel.run(r);
  for (const r of b.secrets) secret.run(r);
  for (const r of b.payments) payment.run(r);
});
parentPort.on('message', (m) => {
  if (m.close) { db.close(); parentPort.postMessage({ closed: true }); return; }
  try { commit.immediate(m.batch); parentPort.postMessage({ ok: true }); }
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
  private readonly statements: { channel: Database.Statement; secret: Database.Statement; payment: Database.Statement };
  private readonly worker: Worker | null = null;
  private readonly cache = new Map<string, ChannelRecord>();
  private readonly secretCache = new Map<string, Map<string, Uint8Array>>();
  private readonly paymentCache = new Map<string, PaymentRecord>();
  private dirty: { channels: Map<string, ChannelRecord>; secrets: SecretRow[]; payments: Map<string, PaymentRecord> } = emptyDirty();
  private waiters: Waiter[] = [];
  /** waiters of the commit the writer thread is doing now */
  private inflight: Waiter[] | null = null;
  private scheduled = false;
  private failed: StoreError | null = null;
  private readonly group: boolean;
  private readonly windowMs: number;
  private closing: Promise<void> | null = null;
  /** this process's exclusive claim on the file (owner.ts), released on close */
  private readonly owner: StoreOwnership | null;
  /** fsync'd transactions committed so far (for benchmarks and tests) */
  commits = 0;

  constructor(path: string, opts: SqliteStoreOptions = {}) {
    this.group = opts.groupCommit ?? true;
    this.windowMs = opts.groupWindowMs ?? 0;
    this.owner = path === ':memory:' ? null : StoreOwnership.claim(path);
    try {
      this.db = openDatabase(path);
    } catch (e) {
      this.owner?.release();
      throw e;
    }
    this.statements = {
      channel: this.db.prepare(STATEMENTS.channel),
      secret: this.db.prepare(STATEMENTS.secret),
      payment: this.db.prepare(STATEMENTS.payment),
    };
    for (const row of this.db.prepare('SELECT * FROM channels').all() as Row[]) this.cache.set(row.id, decodeRow(row));
    for (const row of this.db.prepare('SELECT * FROM secrets').all() as SecretRow[]) {
      this.secretMap(row.channel_id).set(row.hash, decodeSecret(row));
    }
    for (const row of this.db.prepare('SELECT * FROM payments').all() as PaymentRow[]) this.paymentCache.set(row.id, decodePayment(row));
    if (opts.writer === 'thread') {
      const driver = createRequire(import.meta.url).resolve('better-sqlite3');
      this.worker = new Worker(WRITER, { eval: true, workerData: { path, driver, statements: STATEMENTS } });
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
    return this.writeChannel(key, record);
  }

  /**
   * Write `record` in place of what is stored for its channel: a channel restored from a
   * backup or a peer's storage, or brought up to the peer's newest state. Never to an
   * older state than the one stored (STORE_NONCE_REGRESSION).
   */
  restore(record: ChannelRecord): Promise<void> {
    const key = toHex(record.channelId);
    const had = this.cache.get(key);
    if (had !== undefined && had.latest.state.nonce > record.latest.state.nonce) {
      return Promise.reject(new StoreError(StoreCode.NonceRegression, 'a restore to an older state than the one stored', {
        details: { channelId: key, nonce: record.latest.state.nonce, stored: had.latest.state.nonce },
      }));
    }
    return this.writeChannel(key, record);
  }

  savePending(channelId: Uint8Array, pending: PendingState): Promise<void> {
    return this.update(channelId, (rec) => withPending(rec, pending));
  }

  saveSigned(channelId: Uint8Array, signed: SignedState, opts: SaveSignedOptions = {}): Promise<void> {
    try {
      const key = toHex(channelId);
      const next = withSigned(this.get(key), signed, opts.lapsed);
      for (const p of opts.payments ?? []) this.stagePayment(p);
      return next ? this.writeChannel(key, next) : opts.payments?.length ? this.write() : this.settled();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  saveAbandoned(channelId: Uint8Array, hash: Uint8Array): Promise<void> {
    return this.update(channelId, (rec) => withAbandoned(rec, hash));
  }

  saveSecret(channelId: Uint8Array, secret: Uint8Array): Promise<void> {
    try {
      const key = toHex(channelId);
      this.get(key);
      const hash = toHex(sha256(secret));
      const known = this.secretMap(key);
      if (known.has(hash)) return this.settled();
      known.set(hash, Uint8Array.from(secret));
      this.dirty.secrets.push({ channel_id: key, hash, secret: toHex(secret) });
      return this.write();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  secrets(channelId: Uint8Array): ReadonlyMap<string, Uint8Array> {
    return this.secretCache.get(toHex(channelId)) ?? new Map();
  }

  savePayments(records: readonly PaymentRecord[]): Promise<void> {
    for (const p of records) this.stagePayment(p);
    return this.write();
  }

  payment(id: string): PaymentRecord | null {
    return this.paymentCache.get(id) ?? null;
  }

  inFlight(channelId: Uint8Array): PaymentRecord[] {
    const key = toHex(channelId);
    return [...this.paymentCache.values()].filter((p) => p.status === 'in-flight' && toHex(p.channelId) === key);
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
  /**
   * Drop this store the way a crash drops a process: writes not yet committed are lost
   * (their promises never settle), nothing more reaches the file, and ownership is given
   * up. For tests of what a restart finds; a running node calls close().
   */
  crash(): void {
    this.closing ??= Promise.resolve();
    this.dirty = emptyDirty();
    if (this.worker !== null) void this.worker.terminate();
    if (this.db.open) this.db.close();
    this.owner?.release();
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    if (!this.worker) {
      if (!isEmpty(this.dirty) && this.failed === null) this.flush();
      if (this.db.open) this.db.close();
      this.owner?.release();
      this.closing = Promise.resolve();
      return this.closing;
    }
    const worker = this.worker;
    this.closing = (async () => {
      while ((!isEmpty(this.dirty) || this.inflight) && this.failed === null) {
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
      this.owner?.release();
    })();
    return this.closing;
  }

  private get(key: string): ChannelRecord {
    const r = this.cache.get(key);
    if (!r) throw new StoreError(StoreCode.UnknownChannel, 'unknown channel', { details: { channelId: key } });
    return r;
  }

  private secretMap(key: string): Map<string, Uint8Array> {
    let m = this.secretCache.get(key);
    if (!m) this.secretCache.set(key, (m = new Map()));
    return m;
  }

  private stagePayment(p: PaymentRecord): void {
    this.paymentCache.set(p.id, p);
    this.dirty.payments.set(p.id, p);
  }

  /** A channel's record after `rule` (rules.ts), written; nothing new when the rule says it is there already. */
  private update(channelId: Uint8Array, rule: (rec: ChannelRecord) => ChannelRecord | null): Promise<void> {
    try {
      const key = toHex(channelId);
      const next = rule(this.get(key));
      return next ? this.writeChannel(key, next) : this.settled();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** An idempotent write: durable once every earlier write is. */
  private settled(): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    const queue = !isEmpty(this.dirty) ? this.waiters : this.inflight;
    if (queue === null) return Promise.resolve();
    return new Promise((resolve, reject) => queue.push({ resolve, reject }));
  }

  private writeChannel(key: string, record: ChannelRecord): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.closing) return Promise.reject(new StoreError(StoreCode.Failed, 'store is closed'));
    this.cache.set(key, record);
    this.dirty.channels.set(key, record);
    return this.write();
  }

  /** Queue a commit of what is dirty; resolves once it is durable. */
  private write(): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.closing) return Promise.reject(new StoreError(StoreCode.Failed, 'store is closed'));
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
    this.dirty = emptyDirty();
    this.waiters = [];
    if (isEmpty(dirty)) {
      for (const w of waiters) w.resolve();
      return;
    }
    const batch: Batch = {
      channels: [...dirty.channels].map(([id, r]) => encodeRow(id, r)),
      secrets: dirty.secrets,
      payments: [...dirty.payments.values()].map(encodePayment),
    };
    if (this.worker) {
      this.inflight = waiters;
      // keep the process alive while a commit someone awaits is under way
      this.worker.ref();
      this.worker.postMessage({ batch });
      return;
    }
    try {
      this.db.transaction(() => {
        for (const row of batch.channels) this.statements.channel.run(row);
        for (const row of batch.secrets) this.statements.secret.run(row);
        for (const row of batch.payments) this.statements.payment.run(row);
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
    if (!isEmpty(this.dirty) && !this.scheduled) {
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

function emptyDirty() {
  return { channels: new Map<string, ChannelRecord>(), secrets: [] as SecretRow[], payments: new Map<string, PaymentRecord>() };
}

function isEmpty(d: ReturnType<typeof emptyDirty>): boolean {
  return d.channels.size === 0 && d.secrets.length === 0 && d.payments.size === 0;
}

/** JSON.stringify of the signed state's json.ts form, written directly (one row per payment). */
function signedText(s: SignedState): string {
  const sigA = s.sigA === null ? 'null' : `"${toHex(s.sigA)}"`;
  const sigB = s.sigB === null ? 'null' : `"${toHex(s.sigB)}"`;
  return `{"state":${stateJsonText(s.state)},"hash":"${toHex(s.hash)}","sigA":${sigA},"sigB":${sigB}}`;
}

function pendingText(p: PendingState): string {
  return `{"state":${stateJsonText(p.state)},"hash":"${toHex(p.hash)}","sig":"${toHex(p.sig)}","tag":"${toHex(p.tag)}","lapsed":${p.lapsed}}`;
}

function encodeRow(id: string, r: ChannelRecord): Row {
  return {
    id,
    tag_key: toHex(r.tagKey),
    latest: signedText(r.latest),
    base: r.base === null ? null : signedText(r.base),
    closable: r.closable === r.latest ? null : signedText(r.closable),
    pending: r.pending === null ? null : pendingText(r.pending),
    abandoned: JSON.stringify(r.abandoned.map(toHex)),
  };
}

function decodeRow(row: Row): ChannelRecord {
  try {
    const latest = signedSchema.parse(JSON.parse(row.latest));
    return {
      channelId: fromHex(row.id),
      tagKey: bytes32Schema.parse(row.tag_key),
      latest,
      base: row.base === null ? null : signedSchema.parse(JSON.parse(row.base)),
      closable: row.closable === null ? latest : signedSchema.parse(JSON.parse(row.closable)),
      pending: row.pending === null ? null : pendingSchema.parse(JSON.parse(row.pending)),
      abandoned: abandonedSchema.parse(JSON.parse(row.abandoned)),
    };
  } catch (cause) {
    throw new StoreError(StoreCode.Corrupt, 'unreadable channel row', { details: { channelId: row.id }, cause });
  }
}

function encodePayment(p: PaymentRecord): PaymentRow {
  return {
    id: p.id, channel_id: toHex(p.channelId), amount: p.amount.toString(), status: p.status, nonce: p.nonce.toString(),
    hash: toHex(p.hash), reason: p.reason ?? null,
  };
}

const paymentSchema = z.strictObject({
  id: z.string().min(1).max(128),
  channel_id: bytes32Schema,
  amount: uintSchema,
  status: z.enum(['in-flight', 'completed', 'failed']),
  nonce: uintSchema,
  hash: bytes32Schema,
  reason: z.string().nullable(),
});

function decodePayment(row: PaymentRow): PaymentRecord {
  const r = paymentSchema.safeParse(row);
  if (!r.success) throw new StoreError(StoreCode.Corrupt, 'unreadable payment row', { details: { id: row.id } });
  const p = r.data;
  return { id: p.id, channelId: p.channel_id, amount: p.amount, status: p.status, nonce: p.nonce, hash: p.hash, ...(p.reason === null ? {} : { reason: p.reason }) };
}

function decodeSecret(row: SecretRow): Uint8Array {
  const r = bytes32Schema.safeParse(row.secret);
  if (!r.success) throw new StoreError(StoreCode.Corrupt, 'unreadable secret row', { details: { channelId: row.channel_id } });
  return r.data;
}
