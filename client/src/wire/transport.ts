// What the channel needs from a transport: send a typed message, receive raw input.
// Received input is untyped on purpose: the channel parses it (parseMessage) so the
// boundary check happens in one place whatever carries the bytes.
import type { Message } from './messages.js';

export interface Transport {
  /** Queue a message for the peer; delivery is not guaranteed (the channel retransmits). */
  send(message: Message): void;
  /** Register the receiver of the peer's messages (JSON text or parsed JSON). Returns an unsubscribe. */
  onMessage(handler: (raw: unknown) => void): () => void;
  close(): void;
}
