// A channel transport whose messages ride HTTP: what the channel sends waits here until
// a request or response carries it. The caller hands the peer's messages to
// Channel.receive itself (so it sees the refusal), not through onMessage. Teed onto a
// peer connection (a node's channel), only the messages an x402 exchange expects ride
// HTTP; every other one, retransmits included, goes to the peer as before.
import type { Message } from '../wire/messages.js';
import type { Transport } from '../wire/transport.js';

interface Waiter {
  readonly match: (m: Message) => boolean;
  resolve(m: Message | null): void;
}

/** How many recent messages are kept for a taker that asks after they were sent. */
const RECENT = 16;

export class Courier implements Transport {
  private readonly waiters = new Set<Waiter>();
  private recent: Message[] = [];

  send(message: Message): void {
    if (this.deliver(message)) return;
    this.recent.push(message);
    if (this.recent.length > RECENT) this.recent = this.recent.slice(-RECENT);
  }

  /** Hand `message` to the taker expecting it; false when none does. */
  private deliver(message: Message): boolean {
    for (const w of this.waiters) {
      if (w.match(message)) {
        w.resolve(message);
        return true;
      }
    }
    return false;
  }

  /**
   * The channel's transport when it also has a peer: an expected message is this
   * courier's, anything else the peer's (nothing is kept for a later taker).
   */
  tee(peer: Transport): Transport {
    return {
      send: (m) => {
        if (!this.deliver(m)) peer.send(m);
      },
      onMessage: (handler) => peer.onMessage(handler),
      close: () => {
        this.close();
        peer.close();
      },
    };
  }

  onMessage(): () => void {
    return () => undefined;
  }

  /**
   * The next message that matches, or a recent one already sent: `result` is `null`
   * after `timeoutMs` or once cancelled. Register before the action that makes the
   * channel send it, and cancel when that action fails (or a later taker loses it).
   */
  expect(match: (m: Message) => boolean, timeoutMs: number): { readonly result: Promise<Message | null>; cancel(): void } {
    const i = this.recent.findIndex(match);
    if (i >= 0) return { result: Promise.resolve(this.recent.splice(i, 1)[0]!), cancel: () => undefined };
    let w!: Waiter;
    const result = new Promise<Message | null>((resolve) => {
      const timer = setTimeout(() => w.resolve(null), timeoutMs);
      w = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          this.waiters.delete(w);
          resolve(m);
        },
      };
      this.waiters.add(w);
    });
    return { result, cancel: () => w.resolve(null) };
  }

  /** Forget what was sent and not taken (a retransmit nobody carries). */
  drop(match: (m: Message) => boolean): void {
    this.recent = this.recent.filter((m) => !match(m));
  }

  close(): void {
    for (const w of [...this.waiters]) w.resolve(null);
    this.recent = [];
  }
}
