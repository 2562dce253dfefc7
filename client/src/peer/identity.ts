// A node's peer identity from its account's private key: the principal that key has on
// the node's chain, and signing with the chosen crypto backend. The key stays in here.
import type { CryptoBackend } from '../crypto/backend.js';
import { principalOf, type PeerIdentity } from './handshake.js';

export function keyIdentity(privateKey: Uint8Array, backend: CryptoBackend, chainId: number): PeerIdentity {
  const key = Uint8Array.from(privateKey);
  const publicKey = backend.publicKeyOf(key);
  return {
    principal: principalOf(publicKey, chainId),
    publicKey,
    sign: (hash) => backend.sign(hash, key),
  };
}
