// A durable StateStore for browsers, on IndexedDB: the same compare-and-swap rules as
// the other stores (rules.ts), each write committed with `durability: 'strict'` before it
// resolves, so a state this side signed or acknowledged survives a reload or a crashed
// tab. Reads are synchronous (the channel reads on its hot path), so `open` loads the
// whole store into a MemoryStore once and every read is that copy's; every write goes to
// IndexedDB first and reaches the copy only once committed, so a failed write changes
// nothing. Writes run one at a time in call order, as SQLite's single writer does.
//
// One owner: a Web Lock named after the database is held while the store is open, so a
// second tab on the same channels gets STORE_LOCKED instead of signing beside the first.
import { sha256 } from '@noble/hashes/sha2.js';
import { fromHex, toHex } from '../wire/json.js';
import { MemoryStore } from './memory.js';
import { withAbandoned, withPending, withSigned } from './rules.js';
import {
  StoreCode, StoreError, type ChannelRecord, type PaymentRecord, type PendingState, type SaveSignedOptions, type SignedState,
  type StateStore,
} from './types.js';
import type { IdbDatabase, IdbFactory, IdbRequest, IdbTransaction } from './idb-types.js';

/** The schema this code writes; a database of another version is refused (STORE_VERSION). */
export const INDEXEDDB_SCHEMA_VERSION = 1;
const CHANNELS = 'channels';
const SECRETS = 'secrets';
const PAYMENTS = 'payments';
const META = 'meta';

/** The part of the Web Locks API the store needs (navigator.locks in a browser). */
export interface StoreLocks {
  request(name: string, options: { ifAvailable: boolean }, callback: (lock: unknown) => Promise<void>): Promise<void>;
}

export interface IndexedDbStoreOptions {
  /** default: globalThis.indexedDB */
  readonly factory?: IdbFactory;
  /** default: navigator.locks; null to run without an owner lock (a test, a worker without locks) */
  readonly locks?: StoreLocks | null;
}

interface SecretRow { readonly channel: string; readonly hash: string; readonly secret: Uint8Array }

