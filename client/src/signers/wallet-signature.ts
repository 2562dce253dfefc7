// Turns what a wallet returns for `stx_signStructuredMessage` into the one layout the
// contract accepts (R‖S‖V, low S, V ∈ {0,1}) and proves it is a signature of the
// expected hash by the expected key. Wallets differ: hex with or without 0x, RSV or
// VRS order, recovery bytes 0/1, 27/28 (Bitcoin message style) or 31/32 (27 + 4,
// "compressed"), and S not always low. Nothing here trusts the wallet: the result is
// whatever recovers, from `hash`, to the reference key.
import { ripemd160 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { CryptoBackend } from '../crypto/backend.js';
import { bytesToBigInt, CURVE_ORDER, equalBytes, toLowS } from '../crypto/signature.js';
import { WalletSignatureError } from './errors.js';

/** 65 bytes from a hex string, with or without 0x, either case. */
export function walletSignatureBytes(signature: unknown): Uint8Array {
  if (typeof signature !== 'string')
    throw new WalletSignatureError('WALLET_SIGNATURE_MALFORMED', 'the wallet returned no signature string');
  const hex = signature.startsWith('0x') || signature.startsWith('0X') ? signature.slice(2) : signature;
  if (!/^[0-9a-fA-F]{130}$/.test(hex))
    throw new WalletSignatureError('WALLET_SIGNATURE_MALFORMED', 'a signature is 65 bytes of hex', {
      details: { length: hex.length },
    });
  const out = new Uint8Array(65);
  for (let i = 0; i < 65; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The recovery id a wallet's recovery byte stands for, or null if it is none we know. */
export function recoveryIdOf(v: number): 0 | 1 | null {
  if (v === 0 || v === 1) return v;
  if (v === 27 || v === 28) return (v - 27) as 0 | 1;
  if (v === 31 || v === 32) return (v - 31) as 0 | 1;
  return null; // 2/3, 29/30, 33/34 (R ≥ n) never come from an honest signer; others are garbage
}

/**
 * Every canonical R‖S‖V the 65 bytes may stand for: read as RSV, then as VRS. Usually
 * one, two when both end bytes look like recovery bytes (about 2% of signatures).
 */
export function signatureCandidates(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const add = (rs: Uint8Array, v: number) => {
    const recovery = recoveryIdOf(v);
    const r = bytesToBigInt(rs.subarray(0, 32));
    const s = bytesToBigInt(rs.subarray(32, 64));
    if (recovery === null || r === 0n || r >= CURVE_ORDER || s === 0n || s >= CURVE_ORDER) return;
    const sig = new Uint8Array(65);
    sig.set(rs, 0);
    sig[64] = recovery;
    out.push(toLowS(sig)); // a high-S signature becomes its low-S twin, recovery bit flipped
  };
  add(bytes.subarray(0, 64), bytes[64]!);
  add(bytes.subarray(1, 65), bytes[0]!);
  return out;
}

/** hash160 of a compressed public key: what a standard Stacks address encodes. */
export function hash160(publicKey: Uint8Array): Uint8Array {
  return ripemd160(sha256(publicKey));
}

export interface Reference {
  /** the key the signature must recover to, when known */
  readonly publicKey: Uint8Array | null;
  /** the hash160 of the address the key must belong to, when known */
  readonly addressHash160: Uint8Array | null;
}

/**
 * The canonical signature of `hash` in what the wallet returned, and the key it
 * recovers to. With no reference at all the RSV reading wins (the SIP-018 wallets' layout).
 */
export function normaliseWalletSignature(
  signature: unknown,
  hash: Uint8Array,
  reference: Reference,
  backend: CryptoBackend,
): { signature: Uint8Array; publicKey: Uint8Array } {
  const candidates = signatureCandidates(walletSignatureBytes(signature));
  if (candidates.length === 0)
    throw new WalletSignatureError('WALLET_SIGNATURE_MALFORMED', 'no valid recovery byte, or R/S out of range');
  const recovered: { signature: Uint8Array; publicKey: Uint8Array }[] = [];
  for (const sig of candidates) {
    try {
      recovered.push({ signature: sig, publicKey: backend.recover(hash, sig) });
    } catch {
      // this reading recovers to no point: try the other
    }
  }
  const matches = recovered.filter(
    (c) =>
      (reference.publicKey === null || equalBytes(c.publicKey, reference.publicKey)) &&
      (reference.addressHash160 === null || equalBytes(hash160(c.publicKey), reference.addressHash160)),
  );
  if (matches.length === 0)
    throw new WalletSignatureError(
      'WALLET_SIGNATURE_MISMATCH',
      'the wallet signature does not recover to the expected key for this state (another account, or another message)',
      {
        details: {
          expectedPublicKey: reference.publicKey && hex(reference.publicKey),
          recovered: recovered.map((c) => hex(c.publicKey)),
        },
      },
    );
  return matches[0]!;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
