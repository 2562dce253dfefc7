// The channel's refusals, each with a stable code. A refusal never changes the channel's
// state. ProtocolError: the peer's input breaks a rule of PROTOCOL §3–5; UsageError: the
// local caller asked for something invalid; RemoteError: the peer refused our proposal.
import { BitStreamError, InvalidInputError, type ErrorDetails } from '../errors/errors.js';

export const ChannelCode = {
  // input the local caller gives
  InvalidAmount: 'CHANNEL_INVALID_AMOUNT',
  InsufficientBalance: 'CHANNEL_INSUFFICIENT_BALANCE',
  Reserve: 'CHANNEL_RESERVE',
  // the peer's messages
  UnknownChannel: 'CHANNEL_UNKNOWN',
  WrongNonce: 'CHANNEL_WRONG_NONCE',
  StaleNonce: 'CHANNEL_STALE_NONCE',
  SumMismatch: 'CHANNEL_SUM_MISMATCH',
  BalanceMismatch: 'CHANNEL_BALANCE_MISMATCH',
  StateMismatch: 'CHANNEL_STATE_MISMATCH',
  OwedDecrease: 'CHANNEL_RESPONDER_OWED_DECREASES',
  BadValidUntil: 'CHANNEL_BAD_VALID_UNTIL',
  DoubleSign: 'CHANNEL_DOUBLE_SIGN',
  Collision: 'CHANNEL_COLLISION',
  Unexpected: 'CHANNEL_UNEXPECTED_MESSAGE',
  BadTag: 'CHANNEL_BAD_TAG',
  // HTLCs (PROTOCOL §5)
  HtlcExpiryTooClose: 'HTLC_EXPIRY_TOO_CLOSE',
  HtlcUnknown: 'HTLC_UNKNOWN',
  HtlcBadSecret: 'HTLC_BAD_SECRET',
  HtlcNotExpired: 'HTLC_NOT_EXPIRED',
  HtlcExpired: 'HTLC_EXPIRED',
  HtlcSecretKnown: 'HTLC_SECRET_KNOWN',
  HtlcLimit: 'HTLC_LIMIT',
  HtlcDuplicate: 'HTLC_DUPLICATE',
  // lifecycle
  NotReady: 'CHANNEL_NOT_READY',
  Closed: 'CHANNEL_CLOSED',
  BadOps: 'CHANNEL_BAD_OPS',
  Abandoned: 'CHANNEL_ABANDONED_PROPOSAL',
  // offers (PROTOCOL §4.5)
  Busy: 'CHANNEL_BUSY',
  OfferGone: 'CHANNEL_OFFER_GONE',
  OfferPassed: 'CHANNEL_OFFER_PASSED',
  // payments (PROTOCOL §8)
  PaymentPending: 'PAYMENT_PENDING',
  PaymentFailed: 'PAYMENT_FAILED',
  PaymentTimeout: 'PAYMENT_TIMEOUT',
  PaymentAborted: 'PAYMENT_ABORTED',
  BadPaymentId: 'PAYMENT_BAD_ID',
  PaymentIdConflict: 'PAYMENT_ID_CONFLICT',
} as const;
export type ChannelCode = (typeof ChannelCode)[keyof typeof ChannelCode];

type Opts = { details?: ErrorDetails; cause?: unknown };

/** The peer's message breaks a protocol rule; refused, nothing changed. */
export class ProtocolError extends BitStreamError {
  constructor(code: ChannelCode, message: string, opts: Opts = {}) {
    super(code, message, opts);
  }
}

/** The local caller asked for something the channel cannot do. */
export class UsageError extends InvalidInputError {
  constructor(code: ChannelCode, message: string, opts: Opts = {}) {
    super(code, message, opts);
  }
}

/** The peer refused our proposal with this code. */
export class RemoteError extends BitStreamError {
  constructor(code: string, message: string, opts: Opts = {}) {
    super(code, message, opts);
  }
}
