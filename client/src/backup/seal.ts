// Sealing a backup: AES-256-GCM under a key derived from the node's private key (HKDF-
// SHA256, its own info string), so restoring needs only the node key — which the user
// must keep anyway — and whoever holds the file (a cloud folder, the counterparty's
// peer storage) learns nothing from it and cannot alter it unnoticed.
// Layout: "BSBK" ‖ version (1 byte) ‖ 12-byte nonce ‖ ciphertext ‖ 16-byte tag; the first
// 5 bytes are authenticated too.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { BackupCode, BackupError } from './errors.js';

const MAGIC = new TextEncoder().encode('BSBK');
export const SEAL_VERSION = 1;
const HEADER = MAGIC.length + 1;
const NONCE = 12;
const TAG = 16;

/** The backup key of a node key: never the key itself, and never reused for anything else. */
export function backupKey(privateKey: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', privateKey, new TextEncoder().encode('BitStream backup salt'), 'BitStream channel backup v1', 32));
}

export function seal(key: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const header = new Uint8Array([...MAGIC, SEAL_VERSION]);
  const nonce = randomBytes(NONCE);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(header);
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return new Uint8Array(Buffer.concat([header, nonce, body, c.getAuthTag()]));
}

export function unseal(key: Uint8Array, sealed: Uint8Array): Uint8Array {
  if (sealed.length < HEADER + NONCE + TAG || !MAGIC.every((b, i) => sealed[i] === b)) {
    throw new BackupError(BackupCode.Malformed, 'not a BitStream backup (no BSBK header, or truncated)');
  }
  if (sealed[MAGIC.length] !== SEAL_VERSION) {
    throw new BackupError(BackupCode.Version, `backup format ${sealed[MAGIC.length]} is not one this client reads (it reads ${SEAL_VERSION})`);
  }
  const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(HEADER, HEADER + NONCE));
  d.setAAD(sealed.subarray(0, HEADER));
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    return new Uint8Array(Buffer.concat([d.update(sealed.subarray(HEADER + NONCE, sealed.length - TAG)), d.final()]));
  } catch (cause) {
    throw new BackupError(BackupCode.WrongKey, 'the backup does not open with this node\'s key: it is another node\'s, or it was altered', { cause });
  }
}
