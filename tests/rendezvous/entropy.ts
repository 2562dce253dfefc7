// Deterministic choices for the steering dialer (steer.ts). Every choice is drawn from
// a hash of the call rendezvous generated (function, caller, random arguments), so the
// same rendezvous seed replays the same steered run. Owns no state beyond its counter.
import { sha256 } from '@noble/hashes/sha2.js';
import { serializeCVBytes, type ClarityValue } from '@stacks/transactions';

export class Entropy {
  private readonly seed: Uint8Array;
  private counter = 0;

  constructor(fn: string, sender: string, args: readonly ClarityValue[]) {
    const parts = [new TextEncoder().encode(`${fn}|${sender}|`), ...args.map((a) => serializeCVBytes(a))];
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    this.seed = sha256(all);
  }

  /** 48 fresh bits, as a non-negative integer. */
  private next(): number {
    const block = new Uint8Array(36);
    block.set(this.seed, 0);
    new DataView(block.buffer).setUint32(32, this.counter++);
    const h = sha256(block);
    return new DataView(h.buffer).getUint32(0) * 0x10000 + new DataView(h.buffer).getUint16(4);
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }

  /** A bigint in [0, n) (n far below 2^48 in this harness). */
  bigBelow(n: bigint): bigint {
    return n <= 0n ? 0n : BigInt(this.next()) % n;
  }

  chance(p: number): boolean {
    return this.next() / 2 ** 48 < p;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new RangeError('pick from an empty list');
    return xs[this.below(xs.length)]!;
  }
}
