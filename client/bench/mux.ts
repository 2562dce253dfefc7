// The benchmark's line transport: many channels over one byte stream (a pipe between
// processes), "M <index> <json>" per message and "C <...>" control lines. Used by the
// hub benchmarks of payments.ts and hub-capacity.ts; not part of the client library.
import { encodeMessage, type Message } from '../src/wire/messages.js';
import type { Transport } from '../src/wire/transport.js';

/**
 * Incoming messages handled per event-loop turn. One per turn let a group commit start
 * between any two messages, but paid a turn and a pipe write (a wake-up of the other
 * process) per message: 8 per turn cut the hub's CPU per payment by about a third here
 * (BENCH_PER_TURN=1, 4, 8, 16, 32 compared in one session; 8 and 16 were best).
 */
const PER_TURN = Number(process.env.BENCH_PER_TURN ?? 8);

/**
 * Many channels over one line stream: "M <index> <json>" lines, written once per turn.
 * Messages are handed over PER_TURN at a time, not a whole pipe chunk at once, so the
 * loop still starts group commits and takes the writer thread's answers between them.
 */
export class Mux {
  private buffer: string[] = [];
  private scheduled = false;
  private inbox: string[] = [];
  private head = 0;
  private draining = false;
  readonly handlers = new Map<number, (raw: string) => void>();
  constructor(
    input: NodeJS.ReadableStream,
    private readonly write: (s: string) => void,
    onControl: (line: string) => void,
  ) {
    // lines split by hand: readline's event per line cost more than the split itself
    let rest = '';
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => {
      const text = rest + chunk;
      let from = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
        const line = text.slice(from, nl);
        from = nl + 1;
        if (line.startsWith('M ')) this.inbox.push(line);
        else onControl(line);
      }
      rest = text.slice(from);
      if (!this.draining && this.head < this.inbox.length) {
        this.draining = true;
        setImmediate(() => this.deliver());
      }
    });
  }
  private deliver() {
    for (let k = 0; k < PER_TURN && this.head < this.inbox.length; k++) {
      const line = this.inbox[this.head++]!;
      const sp = line.indexOf(' ', 2);
      this.handlers.get(Number(line.slice(2, sp)))?.(line.slice(sp + 1));
    }
    if (this.head === this.inbox.length) {
      this.inbox = [];
      this.head = 0;
      this.draining = false;
    } else setImmediate(() => this.deliver());
  }
  line(s: string) {
    this.buffer.push(s);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        const out = this.buffer.join('\n') + '\n';
        this.buffer = [];
        this.write(out);
      });
    }
  }
  transport(index: number): Transport {
    return {
      send: (m: Message) => this.line(`M ${index} ${encodeMessage(m)}`),
      onMessage: (h) => {
        this.handlers.set(index, h);
        return () => this.handlers.delete(index);
      },
      close: () => this.handlers.delete(index),
    };
  }
}
