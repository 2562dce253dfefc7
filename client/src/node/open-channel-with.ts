// Which held channel carries a payment to a peer: the one rule the invoice desk, the
// forwarder and the swap desk share, so a route never differs by who asks.
import type { ChannelMeta } from './meta.js';
import type { Channel } from '../channel/channel.js';

/** A held channel as the node's services see it: its record and its state machine. */
export type HeldChannel = { readonly meta: ChannelMeta; readonly channel: Channel };

export interface OpenChannelQuery {
  readonly peer: string;
  readonly token: string | null;
  /** the balance test the caller needs (own side covers the amount, or the peer's does) */
  readonly ok: (h: HeldChannel) => boolean;
  readonly connected: (peer: string) => boolean;
}

/** An open channel with the peer in the token that passes `ok`: a connected one first, since only it can sign now. */
export function openChannelWith<H extends HeldChannel>(held: readonly H[], q: OpenChannelQuery): H | null {
  const all = held.filter((h) => h.meta.peer === q.peer && h.meta.phase === 'open' && h.meta.token === q.token && q.ok(h));
  return all.find((h) => q.connected(h.meta.peer)) ?? all[0] ?? null;
}
