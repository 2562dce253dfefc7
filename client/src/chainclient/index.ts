// The Stacks chain over HTTP for services that send their own transactions (the node,
// its watchtower): the API's views (api.ts) and the broadcaster (nonces, fees,
// replace-by-fee, confirmation). Builders of the calls are client/src/chain's; nothing
// here decides what to send.
export { StacksApi, type Heights, type TxView } from './api.js';
export { Broadcaster, type AnyCall, type BroadcasterOptions, type Submission } from './broadcaster.js';
export { connectChain } from './connect.js';
