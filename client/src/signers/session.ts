// A session key: a fresh private key made in memory from the OS RNG
// (crypto.getRandomValues) for one browser or node session, so that thousands of
// payments need no wallet prompt. The participant authorises its public key once, with
// the contract's `add-signer` or the `signer` argument of `create-channel` /
// `fund-channel`; until then the contract refuses its signatures. The key is never
// exported: losing it only means authorising a new one (authorisation is append-only,
// and a leaked session key risks only that participant's balance in that channel).
import { utils } from '@noble/secp256k1';
import { LocalKeySigner, type KeySignerOptions } from './local.js';

export class SessionKeySigner extends LocalKeySigner {
  constructor(opts: KeySignerOptions = {}) {
    // randomSecretKey draws from crypto.getRandomValues and reduces into 1..n-1
    super(utils.randomSecretKey(), opts);
  }

  /** The 33-byte compressed key to pass to `add-signer` or a `signer` argument. */
  get signerKey(): Uint8Array {
    return Uint8Array.from(this.publicKey);
  }
}
