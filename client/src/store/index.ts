// Public entry of the store: the StateStore contract, the memory store and the browser's
// durable one (IndexedDB).
// SqliteStore (better-sqlite3, Node only) is the Node entry's (client/src/node-entry.ts),
// imported from ./sqlite.js, so a browser bundle of this never meets a native addon.
export { MemoryStore } from './memory.js';
export { IndexedDbStore, INDEXEDDB_SCHEMA_VERSION, type IndexedDbStoreOptions, type StoreLocks } from './indexeddb.js';
export { StoreCode, StoreError, type ChannelRecord, type PendingState, type SignedState, type StateStore } from './types.js';
