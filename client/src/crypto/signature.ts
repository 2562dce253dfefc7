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

/** n and floor(n/2) as 32 big-endian bytes: range checks compare bytes, no BigInt per call. */
const ORDER_BYTES = bigIntTo32(CURVE_ORDER);
const HALF_ORDER_BYTES = bigIntTo32(HALF_ORDER);

/** Compare the 32 bytes of `b` at `offset` with a 32-byte big-endian number: -1, 0 or 1. */
function compare32(b: Uint8Array, offset: number, than: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const x = b[offset + i]!;
    const y = than[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Are the 32 bytes of `b` at `offset` all zero? */
function isZero32(b: Uint8Array, offset: number): boolean {
  for (let i = 0; i < 32; i++) if (b[offset + i] !== 0) return false;
  return true;
}

/** Is the 32-byte big-endian scalar at `offset` in 1 .. n-1? */
function inScalarRange(b: Uint8Array, offset: number): boolean {
  return !isZero32(b, offset) && compare32(b, offset, ORDER_BYTES) < 0;
}

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
  return compare32(sig, 32, HALF_ORDER_BYTES) <= 0;
}

/**
 * The low-S twin of an R‖S‖V signature: S → n − S and the recovery bit flipped, which
 * recovers to the same public key. A low-S signature is returned unchanged (as a copy).
 */
export function toLowS(sig: Uint8Array): Uint8Array {
  const out = new Uint8Array(sig); // a copy, also when `sig` is a Buffer (whose slice() is a view)
  if (isLowS(sig)) return out;
  const s = sOf(sig);
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
  if (!valid || !inScalarRange(key, 0))
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
  if (!inScalarRange(sig, 0) || !inScalarRange(sig, 32))
    throw new SignatureError('SIGNATURE_RANGE', 'R and S must be in 1..n-1');
  if (!isLowS(sig)) throw new SignatureError('SIGNATURE_HIGH_S', 'high-S signature (malleated twin) refused');
  if (sig[64]! > 1)
    throw new SignatureError('SIGNATURE_RECOVERY_ID', 'recovery id must be 0 or 1', { details: { v: sig[64] } });
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
