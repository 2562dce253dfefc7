// Checking the counterparty's signature. The malleability rules (65 bytes, low S,
// recovery id 0/1, PROTOCOL I7) are crypto/signature.ts's, applied here before any
// backend sees the signature; the curve maths is injected (SignatureVerifier) so a
// native or WASM backend can replace noble. No I/O.
import type { CryptoBackend } from '../crypto/backend.js';
import { nobleBackend } from '../crypto/noble.js';
import { assertCanonicalSignature, equalBytes } from '../crypto/signature.js';
import { SignatureError } from '../errors/errors.js';

export const SIGNATURE_WRONG_KEY = 'SIGNATURE_WRONG_KEY';

/** Curve maths only: is `sig` (R‖S‖V, already canonical) by one of `keys` over `hash`? */
export interface SignatureVerifier {
  verify(hash: Uint8Array, sig: Uint8Array, keys: readonly Uint8Array[]): boolean;
}

/** A verifier from any `recover(hash, sig) → compressed key`: one recovery per signature. */
export function recoveringVerifier(recover: (hash: Uint8Array, sig: Uint8Array) => Uint8Array): SignatureVerifier {
  return {
    verify(hash, sig, keys) {
      let key: Uint8Array;
      try {
        key = recover(hash, sig);
      } catch {
        return false;
      }
      return keys.some((k) => equalBytes(k, key));
    },
  };
}

/** A verifier on one of client/src/crypto's backends (noble, native, WASM). */
export function backendVerifier(backend: CryptoBackend): SignatureVerifier {
  return recoveringVerifier((hash, sig) => backend.recover(hash, sig));
}

export const nobleVerifier: SignatureVerifier = backendVerifier(nobleBackend);

/** Throws SignatureError unless `sig` is a canonical signature of `hash` by one of `keys`. */
export function checkSignature(verifier: SignatureVerifier, hash: Uint8Array, sig: Uint8Array, keys: readonly Uint8Array[]): void {
  assertCanonicalSignature(sig);
  if (!verifier.verify(hash, sig, keys)) {
    throw new SignatureError(SIGNATURE_WRONG_KEY, 'signature is not by an authorised key of the counterparty');
  }
}

/** Our own signer's output must also pass the contract's rules before we store it. */
export const checkCanonical = assertCanonicalSignature;
