// Public entry of the durable store: the StateStore contract and its two implementations.
export { MemoryStore } from './memory.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite.js';
export { StoreCode, StoreError, type ChannelRecord, type PendingState, type SignedState, type StateStore } from './types.js';
