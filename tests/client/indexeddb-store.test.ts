// The browser store (client/src/store/indexeddb.ts) on fake-indexeddb: what it keeps
// survives a reopen, a write IndexedDB refuses changes nothing (not even the in-memory
// copy the channel reads), writes commit in call order, a second owner is refused, and a
// database of another schema or with a record that is not one is refused rather than
// half-read. Its compare-and-swap rules are the shared ones (store.test.ts runs them on
// it); the real IndexedDB and Web Locks run in Chromium in the browser tests.
import { describe, expect, it } from 'vitest';
import { IDBFactory } from 'fake-indexeddb';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { Action, type ChannelState } from '../../client/src/codec/state.js';
import { IndexedDbStore, INDEXEDDB_SCHEMA_VERSION, type StoreLocks } from '../../client/src/store/indexeddb.js';
import { initialRecord } from '../../client/src/store/rules.js';
import { StoreCode, type SignedState } from '../../client/src/store/types.js';

const id = (n: number) => new Uint8Array(32).fill(n);
const bytes = (n: number, len = 32) => new Uint8Array(len).fill(n);
const st = (nonce: bigint, balanceA: bigint, action: Action = Action.Transfer): ChannelState => ({
  channelId: id(1), nonce, balanceA, balanceB: 1_000n - balanceA, htlcs: [], action, actor: null, amount: 0n,
  validUntil: action === Action.Transfer ? 0n : 50n, data: new Uint8Array(32),
});
const signed = (nonce: bigint, balanceA: bigint, action: Action = Action.Transfer): SignedState =>
  ({ state: st(nonce, balanceA, action), hash: bytes(Number(nonce) + 1), sigA: bytes(7, 65), sigB: bytes(8, 65) });
const record = () => initialRecord(id(1), { state: st(0n, 1_000n), hash: bytes(1), sigA: null, sigB: null }, bytes(3));
const open = (factory: InstanceType<typeof IDBFactory>, locks: StoreLocks | null = null) => IndexedDbStore.open('wallet', { factory, locks });

/** Web Locks as a browser grants them: one holder per name; ifAvailable gets null when held. */
function fakeLocks(): StoreLocks {
  const held = new Set<string>();
  return {
    async request(name, _o, cb) {
      if (held.has(name)) return cb(null);
      held.add(name);
      try {
        await cb({ name });
      } finally {
        held.delete(name);
      }
    },
  };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(() => 'resolved', (e: { code?: string }) => e.code ?? String(e));
}

