// What the node API answers, as the story reads it (the node's OpenAPI document has
// the full schemas). Types only.

export interface ChannelView {
  readonly id: string;
  readonly peer: string;
  readonly role: 'a' | 'b';
  readonly token: string | null;
  readonly phase: string;
  readonly nonce: string;
  readonly balance: string;
  readonly peerBalance: string;
  readonly busy: boolean;
  readonly peerConnected: boolean;
}

export interface TxView {
  readonly txid: string;
  readonly channelId: string | null;
  readonly kind: string;
  readonly nonce: string;
  readonly fee: string;
  readonly status: string;
}
