// BitStream's public entry: everything a dApp, service or hub needs to run payment
// channels, with typed exports. The protocol every module follows is
// contracts/PROTOCOL.md (version 2); "PROTOCOL §n" in comments names its sections.
// Node-only tools (the embedded local chain, the deploy tool, the demo) have their own
// entries under client/src/localchain, client/src/deploy and client/src/demo, so
// importing this never loads the clarinet-sdk; the browser
// wallet signer loads @stacks/connect only when it first signs.
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
// Two concerns name these types alike: the store's are the off-chain records a side
// keeps, the chain layer's the contract's view of a channel.
export type { ChannelRecord, SignedState } from './store/index.js';
export type { ChannelRecord as OnChainChannelRecord, SignedState as ChainSignedState } from './chain/index.js';
