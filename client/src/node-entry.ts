// The package's Node entry (`bitstream-channels/node`): the main entry plus what needs
// Node — the SQLite store, the peer network over WebSocket, the node service, the
// standalone tower's parts, the chain over HTTP, sealed backups, and the embedded local
// chain (its simnet is imported when it starts: it needs @stacks/clarinet-sdk, an
// optional peer dependency, and runs the contracts the package ships). The native and WASM crypto backends are picked by selectBackend, which
// this entry shares with the main one. Must not be imported by browser code.
export * from './index.js';
export { SqliteStore, type SqliteStoreOptions } from './store/sqlite.js';
export * from './peer/index.js';
export * from './chainclient/index.js';
export * from './backup/index.js';
export * from './node/index.js';
export * from './tower/index.js';
export * from './localchain/index.js';
// Names two modules use alike, settled here: the unaliased name is the one a node
// service uses most; the other comes under a name that says whose it is.
export type { Heights } from './chainclient/index.js';
export type { StartOptions } from './node/index.js';
export type { HeldState } from './chain/index.js';
export type { Heights as LocalChainHeights, StartOptions as LocalChainStartOptions } from './localchain/index.js';
export type { HeldState as TowerHeldState } from './tower/index.js';
// The public devnet accounts (settings/Devnet.toml): funded on the local chain and a devnet.
export { DEVNET_ACCOUNTS, stacksPrivateKey, type DevnetAccount } from './devnet/accounts.js';
