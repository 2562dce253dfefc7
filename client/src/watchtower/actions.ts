// What a watchtower decides to do: each action carries the contract call, built by the
// chain builders (deny-mode post-conditions included), ready for a submit function.
import type { ContractCall } from '../chain/call.js';
import type { BitStreamError } from '../errors/errors.js';

export type WatchAction =
  | {
      readonly kind: 'challenge';
      readonly channelId: Uint8Array;
      /** the nonce the channel is closing with */
      readonly closingNonce: bigint;
      /** the newer nonce the challenge puts in its place */
      readonly nonce: bigint;
      /** the challenge must be mined before this burn height */
      readonly deadlineBurn: bigint;
      readonly call: ContractCall;
    }
  | { readonly kind: 'resolve'; readonly channelId: Uint8Array; readonly call: ContractCall }
  | { readonly kind: 'settle-htlc'; readonly channelId: Uint8Array; readonly index: number; readonly call: ContractCall }
  | {
      readonly kind: 'reveal-secret';
      readonly hash: Uint8Array;
      /** the reveal must be mined at or before this burn height to count */
      readonly expiry: bigint;
      readonly call: ContractCall;
    };

/** A channel the watchtower should act on but cannot (e.g. a token with no known asset name). */
export interface WatchProblem {
  readonly channelId: Uint8Array;
  readonly error: BitStreamError;
}

export interface Decision {
  readonly actions: readonly WatchAction[];
  readonly problems: readonly WatchProblem[];
}
