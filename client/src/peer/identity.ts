// A peer identity from a private key: a node's account key (the principal that key has on
// the node's chain), or a page's session key speaking for the account that delegated to
// it (delegation.ts). Signing uses the chosen crypto backend; the key stays in here.
import type { CryptoBackend } from '../crypto/backend.js';
import type { Delegation } from './delegation.js';
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

/** A session key speaking for `delegation.principal`, with the account's signature of the delegation (R‖S‖V). */
export function delegatedIdentity(sessionKey: Uint8Array, backend: CryptoBackend, delegation: Delegation, sig: Uint8Array): PeerIdentity {
  const key = Uint8Array.from(sessionKey);
  return {
    principal: delegation.principal,
    publicKey: backend.publicKeyOf(key),
    sign: (hash) => backend.sign(hash, key),
    delegation: { expires: delegation.expires, sig: Uint8Array.from(sig) },
  };
}
