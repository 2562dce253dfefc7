// The JSON the browser test and its page exchange: what the page is asked to sign and
// what it answers. Types only; both sides import it.
import type { StateJson } from '../../../client/src/wire/json.js';
import type { Domain } from '../../../client/src/codec/sip018.js';

export interface PageSignRequest {
  readonly state: StateJson;
  readonly domain: Domain;
  /** the state's SIP-018 hash, hex */
  readonly hash: string;
  /** the account's compressed public key, hex, when the dapp knows it */
  readonly publicKey?: string;
}

export type PageSignResult =
  | { readonly ok: true; readonly signature: string; readonly publicKey: string | null }
  | {
      readonly ok: false;
      readonly name: string;
      readonly code: string;
      readonly message: string;
      readonly cause: { readonly name: string; readonly code: string } | null;
    };

/** What the page puts on its global object. (No DOM `Window` augmentation: the project's
 * tsconfig has no DOM lib, and adding one for this page would let DOM globals type-check in
 * Node code everywhere.) */
export interface PageGlobal {
  bitstreamWallet: { sign(req: PageSignRequest): Promise<PageSignResult> };
}
