// The 65-byte signature layout every BitStream signer produces and the contract checks
// (PROTOCOL §2, I7): R‖S‖V, S in the low half of the group order, V ∈ {0,1}. This file
// owns the layout rules and the low-S normalisation; it does no curve arithmetic.
import { InvalidInputError, SignatureError } from '../errors/errors.js';

/** The secp256k1 group order n. */
export const CURVE_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** floor(n / 2): an S above it is the malleated twin of a valid signature. */
export const HALF_ORDER = CURVE_ORDER >> 1n;

export const SIGNATURE_LENGTH = 65;
export const HASH_LENGTH = 32;
export const PRIVATE_KEY_LENGTH = 32;
export const PUBLIC_KEY_LENGTH = 33;

export function bytesToBigInt(b: Uint8Array): bigint {
  let x = 0n;
  for (const byte of b) x = (x << 8n) | BigInt(byte);
  return x;
}

export function bigIntTo32(x: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** S of an R‖S‖V signature. */
export function sOf(sig: Uint8Array): bigint {
  return bytesToBigInt(sig.subarray(32, 64));
}

export function isLowS(sig: Uint8Array): boolean {
  return sOf(sig) <= HALF_ORDER;
}

/**
 * The low-S twin of an R‖S‖V signature: S → n − S and the recovery bit flipped, which
 * recovers to the same public key. A low-S signature is returned unchanged (as a copy).
 */
export function toLowS(sig: Uint8Array): Uint8Array {
  const out = Uint8Array.from(sig);
  const s = sOf(sig);
  if (s <= HALF_ORDER) return out;
  out.set(bigIntTo32(CURVE_ORDER - s), 32);
  out[64] = out[64]! ^ 1;
  return out;
}

export function assertHash(hash: Uint8Array): void {
  // a signer that signs anything but a 32-byte digest could be made to sign a message
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_LENGTH)
    throw new InvalidInputError('HASH_LENGTH', 'a state hash is 32 bytes', { details: { length: hash?.length } });
}

export function assertPrivateKey(key: Uint8Array): void {
  const valid = key instanceof Uint8Array && key.length === PRIVATE_KEY_LENGTH;
  const d = valid ? bytesToBigInt(key) : 0n;
  if (!valid || d === 0n || d >= CURVE_ORDER)
    throw new InvalidInputError('PRIVATE_KEY_INVALID', 'a private key is 32 bytes, 0 < d < n');
}

export function assertPublicKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== PUBLIC_KEY_LENGTH || (key[0] !== 2 && key[0] !== 3))
    throw new InvalidInputError('PUBLIC_KEY_INVALID', 'a public key is 33 bytes, compressed (0x02/0x03 prefix)', {
      details: { length: key?.length },
    });
}

/**
 * The contract's own checks on a signature, in its order (`signed-by`): 65 bytes,
 * low S (ERR-HIGH-S), V ∈ {0,1} (ERR-RECOVERY-ID); plus 0 < R, S < n so that no backend
 * is handed a value it would reject differently from the others.
 */
export function assertCanonicalSignature(sig: Uint8Array): void {
  if (!(sig instanceof Uint8Array) || sig.length !== SIGNATURE_LENGTH)
    throw new SignatureError('SIGNATURE_LENGTH', 'a signature is 65 bytes R‖S‖V', { details: { length: sig?.length } });
  const r = bytesToBigInt(sig.subarray(0, 32));
  const s = sOf(sig);
  if (r === 0n || r >= CURVE_ORDER || s === 0n || s >= CURVE_ORDER)
    throw new SignatureError('SIGNATURE_RANGE', 'R and S must be in 1..n-1');
  if (s > HALF_ORDER) throw new SignatureError('SIGNATURE_HIGH_S', 'high-S signature (malleated twin) refused');
  if (sig[64]! > 1)
    throw new SignatureError('SIGNATURE_RECOVERY_ID', 'recovery id must be 0 or 1', { details: { v: sig[64] } });
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
