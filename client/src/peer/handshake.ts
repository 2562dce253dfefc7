// The authenticated handshake of a peer connection, as a pure state machine (no I/O).
// Each side sends a hello (chain id, principal, public key, 32 fresh random bytes), then
// signs the transcript of both hellos, dialler's first, with the byte of its role
// appended, and sends that signature. A side is authenticated when its signature
// recovers to the key it claimed and that key is the principal it claimed on this
// chain, or one the principal delegated to (a page's session key: its hello carries the
// account's signature of the delegation, delegation.ts). Both nonces are in what is signed, so a recorded auth frame is worthless on any
// other connection, and the role byte stops a side's own signature being reflected back.
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { getAddressFromPublicKey } from '@stacks/transactions';
import { CHAIN_ID_MAINNET } from '../config/networks.js';
import { equalBytes } from '../crypto/signature.js';
import { fromHex, toHex } from '../wire/json.js';
import { checkDelegation } from './delegation.js';
import { PeerCode, PeerError } from './errors.js';
import { PEER_PROTOCOL_VERSION, type AuthFrame, type HelloFrame } from './frames.js';

/** What a node proves control of: its Stacks account key, or a session key the account delegated to. */
export interface PeerIdentity {
  readonly principal: string;
  /** compressed secp256k1 key (33 bytes): the principal's own, or a delegated session key */
  readonly publicKey: Uint8Array;
  /** 65-byte R‖S‖V signature of a 32-byte hash */
  sign(hash: Uint8Array): Promise<Uint8Array> | Uint8Array;
  /** the account's signature of the delegation to `publicKey` (delegation.ts), when it is not the principal's own key */
  readonly delegation?: { readonly expires: number; readonly sig: Uint8Array };
}

/** Who the other side proved to be. */
export interface AuthenticatedPeer {
  readonly principal: string;
  /** the key that speaks for it on this connection (a session key when `delegatedUntil` is set) */
  readonly publicKey: Uint8Array;
  /** unix seconds: the session key's delegation runs until then (absent: the principal's own key) */
  readonly delegatedUntil?: number;
}

export interface HandshakeOptions {
  readonly identity: PeerIdentity;
  readonly chainId: number;
  /** true on the side that opened the connection */
  readonly dialler: boolean;
  /** the principal the dialler means to reach; anyone else is refused */
  readonly expect?: string;
  /** recovers the compressed key that signed `hash` (throws for a non-canonical signature) */
  readonly recover: (hash: Uint8Array, sig: Uint8Array) => Uint8Array;
  /** 32 random bytes (injected for tests) */
  readonly nonce?: Uint8Array;
  /** the clock delegations are judged by, ms (default Date.now) */
  readonly now?: () => number;
}

const TAG = new TextEncoder().encode('bitstream-peer-handshake-v1');

/** The address a compressed key has on the chain `chainId` (testnet versions on every non-mainnet chain). */
export function principalOf(publicKey: Uint8Array, chainId: number): string {
  return getAddressFromPublicKey(toHex(publicKey), chainId === CHAIN_ID_MAINNET ? 'mainnet' : 'testnet');
}

function part(h: HelloFrame): Uint8Array[] {
  const p = new TextEncoder().encode(h.principal);
  return [Uint8Array.of(p.length), p, fromHex(h.publicKey), fromHex(h.nonce)];
}

/** The hash a side signs: the transcript of both hellos (dialler's first) and the signer's role. */
export function handshakeDigest(chainId: number, dialler: HelloFrame, acceptor: HelloFrame, signerIsDialler: boolean): Uint8Array {
  const chain = new Uint8Array(4);
  new DataView(chain.buffer).setUint32(0, chainId);
  return sha256(concatBytes(TAG, chain, ...part(dialler), ...part(acceptor), Uint8Array.of(signerIsDialler ? 0 : 1)));
}

export class Handshake {
  readonly hello: HelloFrame;
  private peerHello: HelloFrame | null = null;

