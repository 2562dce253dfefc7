// Pure-JS secp256k1 (@noble/secp256k1): RFC 6979 deterministic, low-S signatures in
// the 65-byte R‖S‖V layout the contract's `secp256k1-recover?` expects. Runs
// everywhere (browsers included); the native and WASM backends are faster on Node.
// signHash/recoverPublicKey/publicKeyOf are the original helpers other modules use;
// `nobleBackend` is the same code behind the CryptoBackend interface.
import * as secp from '@noble/secp256k1';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { defineBackend, type CryptoBackend } from './backend.js';

secp.hashes.sha256 = sha256;
secp.hashes.hmacSha256 = (key: Uint8Array, msg: Uint8Array) => hmac(sha256, key, msg);

/** Sign a 32-byte hash: R‖S‖V with V ∈ {0,1}, S low. */
export function signHash(hash: Uint8Array, privateKey: Uint8Array): Uint8Array {
  const rec = secp.sign(hash, privateKey, { prehash: false, lowS: true, format: 'recovered' });
  // noble's recovered format is V‖R‖S; the contract wants R‖S‖V.
  const out = new Uint8Array(65);
  out.set(rec.subarray(1, 65), 0);
  out[64] = rec[0]!;
  return out;
}

/** The compressed public key recovered from an R‖S‖V signature of `hash`. */
export function recoverPublicKey(hash: Uint8Array, sig: Uint8Array): Uint8Array {
  const rec = new Uint8Array(65);
  rec[0] = sig[64]!;
  rec.set(sig.subarray(0, 64), 1);
  return secp.recoverPublicKey(rec, hash, { prehash: false });
}

export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  return secp.getPublicKey(privateKey, true);
}

export const CURVE_ORDER = secp.Point.CURVE().n;

export const nobleBackend: CryptoBackend = defineBackend({
  name: 'noble',
  implementation: '@noble/secp256k1 (pure JS)',
  publicKeyOf,
  sign(hash, privateKey) {
    const rec = secp.sign(hash, privateKey, { prehash: false, lowS: true, format: 'recovered' });
    return { compact: rec.subarray(1, 65), recovery: rec[0]! };
  },
  recover(hash, compact, recovery) {
    const rec = new Uint8Array(65);
    rec[0] = recovery;
    rec.set(compact, 1);
    try {
      return secp.recoverPublicKey(rec, hash, { prehash: false });
    } catch {
      return null; // no point for this R and recovery id
    }
  },
});
