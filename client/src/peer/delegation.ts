// A session key speaking for an account on the peer network. A page cannot make its
// wallet sign every handshake (each would be a pop-up), so the wallet signs once, with
// `stx_signStructuredMessage`, a SIP-018 message naming a key the page generated, and
// until the message's expiry the handshake accepts that key for the account: the hello
// claims the account's principal, carries the session key and the wallet's signature,
// and the auth frame proves the page holds the session key. What the key may sign in a
// channel is the contract's business (it must be an authorised signer there, PROTOCOL
// §1); this only tells a node who is on the other end of the socket.
import { Cl, serializeCVBytes } from '@stacks/transactions';
import { structuredDataHash } from '../codec/sip018.js';
import { sha256 } from '../crypto/sha256.js';
import { PeerCode, PeerError } from './errors.js';

/** The SIP-018 domain of a delegation: never a state's (whose name is a contract principal) nor an invoice's. */
export const DELEGATION_DOMAIN_NAME = 'bitstream-peer-delegation';
export const DELEGATION_VERSION = '1';
/** the longest a node accepts a delegation for: a leaked session key must run out */
export const MAX_DELEGATION_SECONDS = 7 * 24 * 3600;

export interface Delegation {
  /** the account the key speaks for */
  readonly principal: string;
  /** compressed secp256k1 session key (33 bytes) */
  readonly sessionKey: Uint8Array;
  /** unix seconds after which the key speaks for no one */
  readonly expires: number;
}

/** The domain and message a wallet is asked to sign (`stx_signStructuredMessage`'s params). */
export function delegationMessage(d: Delegation, chainId: number) {
  return {
    domain: Cl.tuple({ name: Cl.stringAscii(DELEGATION_DOMAIN_NAME), version: Cl.stringAscii(DELEGATION_VERSION), 'chain-id': Cl.uint(chainId) }),
    message: Cl.tuple({ principal: Cl.principal(d.principal), 'session-key': Cl.buffer(d.sessionKey), expires: Cl.uint(d.expires) }),
  };
}

/** The 32-byte hash the account's key signs (what the wallet computes from delegationMessage). */
export function delegationHash(d: Delegation, chainId: number): Uint8Array {
  const { domain, message } = delegationMessage(d, chainId);
  return structuredDataHash(sha256(serializeCVBytes(domain)), serializeCVBytes(message));
}

/**
 * Check that `sig` is `d.principal`'s signature of the delegation and that it runs now.
 * `ownerOf` maps the recovered key to its principal on this chain.
 */
export function checkDelegation(d: Delegation, sig: Uint8Array, o: {
  readonly chainId: number;
  readonly nowSeconds: number;
  readonly recover: (hash: Uint8Array, sig: Uint8Array) => Uint8Array;
  readonly ownerOf: (publicKey: Uint8Array) => string;
}): void {
  if (d.expires <= o.nowSeconds) {
    throw new PeerError(PeerCode.AuthFailed, `the delegation to this session key expired at ${new Date(d.expires * 1000).toISOString()}`, { details: { expires: d.expires } });
  }
  if (d.expires > o.nowSeconds + MAX_DELEGATION_SECONDS) {
    throw new PeerError(PeerCode.AuthFailed, `a delegation may run at most ${MAX_DELEGATION_SECONDS / 86_400} days`, { details: { expires: d.expires } });
  }
  let signer: string;
  try {
    signer = o.ownerOf(o.recover(delegationHash(d, o.chainId), sig));
  } catch (cause) {
    throw new PeerError(PeerCode.AuthFailed, 'the delegation signature is not canonical', { cause });
  }
  if (signer !== d.principal) {
    throw new PeerError(PeerCode.AuthFailed, `the delegation is signed by ${signer}, not by ${d.principal}`, { details: { claimed: d.principal, signer } });
  }
}
