// An in-memory transport pair for tests and benchmarks: each message is JSON-encoded,
// delivered asynchronously, and may be dropped, duplicated or reordered on a seeded
// schedule, so the protocol's retransmission and idempotence are exercised. Never used
// in production; touches no network.
import { encodeMessage, type Message } from './messages.js';
import type { Transport } from './transport.js';

// After the current turn, as a socket delivers: setImmediate on Node; browsers have none,
// so a zero timeout there.
const nextTurn: (fn: () => void) => void = typeof globalThis.setImmediate === 'function' ? (fn) => void globalThis.setImmediate(fn) : (fn) => void setTimeout(fn, 0);

export interface Faults {
  /** probability a message is lost */
  drop?: number;
  /** probability a message is delivered twice */
  duplicate?: number;
  /** probability a message is held back behind later ones */
  reorder?: number;
  /** PRNG seed, so a failing run replays */
  seed?: number;
}

/** mulberry32: a tiny seeded PRNG, enough for fault schedules. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class MemoryEnd implements Transport {
  peer!: MemoryEnd;
  private handler: ((raw: unknown) => void) | null = null;
  private inbox: string[] = [];
  private held: string[] = [];
  private scheduled = false;
  private closed = false;
  /** every message text this end sent (after faults were decided), for tests */
  readonly sent: string[] = [];
  private readonly random: () => number;

  constructor(private readonly faults: Faults = {}, private readonly record = false) {
    this.random = prng(faults.seed ?? 1);
  }

  send(message: Message): void {
    this.sendRaw(encodeMessage(message));
  }

  /** Send arbitrary text, as a hostile or broken peer would. */
  sendRaw(text: string): void {
    if (this.closed) return;
    if (this.record) this.sent.push(text);
    const f = this.faults;
    if (f.drop && this.random() < f.drop) return;
    if (f.reorder && this.random() < f.reorder) {
      this.peer.hold(text);
      return;
    }
    this.peer.deliver(text);
    if (f.duplicate && this.random() < f.duplicate) this.peer.deliver(text);
  }

  onMessage(handler: (raw: unknown) => void): () => void {
    this.handler = handler;
    return () => {
      if (this.handler === handler) this.handler = null;
    };
  }

  close(): void {
    this.closed = true;
    this.handler = null;
    this.inbox = [];
    this.held = [];
  }

  private deliver(text: string): void {
    this.inbox.push(text);
    this.schedule();
  }

  private hold(text: string): void {
    this.held.push(text);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    nextTurn(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    // held messages go out after this round's messages: a reordering
    const batch = this.inbox.concat(this.held);
    this.inbox = [];
    this.held = [];
    for (const text of batch) {
      if (this.closed) return;
      this.handler?.(text);
    }
  }
}

/** Two connected ends; faults apply to messages each end sends. */
export function memoryPair(faults: Faults = {}, record = false): [MemoryEnd, MemoryEnd] {
  const a = new MemoryEnd(faults, record);
  const b = new MemoryEnd({ ...faults, seed: (faults.seed ?? 1) + 7919 }, record);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
