// The durable store's contract: what a channel keeps so it can always enforce its
// balance (PROTOCOL §8): its newest fully signed state, the state that one was built on,
// its newest fully signed closable state (what a close, a challenge or a watchtower
// uses), at most one state it signed first and awaits the last signature on, its own
// proposals it refused to complete, every HTLC secret it learned, and the outcome of
// every payment with an id. The compare-and-swap rules every implementation enforces
// are in rules.ts. The store never signs, hashes or talks to the network.
import type { ChannelState } from '../codec/state.js';
import { BitStreamError, type ErrorDetails } from '../errors/errors.js';

/** A state with both signatures; the on-chain implicit state (nonce 0) has none. */
export interface SignedState {
  readonly state: ChannelState;
  readonly hash: Uint8Array;
  readonly sigA: Uint8Array | null;
  readonly sigB: Uint8Array | null;
}

/** A state this side signed first (PROTOCOL §4.4 step 2) and whose last signature it awaits. */
export interface PendingState {
  readonly state: ChannelState;
  readonly hash: Uint8Array;
  /** this side's signature, already released or about to be */
  readonly sig: Uint8Array;
  /** the proposer's tag, returned to it on retransmission */
  readonly tag: Uint8Array;
  /** built on the base of the newest state, whose chain state lapsed (PROTOCOL §4.3) */
  readonly lapsed: boolean;
}

export interface ChannelRecord {
  readonly channelId: Uint8Array;
  readonly latest: SignedState;
  /** the state `latest` was built on, kept while `latest` is a chain state (close, deposit, withdraw); else null */
  readonly base: SignedState | null;
  /** the newest fully signed transfer or close state (or the implicit state): what closes and challenges use */
  readonly closable: SignedState;
  readonly pending: PendingState | null;
  /** this side's secret key for proposal tags (HMAC), chosen at creation */
  readonly tagKey: Uint8Array;
  /** hashes of our proposals at nonce latest+1 that we will never sign (their payments were reported failed) */
  readonly abandoned: readonly Uint8Array[];
}

/** A payment with an id, as far as this side knows it. */
export interface PaymentRecord {
  readonly id: string;
  readonly channelId: Uint8Array;
  readonly amount: bigint;
  /** in-flight: in a proposal that may still complete; completed and failed are final */
  readonly status: 'in-flight' | 'completed' | 'failed';
  /** the nonce and state hash of the proposal that carries (or carried) it */
  readonly nonce: bigint;
  readonly hash: Uint8Array;
  /** why it failed: an error code */
  readonly reason?: string;
}

export interface SaveSignedOptions {
  /** the state was built on latest's base, because latest (a chain state) lapsed */
  readonly lapsed?: boolean;
  /** payment records written in the same commit (the payments this state completes) */
  readonly payments?: readonly PaymentRecord[];
}

export interface StateStore {
  /** The record of a channel, or null if the store does not know it. */
  load(channelId: Uint8Array): ChannelRecord | null;
  /** Ids of every channel the store holds. */
  channels(): Uint8Array[];
  /** Add a channel at its implicit on-chain state. Durable when the promise resolves. */
  create(record: ChannelRecord): Promise<void>;
  /**
   * Record this side's first signature on state latest+1 (or latest+2, passing over an
   * offer: a pending state at a lower nonce is superseded). Refuses any other nonce, a
   * different state at a nonce already signed and one below the pending state; the same
   * state again is a no-op. Durable when the promise resolves; only then may the
   * signature leave.
   */
  savePending(channelId: Uint8Array, pending: PendingState): Promise<void>;
  /**
   * Record a fully signed state latest+1 or latest+2 (clearing the pending one, which
   * must be the same state if it is at this nonce or above), with the payment records it
   * settles. The same state again is a no-op; a lower nonce is refused.
   */
  saveSigned(channelId: Uint8Array, signed: SignedState, opts?: SaveSignedOptions): Promise<void>;
  /** Never sign our proposal `hash` at nonce latest+1; durable before its payments are reported failed. */
  saveAbandoned(channelId: Uint8Array, hash: Uint8Array): Promise<void>;
  /** Keep an HTLC secret this side learned; durable before anything acts on it. */
  saveSecret(channelId: Uint8Array, secret: Uint8Array): Promise<void>;
  /** The secrets kept for a channel, by the hex of their hash. */
  secrets(channelId: Uint8Array): ReadonlyMap<string, Uint8Array>;
  /** Write payment records (their in-flight proposal, or a failure) durably. */
  savePayments(records: readonly PaymentRecord[]): Promise<void>;
  /** A payment by id, or null if this store never recorded it. */
  payment(id: string): PaymentRecord | null;
  /** Payments of a channel still in flight (after a restart: the proposals that may yet complete). */
  inFlight(channelId: Uint8Array): PaymentRecord[];
  close(): void | Promise<void>;
}

export const StoreCode = {
  UnknownChannel: 'STORE_UNKNOWN_CHANNEL',
  Exists: 'STORE_CHANNEL_EXISTS',
  NonceRegression: 'STORE_NONCE_REGRESSION',
  NonceGap: 'STORE_NONCE_GAP',
  Conflict: 'STORE_CONFLICT',
  Failed: 'STORE_FAILED',
  Corrupt: 'STORE_CORRUPT',
  Version: 'STORE_VERSION',
  /** another process (or another store object) owns this store file */
  Locked: 'STORE_LOCKED',
} as const;
export type StoreCode = (typeof StoreCode)[keyof typeof StoreCode];

/** The store refused a write (a compare-and-swap failed) or could not do it. */
export class StoreError extends BitStreamError {
  constructor(code: StoreCode, message: string, opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}
