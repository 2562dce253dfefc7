// The local chain's public entry: an HTTP server that speaks the subset of the Stacks
// node and API that @stacks/transactions, @stacks/network and wallets use, running the
// project's contracts on the clarinet-sdk simnet. Start it with `startLocalChain`; the
// parts (decoding, mempool, journal, producer) are internal; the post-condition rule is
// the chain layer's (client/src/chain/post-condition-check.ts), re-exported here.
export { startLocalChain, type StartOptions, type RunningChain } from './server.js';
export { LocalChain, type LocalChainOptions, type Heights } from './chain.js';
export { MempoolRejection, LocalChainError, type RejectionReason, type RejectionBody, type LocalChainErrorCode } from './errors.js';
export { decodeTransaction, transactionBytes, TESTNET_CHAIN_ID, type DecodedTx, type TxPayload } from './decode-tx.js';
export { AssetMap, checkPostConditions, type ChainEvent, type Verdict } from '../chain/post-condition-check.js';
export type { MinedTx, MinedStatus } from './producer.js';