const failed = (what: string, cause: unknown) =>
  new StoreError(StoreCode.Failed, `IndexedDB ${what} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });

function done(req: IdbRequest): Promise<unknown> {
  return new Promise((ok, no) => {
    req.onsuccess = () => ok(req.result);
    req.onerror = () => no(req.error);
  });
}

function defaultLocks(): StoreLocks | null {
  const nav = (globalThis as { navigator?: { locks?: StoreLocks } }).navigator;
  return nav?.locks ?? null;
}

/**
 * Hold `name` until `release` resolves. Resolves with null when another owner holds it,
 * else with `given`, which settles once the lock is given up again (wrapped: a promise
 * resolved with a promise would wait for it).
 */
async function takeLock(locks: StoreLocks, name: string, release: Promise<void>): Promise<{ given: Promise<void> } | null> {
  return new Promise<{ given: Promise<void> } | null>((ok, no) => {
    let granted = false;
    let givenUp = () => {};
    const given = new Promise<void>((r) => (givenUp = r));
    locks
      .request(name, { ifAvailable: true }, async (lock) => {
        if (lock === null) return ok(null);
        granted = true;
        ok({ given });
        await release;
      })
      .then(() => givenUp(), (e: unknown) => (granted ? givenUp() : no(e)));
  });
}

function checkRecord(value: unknown, key: string): ChannelRecord {
  const r = value as Partial<ChannelRecord> | null;
  const ok = r !== null && typeof r === 'object' && r.channelId instanceof Uint8Array && r.channelId.length === 32
    && toHex(r.channelId) === key && typeof r.latest?.state?.nonce === 'bigint' && r.latest.hash instanceof Uint8Array
    && typeof r.closable?.state?.nonce === 'bigint' && r.tagKey instanceof Uint8Array && Array.isArray(r.abandoned);
  if (!ok) throw new StoreError(StoreCode.Corrupt, `the stored record of channel ${key} is not a channel record`, { details: { channelId: key } });
  return r as ChannelRecord;
}

export class IndexedDbStore implements StateStore {
  /** what is committed, as the channel reads it */
  private readonly copy = new MemoryStore();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly name: string,
    private readonly db: IdbDatabase,
    private readonly releaseLock: () => void,
    private readonly lockGiven: Promise<void>,
  ) {}

  /** Open (or create) the store `name`, take its owner lock and load it. */
  static async open(name: string, opts: IndexedDbStoreOptions = {}): Promise<IndexedDbStore> {
    const factory = opts.factory ?? (globalThis as { indexedDB?: IdbFactory }).indexedDB;
    if (factory === undefined) throw new StoreError(StoreCode.Failed, 'this runtime has no IndexedDB: use MemoryStore, or SqliteStore on Node');
    let release = () => {};
    const released = new Promise<void>((ok) => (release = ok));
    const locks = opts.locks === undefined ? defaultLocks() : opts.locks;
    const lock = locks === null ? { given: Promise.resolve() } : await takeLock(locks, `bitstream-store:${name}`, released);
    if (lock === null) {
      throw new StoreError(StoreCode.Locked, `the store ${name} is open in another tab or process: one owner signs for its channels`, { details: { name } });
    }
    let db: IdbDatabase;
    try {
      const req = factory.open(name, INDEXEDDB_SCHEMA_VERSION);
      req.onupgradeneeded = () => {
        const d = req.result;
        if (!d.objectStoreNames.contains(CHANNELS)) d.createObjectStore(CHANNELS);
        if (!d.objectStoreNames.contains(SECRETS)) d.createObjectStore(SECRETS);
        if (!d.objectStoreNames.contains(PAYMENTS)) d.createObjectStore(PAYMENTS);
        if (!d.objectStoreNames.contains(META)) d.createObjectStore(META).put(INDEXEDDB_SCHEMA_VERSION, 'version');
      };
      db = (await done(req)) as IdbDatabase;
    } catch (e) {
      release();
      // a database a newer BitStream wrote opens with VersionError
      if ((e as { name?: string } | null)?.name === 'VersionError') {
        throw new StoreError(StoreCode.Version, `the store ${name} was written by a newer schema than ${INDEXEDDB_SCHEMA_VERSION}`, { details: { name }, cause: e });
      }
      throw failed('open', e);
    }
    const store = new IndexedDbStore(name, db, release, lock.given);
    try {
      await store.loadAll();
    } catch (e) {
      await store.close();
      throw e;
    }
    return store;
  }

  private async loadAll(): Promise<void> {
    const tx = this.db.transaction([CHANNELS, SECRETS, PAYMENTS, META], 'readonly');
    const [version, keys, values, secrets, payments] = await Promise.all([
      done(tx.objectStore(META).get('version')),
      done(tx.objectStore(CHANNELS).getAllKeys()),
      done(tx.objectStore(CHANNELS).getAll()),
      done(tx.objectStore(SECRETS).getAll()),
      done(tx.objectStore(PAYMENTS).getAll()),
    ]).catch((e: unknown) => {
      throw failed('read', e);
    });
    if (version !== INDEXEDDB_SCHEMA_VERSION) {
      throw new StoreError(StoreCode.Version, `the store ${this.name} has schema ${String(version)}, this code reads ${INDEXEDDB_SCHEMA_VERSION}`, { details: { name: this.name } });
    }
    for (const [i, k] of (keys as string[]).entries()) await this.copy.create(checkRecord((values as unknown[])[i], k));
    for (const row of secrets as SecretRow[]) await this.copy.saveSecret(fromHex(row.channel), row.secret);
    await this.copy.savePayments(payments as PaymentRecord[]);
  }

  load(channelId: Uint8Array): ChannelRecord | null {
    return this.copy.load(channelId);
  }

  channels(): Uint8Array[] {
    return this.copy.channels();
  }

  create(record: ChannelRecord): Promise<void> {
    return this.write(async () => {
      const key = toHex(record.channelId);
      if (this.copy.load(record.channelId) !== null) throw new StoreError(StoreCode.Exists, 'channel already stored', { details: { channelId: key } });
      await this.commit((tx) => tx.objectStore(CHANNELS).put(record, key));
      await this.copy.create(record);
    });
  }

  savePending(channelId: Uint8Array, pending: PendingState): Promise<void> {
    return this.update(channelId, (r) => withPending(r, pending), () => this.copy.savePending(channelId, pending));
  }

  saveSigned(channelId: Uint8Array, signed: SignedState, opts: SaveSignedOptions = {}): Promise<void> {
    return this.update(channelId, (r) => withSigned(r, signed, opts.lapsed), () => this.copy.saveSigned(channelId, signed, opts), opts.payments ?? []);
  }

  saveAbandoned(channelId: Uint8Array, hash: Uint8Array): Promise<void> {
    return this.update(channelId, (r) => withAbandoned(r, hash), () => this.copy.saveAbandoned(channelId, hash));
  }

  saveSecret(channelId: Uint8Array, secret: Uint8Array): Promise<void> {
    return this.write(async () => {
      const channel = toHex(channelId);
      this.get(channelId);
      const row: SecretRow = { channel, hash: toHex(sha256(secret)), secret: Uint8Array.from(secret) };
      await this.commit((tx) => tx.objectStore(SECRETS).put(row, `${channel}:${row.hash}`));
      await this.copy.saveSecret(channelId, row.secret);
    });
  }

  secrets(channelId: Uint8Array): ReadonlyMap<string, Uint8Array> {
    return this.copy.secrets(channelId);
  }

  savePayments(records: readonly PaymentRecord[]): Promise<void> {
    return this.write(async () => {
      await this.commit((tx) => this.putPayments(tx, records));
      await this.copy.savePayments(records);
    });
  }

  payment(id: string): PaymentRecord | null {
    return this.copy.payment(id);
  }

  inFlight(channelId: Uint8Array): PaymentRecord[] {
    return this.copy.inFlight(channelId);
  }

  /** Close the database and give up the owner lock; resolves once another tab may open the store. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.db.close();
      this.releaseLock();
    }
    return this.lockGiven;
  }

  /**
   * A record write: the rule decides on the committed record (null: already there), the
   * result is committed to IndexedDB, then `apply` makes the same write to the copy (the
   * same rule on the same record, so it cannot decide otherwise).
   */
  private update(
    channelId: Uint8Array, rule: (r: ChannelRecord) => ChannelRecord | null, apply: () => Promise<void>, payments: readonly PaymentRecord[] = [],
  ): Promise<void> {
    return this.write(async () => {
      const next = rule(this.get(channelId));
      if (next === null && payments.length === 0) return;
      await this.commit((tx) => {
        if (next !== null) tx.objectStore(CHANNELS).put(next, toHex(channelId));
        this.putPayments(tx, payments);
      });
      await apply();
    });
  }

  private putPayments(tx: IdbTransaction, records: readonly PaymentRecord[]): void {
    const s = tx.objectStore(PAYMENTS);
    for (const p of records) s.put(p, p.id);
  }

  /** One at a time, in call order; a failed write does not stop the next. */
  private write(fn: () => Promise<void>): Promise<void> {
    const run = this.queue.then(() => {
      if (this.closed) throw new StoreError(StoreCode.Failed, `the store ${this.name} is closed`);
      return fn();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Run `fill` in a strict-durability transaction and wait for it to commit. */
  private commit(fill: (tx: IdbTransaction) => void): Promise<void> {
    return new Promise<void>((ok, no) => {
      let tx: IdbTransaction;
      try {
        tx = this.db.transaction([CHANNELS, SECRETS, PAYMENTS], 'readwrite', { durability: 'strict' });
        fill(tx);
      } catch (e) {
        return no(failed('write', e));
      }
      tx.oncomplete = () => ok();
      tx.onabort = () => no(failed('write', tx.error ?? new Error('transaction aborted')));
      tx.onerror = () => no(failed('write', tx.error));
    });
  }

  private get(channelId: Uint8Array): ChannelRecord {
    const r = this.copy.load(channelId);
    if (!r) throw new StoreError(StoreCode.UnknownChannel, 'unknown channel', { details: { channelId: toHex(channelId) } });
    return r;
  }
}