  constructor(private readonly o: HandshakeOptions) {
    const nonce = o.nonce ?? crypto.getRandomValues(new Uint8Array(32));
    this.hello = {
      t: 'hello', v: PEER_PROTOCOL_VERSION, chainId: o.chainId, principal: o.identity.principal,
      publicKey: toHex(o.identity.publicKey), nonce: toHex(nonce),
      ...(o.identity.delegation === undefined ? {} : { delegation: { expires: o.identity.delegation.expires, sig: toHex(o.identity.delegation.sig) } }),
    };
  }

  /**
   * The peer's hello: checked, then answered with our signature over the transcript.
   * The checks throw at once, not in the promise: the peer's auth may be in the same read
   * as its hello, and must meet a connection already failed for the right reason.
   */
  onHello(peer: HelloFrame): Promise<AuthFrame> {
    if (this.peerHello !== null) throw new PeerError(PeerCode.Malformed, 'a second hello');
    if (peer.chainId !== this.o.chainId) {
      throw new PeerError(PeerCode.WrongNetwork, `peer is on chain ${peer.chainId}, this node on ${this.o.chainId}`, {
        details: { theirs: peer.chainId, ours: this.o.chainId },
      });
    }
    if (peer.nonce === this.hello.nonce) throw new PeerError(PeerCode.AuthFailed, 'peer echoed our nonce');
    const key = fromHex(peer.publicKey);
    let owner: string;
    try {
      owner = principalOf(key, this.o.chainId);
    } catch (cause) {
      throw new PeerError(PeerCode.AuthFailed, 'peer public key is not a valid secp256k1 key', { cause });
    }
    if (owner === peer.principal) {
      if (peer.delegation !== undefined) throw new PeerError(PeerCode.AuthFailed, 'a delegation to the principal\'s own key');
    } else if (peer.delegation === undefined) {
      throw new PeerError(PeerCode.AuthFailed, `peer claims ${peer.principal} but its key is ${owner}'s`, { details: { claimed: peer.principal, owner } });
    } else {
      checkDelegation({ principal: peer.principal, sessionKey: key, expires: peer.delegation.expires }, fromHex(peer.delegation.sig), {
        chainId: this.o.chainId, nowSeconds: Math.floor((this.o.now ?? Date.now)() / 1000), recover: this.o.recover, ownerOf: (k) => principalOf(k, this.o.chainId),
      });
    }
    if (this.o.expect !== undefined && peer.principal !== this.o.expect) {
      throw new PeerError(PeerCode.WrongPeer, `dialled ${this.o.expect} but reached ${peer.principal}`, {
        details: { expected: this.o.expect, reached: peer.principal },
      });
    }
    this.peerHello = peer;
    return Promise.resolve(this.o.identity.sign(this.digest(this.o.dialler))).then((sig) => ({ t: 'auth', sig: toHex(sig) }));
  }

  /** The peer's signature: the peer is authenticated, or a PeerError says why not. */
  onAuth(auth: AuthFrame): AuthenticatedPeer {
    const peer = this.peerHello;
    if (peer === null) throw new PeerError(PeerCode.Malformed, 'auth before hello');
    const key = fromHex(peer.publicKey);
    let signer: Uint8Array;
    try {
      signer = this.o.recover(this.digest(!this.o.dialler), fromHex(auth.sig));
    } catch (cause) {
      throw new PeerError(PeerCode.AuthFailed, 'handshake signature is not canonical', { cause });
    }
    if (!equalBytes(signer, key)) throw new PeerError(PeerCode.AuthFailed, `handshake signature is not by ${peer.principal}'s key`);
    return { principal: peer.principal, publicKey: key, ...(peer.delegation === undefined ? {} : { delegatedUntil: peer.delegation.expires }) };
  }

  private digest(signerIsDialler: boolean): Uint8Array {
    const peer = this.peerHello!;
    const [d, a] = this.o.dialler ? [this.hello, peer] : [peer, this.hello];
    return handshakeDigest(this.o.chainId, d, a, signerIsDialler);
  }
}
