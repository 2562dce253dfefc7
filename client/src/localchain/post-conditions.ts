// The post-condition rule the block producer enforces lives in the chain layer
// (client/src/chain/post-condition-check.ts), the one copy shared with the chain tests.
// This file only keeps the local chain's existing import path working; it owns nothing.
export {
  AssetMap, assetId, checkPostConditions, postConditionPrincipal, type ChainEvent, type Verdict,
} from '../chain/post-condition-check.js';
