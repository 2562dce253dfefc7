// The one interface every signer implements: a local key, a session key, or a
// browser wallet. A signer turns a state's SIP-018 hash into a 65-byte R‖S‖V low-S
// signature the contract accepts; it knows nothing of channels or transports.
import type { ChannelState } from '../codec/state.js';
import type { Domain } from '../codec/sip018.js';

export interface Signer {
  /** compressed secp256k1 public key (33 bytes), if known before the first signature */
  readonly publicKey: Uint8Array | null;
  /**
   * Sign a state under a domain. Wallet signers show the state to a person and need
   * the structured data; key signers only use its hash. `hash` must be
   * stateHash(state, domainHash(domain)). Resolves to 65 bytes R‖S‖V with S low and
   * V ∈ {0,1}; rejects with a BitStreamError (e.g. WalletRejectedError) otherwise.
   */
  signState(state: ChannelState, domain: Domain, hash: Uint8Array): Promise<Uint8Array>;
}
