// Native libsecp256k1 through the `secp256k1` package's N-API addon (Node only).
// The package's own entry silently falls back to elliptic (slow pure JS) when the
// addon does not load; this backend loads `secp256k1/bindings.js` directly instead, so
// "native" is either the real libsecp256k1 or unavailable, never a disguised JS path.
// Loaded only through select.ts's dynamic import; never import it statically.
import { createRequire } from 'node:module';
import type * as Secp256k1 from 'secp256k1';
import { defineBackend, type CryptoBackend } from './backend.js';

export function loadNativeBackend(): CryptoBackend {
  const require = createRequire(import.meta.url);
  // throws when the addon is missing or built for another platform: the caller catches
  const lib = require('secp256k1/bindings.js') as typeof Secp256k1;
  return defineBackend({
    name: 'native',
    implementation: 'libsecp256k1 (secp256k1 N-API addon)',
    publicKeyOf: (privateKey) => lib.publicKeyCreate(privateKey, true),
    sign(hash, privateKey) {
      // default nonce function: RFC 6979, no extra data; libsecp256k1 signs low-S
      const { signature, recid } = lib.ecdsaSign(hash, privateKey);
      return { compact: signature, recovery: recid };
    },
    recover(hash, compact, recovery) {
      try {
        return lib.ecdsaRecover(compact, recovery, hash, true);
      } catch {
        return null;
      }
    },
  });
}
