// libsecp256k1 compiled to WASM (tiny-secp256k1, bitcoinjs). Runs on Node; in a browser
// only with a bundler that builds WASM ES modules (Vite does not). Loaded only through
// select.ts's dynamic import.
import { defineBackend, type CryptoBackend } from './backend.js';

export async function loadWasmBackend(): Promise<CryptoBackend> {
  const lib = await import('tiny-secp256k1');
  return defineBackend({
    name: 'wasm',
    implementation: 'libsecp256k1 (tiny-secp256k1 WASM)',
    publicKeyOf(privateKey) {
      const key = lib.pointFromScalar(privateKey, true);
      if (key === null) throw new Error('tiny-secp256k1: no public key for this scalar');
      return key;
    },
    sign(hash, privateKey) {
      // no extra entropy: RFC 6979 deterministic, low-S
      const { signature, recoveryId } = lib.signRecoverable(hash, privateKey);
      return { compact: signature, recovery: recoveryId };
    },
    recover(hash, compact, recovery) {
      try {
        return lib.recover(hash, compact, recovery, true);
      } catch {
        return null;
      }
    },
  });
}
