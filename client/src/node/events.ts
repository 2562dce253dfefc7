// The node's event stream: what the HTTP API streams (SSE) and the metrics count.
// A listener that throws is dropped from nothing else: each is called in its own try.
export type NodeEvent =
  | { readonly type: 'payment.sent'; readonly channelId: string; readonly id: string; readonly amount: string; readonly nonce: string }
  | { readonly type: 'payment.received'; readonly channelId: string; readonly amount: string; readonly nonce: string }
  | { readonly type: 'channel.state'; readonly channelId: string; readonly nonce: string; readonly balance: string; readonly peerBalance: string }
  | { readonly type: 'channel.phase'; readonly channelId: string; readonly phase: string }
  | { readonly type: 'chain.tx'; readonly channelId: string | null; readonly kind: string; readonly txid: string; readonly status: string }
  | { readonly type: 'chain.block'; readonly burnHeight: string; readonly stacksHeight: string }
  | { readonly type: 'peer'; readonly principal: string; readonly connected: boolean }
  /** an HTLC paying an invoice stands in a signed state towards its payee */
  | { readonly type: 'invoice.htlc'; readonly paymentHash: string; readonly channelId: string; readonly amount: string; readonly expiry: string }
  /** a payment of an invoice ended: paid (the secret is known) or failed */
  | { readonly type: 'invoice.sent'; readonly paymentHash: string; readonly status: string; readonly amount: string; readonly channelId: string }
  /** an invoice this node issued was paid */
  | { readonly type: 'invoice.paid'; readonly paymentHash: string; readonly channelId: string; readonly amount: string }
  /** as a hub: a payment forwarded and settled upstream, earning `fee` */
  | { readonly type: 'forward.settled'; readonly paymentHash: string; readonly inChannel: string; readonly outChannel: string; readonly amount: string; readonly fee: string }
  | { readonly type: 'forward.failed'; readonly paymentHash: string; readonly inChannel: string; readonly reason: string }
  /** a channel brought back from a backup file or the peer's storage: unproven until the peer shows its newest state */
  | { readonly type: 'channel.restored'; readonly channelId: string; readonly nonce: string; readonly source: string }
  /** the peer showed its newest state of a restored channel (adopted if newer): it closes like any other now */
  | { readonly type: 'channel.proven'; readonly channelId: string; readonly nonce: string; readonly adopted: boolean }
  /** a backup file was written */
  | { readonly type: 'backup.written'; readonly path: string; readonly channels: number; readonly bytes: number };

export class NodeEvents {
  private readonly listeners = new Set<(e: NodeEvent) => void>();

  on(listener: (e: NodeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: NodeEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // a broken subscriber must not stop the node
      }
    }
  }
}
