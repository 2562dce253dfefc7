// The one interface every secp256k1 backend implements (pure-JS noble, native
// libsecp256k1, WASM tiny-secp256k1), and the wrapper that enforces BitStream's rules on
// all of them at the edge: inputs validated, output R‖S‖V low-S with V ∈ {0,1},
// high-S and bad recovery ids refused before any backend sees them. Backends only
// supply the raw curve operations; they must not re-implement these rules.
import { BitStreamError, SignatureError } from '../errors/errors.js';
import {
  assertCanonicalSignature,
  assertHash,
  assertPrivateKey,
  assertPublicKey,
  equalBytes,
  toLowS,
} from './signature.js';

export type BackendName = 'noble' | 'native' | 'wasm';
export const BACKEND_NAMES: readonly BackendName[] = ['noble', 'native', 'wasm'];

export interface CryptoBackend {
  readonly name: BackendName;
  /** what actually runs, e.g. "libsecp256k1 (N-API addon)" */
  readonly implementation: string;
  /** compressed (33-byte) public key of a private key */
  publicKeyOf(privateKey: Uint8Array): Uint8Array;
  /** RFC 6979 deterministic signature of a 32-byte hash: 65 bytes R‖S‖V, low S, V ∈ {0,1} */
  sign(hash: Uint8Array, privateKey: Uint8Array): Uint8Array;
  /** compressed public key that signed `hash`; throws SignatureError for a non-canonical signature */
  recover(hash: Uint8Array, signature: Uint8Array): Uint8Array;
  /** is `signature` a canonical signature of `hash` by `publicKey`? (false for high-S, bad V, other key) */
  verify(hash: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean;
}

/** The raw operations a backend supplies; inputs are already validated. */
export interface RawSecp256k1 {
  readonly name: BackendName;
  readonly implementation: string;
  publicKeyOf(privateKey: Uint8Array): Uint8Array;
  /** 64-byte compact R‖S and the recovery id */
  sign(hash: Uint8Array, privateKey: Uint8Array): { compact: Uint8Array; recovery: number };
  /** compressed key, or null when no point recovers */
  recover(hash: Uint8Array, compact: Uint8Array, recovery: 0 | 1): Uint8Array | null;
}

/** A backend that could not be loaded here (not installed, no addon for this platform, a browser). */
export class BackendUnavailableError extends BitStreamError {
  constructor(name: string, cause: unknown) {
    super('CRYPTO_BACKEND_UNAVAILABLE', `crypto backend "${name}" is not available here`, {
      details: { backend: name },
      cause,
    });
  }
}

export function defineBackend(raw: RawSecp256k1): CryptoBackend {
  const recover = (hash: Uint8Array, signature: Uint8Array): Uint8Array => {
    assertHash(hash);
    assertCanonicalSignature(signature);
    const key = raw.recover(hash, signature.subarray(0, 64), signature[64] as 0 | 1);
    if (key === null) throw new SignatureError('SIGNATURE_UNRECOVERABLE', 'no public key recovers from this signature');
    return key;
  };
  return {
    name: raw.name,
    implementation: raw.implementation,
    publicKeyOf(privateKey) {
      assertPrivateKey(privateKey);
      return raw.publicKeyOf(privateKey);
    },
    sign(hash, privateKey) {
      assertHash(hash);
      assertPrivateKey(privateKey);
      const { compact, recovery } = raw.sign(hash, privateKey);
      // recovery ids 2 and 3 (R ≥ n, odds ~2^-127) cannot be expressed for the contract
      if (recovery > 1) throw new SignatureError('SIGNATURE_RECOVERY_ID', 'recovery id above 1', { details: { recovery } });
      const sig = new Uint8Array(65);
      sig.set(compact, 0);
      sig[64] = recovery;
      // every backend here already signs low-S; normalising again costs nothing and
      // keeps a future backend from producing a signature the contract refuses
      return toLowS(sig);
    },
    recover,
    verify(hash, signature, publicKey) {
      assertPublicKey(publicKey);
      try {
        return equalBytes(recover(hash, signature), publicKey);
      } catch (e) {
        if (e instanceof SignatureError) return false;
        throw e;
      }
    },
  };
}
