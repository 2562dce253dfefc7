// RFC 6979 known-answer vectors for secp256k1 (the widely published "Satoshi Nakamoto"
// vectors, keys 1 and n−1). A backend is accepted only if it reproduces them, so a
// broken build or a backend with another nonce rule is never selected.
import { sha256 } from '@noble/hashes/sha2.js';
import type { CryptoBackend } from './backend.js';
import { equalBytes } from './signature.js';

const fromHex = (h: string) => Uint8Array.from(h.match(/../g)!.map((b) => parseInt(b, 16)));

export const KNOWN_ANSWERS: readonly { privateKey: Uint8Array; hash: Uint8Array; signature: Uint8Array }[] = [
  {
    privateKey: fromHex('0000000000000000000000000000000000000000000000000000000000000001'),
    hash: sha256(new TextEncoder().encode('Satoshi Nakamoto')),
    signature: fromHex(
      '934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8' +
        '2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5' +
        '01',
    ),
  },
  {
    privateKey: fromHex('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140'),
    hash: sha256(new TextEncoder().encode('Satoshi Nakamoto')),
    signature: fromHex(
      'fd567d121db66e382991534ada77a6bd3106f0a1098c231e47993447cd6af2d0' +
        '6b39cd0eb1bc8603e159ef5c20a5c8ad685a45b06ce9bebed3f153d10d93bed5' +
        '00',
    ),
  },
];

/** Does `backend` sign and recover the known answers exactly? */
export function passesKnownAnswers(backend: CryptoBackend): boolean {
  return KNOWN_ANSWERS.every(
    (v) =>
      equalBytes(backend.sign(v.hash, v.privateKey), v.signature) &&
      equalBytes(backend.recover(v.hash, v.signature), backend.publicKeyOf(v.privateKey)),
  );
}
