// A browser wallet as a Signer (Leather, Xverse…): shows the state to a person through
// @stacks/connect's `stx_signStructuredMessage` (SIP-018: the state tuple and the domain),
// then normalises and checks what comes back (wallet-signature.ts). @stacks/connect is
// large and browser-only, so it is loaded by dynamic import on the first request and
// never by anything else; tests inject `request` instead.
import { createAddress, type ClarityValue, type TupleCV } from '@stacks/transactions';
import type { CryptoBackend } from '../crypto/backend.js';
import { nobleBackend } from '../crypto/noble.js';
import { assertHash, assertPublicKey } from '../crypto/signature.js';
import { domainToClarity, type Domain } from '../codec/sip018.js';
import { stateToClarity, type ChannelState } from '../codec/state.js';
import { validateState } from '../codec/validate.js';
import { InvalidInputError } from '../errors/errors.js';
import { WalletRejectedError, WalletRequestError, WalletSignatureError } from './errors.js';
import type { Signer } from './signer.js';
import { normaliseWalletSignature } from './wallet-signature.js';
import { delegationHash, delegationMessage, type Delegation } from '../peer/delegation.js';
import { principalOf } from '../peer/handshake.js';

export interface StructuredMessageParams {
  readonly message: ClarityValue;
  readonly domain: TupleCV;
}

/** What a wallet answers; `publicKey` is the signing key as hex, when the wallet says. */
export interface StructuredMessageResult {
  readonly signature: string;
  readonly publicKey?: string;
}

/** The wallet call: @stacks/connect's `request`, narrowed to the one method used here. */
export type StructuredMessageRequest = (
  method: 'stx_signStructuredMessage',
  params: StructuredMessageParams,
) => Promise<StructuredMessageResult>;

export interface WalletSignerOptions {
  /** the wallet call; default: @stacks/connect's `request`, imported on first use */
  readonly request?: StructuredMessageRequest;
  /** the account's compressed public key (from getAddresses), if known */
  readonly publicKey?: Uint8Array;
  /** the account's Stacks address, if known: the key must hash to it */
  readonly address?: string;
  /** backend for recovery; default noble (runs in every browser) */
  readonly backend?: CryptoBackend;
}

/** JSON-RPC codes wallets use for "the user said no". */
const REJECTION_CODES = new Set([
  -32000, // JsonRpcErrorCode.UserRejection (@stacks/connect)
  -31001, // JsonRpcErrorCode.UserCanceled (@stacks/connect, popup closed)
  4001, // EIP-1193 userRejectedRequest, used by some wallets
]);

/** Did the wallet answer "the person said no" (or closed the prompt)? A JSON-RPC error with one of those codes. */
export function isWalletRejection(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'number' && REJECTION_CODES.has(code);
}

const connectRequest: StructuredMessageRequest = async (method, params) => {
  const connect = await import('@stacks/connect');
  return connect.request(method, { message: params.message, domain: params.domain });
};

function hexToBytes(hex: string): Uint8Array | null {
  const h = hex.startsWith('0x') ? hex.slice(2) : hex;
  if (!/^([0-9a-fA-F]{2})*$/.test(h)) return null;
  return Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
}

export class WalletSigner implements Signer {
  readonly #request: StructuredMessageRequest;
  readonly #backend: CryptoBackend;
  readonly #addressHash160: Uint8Array | null;
  #publicKey: Uint8Array | null;

  constructor(opts: WalletSignerOptions = {}) {
    this.#request = opts.request ?? connectRequest;
    this.#backend = opts.backend ?? nobleBackend;
    if (opts.publicKey !== undefined) assertPublicKey(opts.publicKey);
    this.#publicKey = opts.publicKey ? Uint8Array.from(opts.publicKey) : null;
    let h160: Uint8Array | null = null;
    if (opts.address !== undefined) {
      try {
        h160 = hexToBytes(createAddress(opts.address).hash160);
      } catch (e) {
        throw new InvalidInputError('WALLET_ADDRESS_INVALID', 'not a Stacks address', { details: { address: opts.address }, cause: e });
      }
    }
    this.#addressHash160 = h160;
  }

  /** The account's key: configured, or learnt from the first signature. */
  get publicKey(): Uint8Array | null {
    return this.#publicKey;
  }

  async signState(state: ChannelState, domain: Domain, hash: Uint8Array): Promise<Uint8Array> {
    assertHash(hash);
    validateState(state);
    return this.#sign({ message: stateToClarity(state), domain: domainToClarity(domain) }, hash);
  }

  /**
   * The account's one signature of a session key's delegation (peer/delegation.ts): the
   * wallet shows the key and its expiry; afterwards the key speaks for the account on
   * the peer connection without another prompt.
   */
  async signDelegation(d: Delegation, chainId: number): Promise<Uint8Array> {
    const { domain, message } = delegationMessage(d, chainId);
    const sig = await this.#sign({ message, domain }, delegationHash(d, chainId));
    // the account the wallet signed with must be the one the key is to speak for
    const signer = principalOf(this.#publicKey!, chainId);
    if (signer !== d.principal) {
      throw new WalletSignatureError('WALLET_SIGNATURE_MISMATCH', `the wallet signed the delegation as ${signer}, not as ${d.principal}: switch the wallet to that account`, {
        details: { expected: d.principal, signer },
      });
    }
    return sig;
  }

  async #sign(params: StructuredMessageParams, hash: Uint8Array): Promise<Uint8Array> {
    let result: StructuredMessageResult;
    try {
      result = await this.#request('stx_signStructuredMessage', params);
    } catch (e) {
      if (isWalletRejection(e)) throw new WalletRejectedError({ cause: e, details: { code: (e as { code: number }).code } });
      throw new WalletRequestError('the wallet request failed', { cause: e });
    }
    if (result === null || typeof result !== 'object')
      throw new WalletSignatureError('WALLET_SIGNATURE_MALFORMED', 'the wallet returned no result');
    // the key to check against: ours if known, else the one the wallet says it used
    let reference = this.#publicKey;
    if (reference === null && typeof result.publicKey === 'string') {
      const k = hexToBytes(result.publicKey);
      if (k !== null && k.length === 33 && (k[0] === 2 || k[0] === 3)) reference = k;
    }
    const out = normaliseWalletSignature(
      result.signature,
      hash,
      { publicKey: reference, addressHash160: this.#addressHash160 },
      this.#backend,
    );
    // once learnt, the key is fixed: a wallet that switched accounts mid-channel would
    // otherwise sign for a principal that is not this participant
    this.#publicKey ??= out.publicKey;
    return out.signature;
  }
}

