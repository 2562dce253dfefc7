// What the node API answers, as the story reads it (the node's OpenAPI document has
// the full schemas): a channel is the manager's view, a transaction as the API lists
// it. Types only.

export type { ChannelView } from '../../node/manager.js';

export interface TxView {
  readonly txid: string;
  readonly channelId: string | null;
  readonly kind: string;
  readonly nonce: string;
  readonly fee: string;
  readonly status: string;
}
