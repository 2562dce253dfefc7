// The node's account key at rest: an encrypted key file. The key is sealed with
// XChaCha20-Poly1305 (@noble/ciphers) under a key derived from a passphrase with scrypt
// (@noble/hashes), both audited implementations; the file also names the principal, so
// `bitstream node info` can say whose file it is without the passphrase. A wrong
// passphrase and a tampered file are both a failed authentication tag: NODE_KEY_PASSPHRASE.
import { readFileSync, writeFileSync } from 'node:fs';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { z } from 'zod';
import { fromHex, toHex } from '../wire/json.js';
import { NodeCode, NodeError } from './errors.js';

/** scrypt cost: 2^17 × 8 × 128 B = 128 MiB and about half a second, once per start. */
export const DEFAULT_SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const;

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));
const KeyFileSchema = z.strictObject({
  bitstreamKeyFile: z.literal(1),
  principal: z.string().max(64),
  kdf: z.strictObject({ name: z.literal('scrypt'), N: z.number().int().min(2 ** 10).max(2 ** 22), r: z.number().int().min(1).max(32), p: z.number().int().min(1).max(16), salt: hex(16) }),
  cipher: z.strictObject({ name: z.literal('xchacha20-poly1305'), nonce: hex(24) }),
  ciphertext: hex(48),
});
export type KeyFile = z.infer<typeof KeyFileSchema>;

async function derive(passphrase: string, kdf: KeyFile['kdf']): Promise<Uint8Array> {
  if (passphrase.length === 0) throw new NodeError(NodeCode.BadPassphrase, 'an empty passphrase protects nothing');
  return scryptAsync(new TextEncoder().encode(passphrase.normalize('NFKC')), fromHex(kdf.salt), { N: kdf.N, r: kdf.r, p: kdf.p, dkLen: 32 });
}

/** Seal `privateKey` (32 bytes) under `passphrase`. */
export async function sealKey(privateKey: Uint8Array, passphrase: string, principal: string, cost: { N: number; r: number; p: number } = DEFAULT_SCRYPT): Promise<KeyFile> {
  if (privateKey.length !== 32) throw new NodeError(NodeCode.KeyFile, 'a private key is 32 bytes');
  const kdf = { name: 'scrypt' as const, ...cost, salt: toHex(crypto.getRandomValues(new Uint8Array(16))) };
  const nonce = crypto.getRandomValues(new Uint8Array(24));
  const ciphertext = xchacha20poly1305(await derive(passphrase, kdf), nonce).encrypt(privateKey);
  return { bitstreamKeyFile: 1, principal, kdf, cipher: { name: 'xchacha20-poly1305', nonce: toHex(nonce) }, ciphertext: toHex(ciphertext) };
}

/** The private key in `file`, or NODE_KEY_PASSPHRASE. */
export async function openKey(file: KeyFile, passphrase: string): Promise<Uint8Array> {
  const key = await derive(passphrase, file.kdf);
  try {
    return xchacha20poly1305(key, fromHex(file.cipher.nonce)).decrypt(fromHex(file.ciphertext));
  } catch (cause) {
    throw new NodeError(NodeCode.BadPassphrase, 'wrong passphrase, or the key file was altered', { cause });
  }
}

export function readKeyFile(path: string): KeyFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new NodeError(NodeCode.KeyFile, `cannot read key file ${path}`, { cause, details: { path } });
  }
  const r = KeyFileSchema.safeParse(raw);
  if (!r.success) throw new NodeError(NodeCode.KeyFile, `${path} is not a BitStream key file`, { details: { path, issue: r.error.issues[0]?.message } });
  return r.data;
}

export function writeKeyFile(path: string, file: KeyFile): void {
  // readable by the owner only; refuse to overwrite an existing key
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
}

/** The private key a node or tower is configured with: hex from the environment, or an encrypted key file opened with its passphrase. */
export async function loadKey(key: { readonly kind: 'env'; readonly hex: string } | { readonly kind: 'file'; readonly path: string; readonly passphrase: string }): Promise<Uint8Array> {
  return key.kind === 'env' ? fromHex(key.hex) : openKey(readKeyFile(key.path), key.passphrase);
}
