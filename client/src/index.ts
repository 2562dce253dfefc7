// The package's main entry (`bitstream-channels`): the library a dApp or service runs
// channels with, safe in a browser — no `node:*` import, no native addon, no SQLite: the
// noble crypto backend (Node picks a faster one when it is there), the memory store and
// IndexedDbStore.
// Node adds the rest through `bitstream-channels/node` (node-entry.ts), the wallet signer
// comes from `bitstream-channels/wallet` (wallet-entry.ts). The protocol every module
// follows is contracts/PROTOCOL.md (version 2); "PROTOCOL §n" in comments names its
// sections. tests/package checks a browser build of this entry has no Node import.
export * from './errors/errors.js';
export * from './codec/index.js';
export * from './crypto/index.js';
export * from './signers/index.js';
export * from './store/index.js';
export * from './wire/index.js';
export * from './channel/index.js';
export * from './chain/index.js';
export * from './watchtower/index.js';
export * from './config/index.js';
export * from './invoice/index.js';
// a page's link to its hub: the handshake (a session key's delegation too) over the platform's WebSocket
export * from './peer/browser.js';
export * from './hubclient/index.js';
// Two concerns name these types alike: the store's are the off-chain records a side
// keeps, the chain layer's the contract's view of a channel.
export type { ChannelRecord, SignedState } from './store/index.js';
export type { ChannelRecord as OnChainChannelRecord, SignedState as ChainSignedState } from './chain/index.js';
