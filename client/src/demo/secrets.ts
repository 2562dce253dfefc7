// A party's book of HTLC secrets: those it made (as a payee) and those its peers showed
// it (Channel's onSecret). A step can wait for a secret to arrive, which is how Bob
// forwards a settlement upstream; the book is also the watchtower's SecretSource.
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import type { SecretSource } from '../watchtower/sources.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export class SecretBook implements SecretSource {
  private readonly known = new Map<string, Uint8Array>();
  private readonly waiting = new Map<string, ((secret: Uint8Array) => void)[]>();

  /** A fresh 32-byte secret, kept here; returns its hash (what an invoice carries). */
  make(): { secret: Uint8Array; hash: Uint8Array } {
    const secret = randomBytes(32);
    const hash = sha256(secret);
    this.learn(hash, secret);
    return { secret, hash };
  }

  /** Keep a secret whose hash checks; wake whoever waits for it. */
  learn(hash: Uint8Array, secret: Uint8Array): void {
    if (hex(sha256(secret)) !== hex(hash)) return; // the channel checked it already; never keep a wrong one
    const k = hex(hash);
    this.known.set(k, secret);
    for (const wake of this.waiting.get(k) ?? []) wake(secret);
    this.waiting.delete(k);
  }

  secretFor(hash: Uint8Array): Uint8Array | null {
    return this.known.get(hex(hash)) ?? null;
  }

  /** The secret of `hash` once known (at once if it is). */
  wait(hash: Uint8Array): Promise<Uint8Array> {
    const have = this.secretFor(hash);
    if (have !== null) return Promise.resolve(have);
    return new Promise((resolve) => {
      const k = hex(hash);
      this.waiting.set(k, [...(this.waiting.get(k) ?? []), resolve]);
    });
  }
}
