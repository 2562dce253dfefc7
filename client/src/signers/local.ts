// A signer holding a private key in memory: a node's own key, a test account, or the
// key behind a SessionKeySigner. Signs the state hash with the selected crypto backend
// (selectBackend: native libsecp256k1 on Node when present, else WASM or noble). It never
// sees the network and never shows the state to anyone: callers decide what to sign.
import { publicKeyOf } from '../crypto/noble.js';
import type { BackendName, CryptoBackend } from '../crypto/backend.js';
import { selectBackend } from '../crypto/select.js';
import { assertHash, assertPrivateKey } from '../crypto/signature.js';
import type { Domain } from '../codec/sip018.js';
import type { ChannelState } from '../codec/state.js';
import type { Signer } from './signer.js';

export interface KeySignerOptions {
  /** a loaded backend, or the name of one to load; default: selectBackend() */
  readonly backend?: CryptoBackend | BackendName;
}

export class LocalKeySigner implements Signer {
  readonly publicKey: Uint8Array;
  readonly #privateKey: Uint8Array;
  readonly #wanted: CryptoBackend | BackendName | undefined;
  #backend: Promise<CryptoBackend> | undefined;

  constructor(privateKey: Uint8Array, opts: KeySignerOptions = {}) {
    assertPrivateKey(privateKey);
    // a copy: the caller may reuse or wipe its buffer
    this.#privateKey = Uint8Array.from(privateKey);
    this.publicKey = publicKeyOf(this.#privateKey);
    this.#wanted = opts.backend;
  }

  /** The backend this signer signs with, loaded on first use (BackendUnavailableError if a named one is missing). */
  backend(): Promise<CryptoBackend> {
    const wanted = this.#wanted;
    this.#backend ??=
      typeof wanted === 'object' ? Promise.resolve(wanted) : selectBackend(wanted === undefined ? {} : { backend: wanted });
    return this.#backend;
  }

  /** A key signer signs the hash it is given; state and domain are for wallet signers. */
  async signState(_state: ChannelState, _domain: Domain, hash: Uint8Array): Promise<Uint8Array> {
    assertHash(hash);
    const backend = await this.backend();
    return backend.sign(hash, this.#privateKey);
  }
}
