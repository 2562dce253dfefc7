// The x402 scheme's errors (client side) and the reasons a server refuses a payment
// (they travel as x402's invalidReason / errorReason strings).
import { BitStreamError, type ErrorDetails } from '../errors/errors.js';

export const X402Code = {
  /** the price is above the per-request cap */
  OverRequestCap: 'X402_OVER_REQUEST_CAP',
  /** paying would pass the total cap */
  OverTotalCap: 'X402_OVER_TOTAL_CAP',
  /** paying would pass the allowance of this origin (or the origin has none) */
  OverOriginAllowance: 'X402_OVER_ORIGIN_ALLOWANCE',
  /** the channel's own balance is below the price */
  BalanceShort: 'X402_BALANCE_SHORT',
  /** no channel with the server's payTo, network and asset */
  NoChannel: 'X402_NO_CHANNEL',
  /** the server refused the proposal (its reason is in details) */
  Refused: 'X402_REFUSED',
  /** the server failed or went away while the proposal was out: the payment's outcome is the channel's to finish */
  Unanswered: 'X402_UNANSWERED',
  /** the server's 402 or receipt does not parse or does not match what was proposed */
  BadServerReply: 'X402_BAD_SERVER_REPLY',
  /** the price is not an amount in the token's smallest unit */
  BadPrice: 'X402_BAD_PRICE',
  /** the network is not a Stacks one */
  BadNetwork: 'X402_BAD_NETWORK',
} as const;
export type X402Code = (typeof X402Code)[keyof typeof X402Code];

export class X402Error extends BitStreamError {
  constructor(code: X402Code, message: string, opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}

/** Why a server refuses a payment: x402's invalidReason / errorReason, stable strings. */
export const RefusalReason = {
  /** the payload or the proposal header does not parse */
  Malformed: 'bitstream_malformed',
  /** no channel with that id is served here */
  UnknownChannel: 'bitstream_unknown_channel',
  /** the channel is in another token than the route's price */
  WrongToken: 'bitstream_wrong_token',
  /** the proposal does not pay exactly the price */
  WrongAmount: 'bitstream_wrong_amount',
  /** the state's data is not this request's binding (another route, method or payment id) */
  OtherRequest: 'bitstream_other_request',
  /** the state was already used to pay, or is older than the channel's newest */
  Replayed: 'bitstream_replayed',
  /** there is no offer of this server awaiting that signature */
  NoOffer: 'bitstream_no_offer',
  /** the signature is not the payer's on the offered state */
  BadSignature: 'bitstream_bad_signature',
  /** the channel refused the proposal (its code is in the message) */
  ChannelRefused: 'bitstream_channel_refused',
  /** a charge after the handler for a payment this server did not settle before it (or already charged) */
  NotSettled: 'bitstream_not_settled',
  /** the proposal is at the nonce of an offer of ours that stands: propose at the nonce after it (PROTOCOL §4.5) */
  OfferStanding: 'bitstream_offer_standing',
} as const;
export type RefusalReason = (typeof RefusalReason)[keyof typeof RefusalReason];
