// Public entry of the store: the StateStore contract and the stores that run anywhere.
// SqliteStore (better-sqlite3, Node only) is the Node entry's (client/src/node-entry.ts),
// imported from ./sqlite.js, so a browser bundle of this never meets a native addon.
export { MemoryStore } from './memory.js';
export { StoreCode, StoreError, type ChannelRecord, type PendingState, type SignedState, type StateStore } from './types.js';
