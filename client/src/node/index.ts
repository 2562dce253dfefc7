// The BitStream node: a long-running service that holds many channels, talks to peers
// (client/src/peer) and to the chain over the Stacks API (client/src/chainclient), runs
// the built-in watchtower, and is driven through its HTTP API and the CLI. It owns the
// node's configuration, key file, metadata store, channel manager, chain loop, events,
// metrics and API. It composes the library and must not re-implement it: channel rules
// are client/src/channel's, call building client/src/chain's, the tower's decisions
// client/src/watchtower's.
export { BitStreamNode, type StartOptions } from './service.js';
export { loadNodeConfig, NODE_DEFAULTS, NODE_ENV, type NodeConfig, type NodeConfigFile } from './config.js';
export { NodeCode, NodeError } from './errors.js';
export { NodeEvents, type NodeEvent } from './events.js';
export { sealKey, openKey, readKeyFile, writeKeyFile, DEFAULT_SCRYPT, type KeyFile } from './keyfile.js';
export type { ChannelView } from './manager.js';
