// SIP-018 structured-data hashing for BitStream states (contracts/PROTOCOL.md §2):
// sha256("SIP018" ‖ sha256(consensus(domain)) ‖ sha256(consensus(state))).
// Byte-identical to the contract's `get-state-hash`; tested against it.
import { sha256 } from '../crypto/sha256.js';
import { Cl, serializeCVBytes } from '@stacks/transactions';
import { encodeStateConsensus } from './consensus.js';
import type { ChannelState } from './state.js';

/** The protocol version, signed as the SIP-018 domain's version: a state of another version is valid nowhere here. */
export const PROTOCOL_VERSION = '2';

const SIP018_PREFIX = new Uint8Array([0x53, 0x49, 0x50, 0x30, 0x31, 0x38]);

export interface Domain {
  /** the channel contract's principal, e.g. ST1….bitstream */
  readonly contract: string;
  /** the chain id (1 mainnet, 0x80000000 testnet/devnet/simnet) */
  readonly chainId: number;
}

/** The SIP-018 domain tuple: {name: contract principal, version: "2" (PROTOCOL v2), chain-id}. */
export function domainToClarity(domain: Domain) {
  return Cl.tuple({
    name: Cl.stringAscii(domain.contract),
    version: Cl.stringAscii(PROTOCOL_VERSION),
    'chain-id': Cl.uint(domain.chainId),
  });
}

// a client signs under one or two domains all its life: hash each once
const domainHashes = new Map<string, Uint8Array>();

export function domainHash(domain: Domain): Uint8Array {
  const key = `${domain.contract}|${domain.chainId}`;
  let h = domainHashes.get(key);
  if (h === undefined) {
    h = sha256(serializeCVBytes(domainToClarity(domain)));
    if (domainHashes.size >= 64) domainHashes.clear();
    domainHashes.set(key, h);
  }
  return Uint8Array.from(h);
}

/**
 * The consensus bytes of a state's tuple (what `to-consensus-buff?` gives the contract).
 * Validates the state's ranges first: StateCodecError if it does not fit the tuple type.
 */
export function encodeState(state: ChannelState): Uint8Array {
  return encodeStateConsensus(state);
}

/** sha256("SIP018" ‖ domain hash ‖ sha256(message bytes)): what every SIP-018 signer signs. */
export function structuredDataHash(domainHashBytes: Uint8Array, messageBytes: Uint8Array): Uint8Array {
  const msg = new Uint8Array(6 + 32 + 32);
  msg.set(SIP018_PREFIX, 0);
  msg.set(domainHashBytes, 6);
  msg.set(sha256(messageBytes), 38);
  return sha256(msg);
}

/** The 32-byte hash both participants sign for `state` under `domain`. */
export function stateHash(state: ChannelState, domainHashBytes: Uint8Array): Uint8Array {
  return structuredDataHash(domainHashBytes, encodeState(state));
}
