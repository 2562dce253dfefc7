// SHA-256 for the per-payment hashes (the SIP-018 state hash, two digests per state):
// Node's OpenSSL one-shot `crypto.hash` where the runtime has it, @noble/hashes
// everywhere else (browsers, older Node). Same bytes either way (tests/client/codec).
// Looked up synchronously through process.getBuiltinModule, so browser bundles never
// see a `node:` import.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

type OneShotHash = (algorithm: string, data: Uint8Array, encoding: 'buffer') => Uint8Array;

function nodeOneShot(): OneShotHash | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const crypto = proc?.getBuiltinModule?.('node:crypto') as { hash?: OneShotHash } | undefined;
  return typeof crypto?.hash === 'function' ? crypto.hash : null;
}

const oneShot = nodeOneShot();

/** Which implementation `sha256` uses here (for benchmarks and tests). */
export const SHA256_IMPLEMENTATION: 'node:crypto' | '@noble/hashes' = oneShot ? 'node:crypto' : '@noble/hashes';

/** SHA-256 of `data` as a fresh Uint8Array. */
export const sha256: (data: Uint8Array) => Uint8Array = oneShot
  ? (data) => {
      const b = oneShot('sha256', data, 'buffer');
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    }
  : nobleSha256;