describe('IndexedDbStore', () => {
  it('keeps the newest, closable and base states, abandoned proposals, secrets and payments across a reopen', async () => {
    const factory = new IDBFactory();
    const s = await open(factory);
    await s.create(record());
    await s.saveSigned(id(1), signed(1n, 900n));
    await s.saveSigned(id(1), signed(2n, 850n, Action.Deposit), { payments: [{ id: 'p:1', channelId: id(1), amount: 50n, status: 'completed', nonce: 2n, hash: bytes(3) }] });
    await s.saveAbandoned(id(1), bytes(9));
    await s.saveSecret(id(1), bytes(0x42));
    await s.savePayments([{ id: 'p:2', channelId: id(1), amount: 7n, status: 'in-flight', nonce: 3n, hash: bytes(9) }]);
    s.close();
    const again = await open(factory);
    const r = again.load(id(1))!;
    expect(r.latest).toEqual(signed(2n, 850n, Action.Deposit));
    expect(r.closable).toEqual(signed(1n, 900n));
    expect(r.base).toEqual(signed(1n, 900n));
    expect(r.abandoned).toEqual([bytes(9)]);
    expect(again.secrets(id(1)).get(bytesToHex(sha256(bytes(0x42))))).toEqual(bytes(0x42));
    expect(again.payment('p:1')?.status).toBe('completed');
    expect(again.inFlight(id(1)).map((p) => p.id)).toEqual(['p:2']);
    expect(again.channels()).toEqual([id(1)]);
    again.close();
  });

  it('commits writes one at a time in call order: the second of two racing states sees the first', async () => {
    const s = await open(new IDBFactory());
    await s.create(record());
    const both = [s.saveSigned(id(1), signed(1n, 900n)), s.saveSigned(id(1), signed(2n, 800n))];
    await Promise.all(both);
    expect(s.load(id(1))!.latest.state.nonce).toBe(2n);
    // and a conflicting twin at a nonce already taken is refused, the record unchanged
    expect(await codeOf(s.saveSigned(id(1), { ...signed(2n, 700n), hash: bytes(0xee) }))).toBe(StoreCode.NonceRegression);
    expect(s.load(id(1))!.latest.state.balanceA).toBe(800n);
    s.close();
  });

  it('a write IndexedDB fails changes nothing: not the database, not what load() returns', async () => {
    const factory = new IDBFactory();
    const s = await open(factory);
    await s.create(record());
    await s.saveSigned(id(1), signed(1n, 900n));
    // the record carries a value IndexedDB cannot clone, so its transaction fails
    const poisoned = { ...signed(2n, 800n), sigA: (() => 1) as unknown as Uint8Array };
    expect(await codeOf(s.saveSigned(id(1), poisoned))).toBe(StoreCode.Failed);
    expect(s.load(id(1))!.latest.state.nonce).toBe(1n);
    // the queue goes on after a failure
    await s.saveSigned(id(1), signed(2n, 800n));
    s.close();
    const again = await open(factory);
    expect(again.load(id(1))!.latest.state.nonce).toBe(2n);
    again.close();
  });

  it('refuses a second owner of the same store while the first is open (STORE_LOCKED); after close it opens', async () => {
    const factory = new IDBFactory();
    const locks = fakeLocks();
    const first = await open(factory, locks);
    expect(await codeOf(open(factory, locks))).toBe(StoreCode.Locked);
    // another name is another store
    const other = await IndexedDbStore.open('other', { factory, locks });
    await other.close();
    await first.close();
    const second = await open(factory, locks);
    await second.close();
    expect(await codeOf(first.saveSecret(id(1), bytes(1)))).toBe(StoreCode.Failed);
  });

  it('refuses unknown channels, a second create, a database of a newer schema and a record that is not one', async () => {
    const factory = new IDBFactory();
    const s = await open(factory);
    expect(await codeOf(s.saveSigned(id(2), signed(1n, 900n)))).toBe(StoreCode.UnknownChannel);
    expect(await codeOf(s.saveSecret(id(2), bytes(1)))).toBe(StoreCode.UnknownChannel);
    await s.create(record());
    expect(await codeOf(s.create(record()))).toBe(StoreCode.Exists);
    s.close();

    const newer = new IDBFactory();
    await new Promise<void>((ok) => {
      const req = newer.open('wallet', INDEXEDDB_SCHEMA_VERSION + 1);
      req.onsuccess = () => (req.result.close(), ok());
    });
    expect(await codeOf(open(newer))).toBe(StoreCode.Version);

    const corrupt = new IDBFactory();
    (await open(corrupt)).close();
    await new Promise<void>((ok) => {
      const req = corrupt.open('wallet', INDEXEDDB_SCHEMA_VERSION);
      req.onsuccess = () => {
        const tx = req.result.transaction(['channels'], 'readwrite');
        tx.objectStore('channels').put({ channelId: 'not bytes' }, bytesToHex(id(5)));
        tx.oncomplete = () => (req.result.close(), ok());
      };
    });
    expect(await codeOf(open(corrupt))).toBe(StoreCode.Corrupt);
  });

  it('says so where there is no IndexedDB at all', async () => {
    expect(await codeOf(IndexedDbStore.open('x', { locks: null }))).toBe(StoreCode.Failed);
  });
});
