// The keys the steering dialer signs with. A participant signs with its devnet key when
// helpers.ts knows it (deployer, wallet_1..4), else with its session key: one key per
// account, derived here, which the dialer authorises through create-channel's and
// add-signer's `signer` argument (PROTOCOL section 1). Pure: no simnet, no I/O.
import { sha256 } from '@noble/hashes/sha2.js';
import { keys, publicKeyOf } from '../contracts/helpers.js';

/** The account's devnet private key, if the suite knows it. */
export function ownKey(who: string): Uint8Array | undefined {
  return keys[who];
}

/** The account's session private key (fixed, so a seed replays the same signatures). */
export function sessionKey(who: string): Uint8Array {
  return sha256(new TextEncoder().encode(`bitstream-rendezvous-session:${who}`));
}

/** The compressed public key of the account's session key. */
export function sessionPublicKey(who: string): Uint8Array {
  return publicKeyOf(sessionKey(who));
}
