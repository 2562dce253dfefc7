// The durable store's contract: what a channel keeps (its newest fully signed state and
// at most one state it has signed first and awaits the peer's signature on), and the
// compare-and-swap rules every implementation enforces (rules.ts). The store never
// signs, hashes or talks to the network.
import type { ChannelState } from '../codec/state.js';
import { BitStreamError, type ErrorDetails } from '../errors/errors.js';

/** A state with both signatures; the on-chain implicit state (nonce 0) has none. */
export interface SignedState {
  readonly state: ChannelState;
  readonly hash: Uint8Array;
  readonly sigA: Uint8Array | null;
  readonly sigB: Uint8Array | null;
}

/** A state this side signed first (PROTOCOL §4 step 2) and whose last signature it awaits. */
export interface PendingState {
  readonly state: ChannelState;
  readonly hash: Uint8Array;
  /** this side's signature, already released or about to be */
  readonly sig: Uint8Array;
  /** the proposer's tag, returned to it on retransmission */
  readonly tag: Uint8Array;
}

export interface ChannelRecord {
  readonly channelId: Uint8Array;
  readonly latest: SignedState;
  readonly pending: PendingState | null;
  /** this side's secret key for proposal tags (HMAC), chosen at creation */
  readonly tagKey: Uint8Array;
}

export interface StateStore {
  /** The record of a channel, or null if the store does not know it. */
  load(channelId: Uint8Array): ChannelRecord | null;
  /** Ids of every channel the store holds. */
  channels(): Uint8Array[];
  /** Add a channel at its implicit on-chain state. Durable when the promise resolves. */
  create(record: ChannelRecord): Promise<void>;
  /**
   * Record this side's first signature on state latest+1. Refuses a nonce that is not
   * latest+1 and a different state at a nonce already signed; the same state again is a
   * no-op. Durable when the promise resolves; only then may the signature leave.
   */
  savePending(channelId: Uint8Array, pending: PendingState): Promise<void>;
  /**
   * Record a fully signed state latest+1 (clearing the pending one, which must be the
   * same state if present). The same state again is a no-op; a lower nonce is refused.
   */
  saveSigned(channelId: Uint8Array, signed: SignedState): Promise<void>;
  close(): void;
}

export const StoreCode = {
  UnknownChannel: 'STORE_UNKNOWN_CHANNEL',
  Exists: 'STORE_CHANNEL_EXISTS',
  NonceRegression: 'STORE_NONCE_REGRESSION',
  NonceGap: 'STORE_NONCE_GAP',
  Conflict: 'STORE_CONFLICT',
  Failed: 'STORE_FAILED',
  Corrupt: 'STORE_CORRUPT',
} as const;
export type StoreCode = (typeof StoreCode)[keyof typeof StoreCode];

/** The store refused a write (a compare-and-swap failed) or could not do it. */
export class StoreError extends BitStreamError {
  constructor(code: StoreCode, message: string, opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}
