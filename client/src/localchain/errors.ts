// Errors of the local chain. A MempoolRejection is a refusal of POST /v2/transactions,
// rendered in the Stacks node's shape ({error: 'transaction rejected', reason,
// reason_data, txid}, stacks-core `MemPoolRejection::into_json`) so a client cannot tell
// this server from a node. A LocalChainError is anything else the server refuses
// (a bad request to another endpoint, a replay that diverged). Codes are stable API.
import { BitStreamError, type ErrorDetails } from '../errors/errors.js';

/** The node's rejection reasons this server produces (stacks-core names, verbatim). */
export type RejectionReason =
  | 'Serialization'
  | 'Deserialization'
  | 'SignatureValidation'
  | 'BadTransactionVersion'
  | 'BadNonce'
  | 'ConflictingNonceInMempool'
  | 'FeeTooLow'
  | 'NotEnoughFunds'
  | 'NoSuchContract'
  | 'NoSuchPublicFunction'
  | 'BadFunctionArgument'
  | 'ContractAlreadyExists'
  | 'TransferRecipientCannotEqualSender'
  | 'TransferAmountMustBePositive'
  | 'NoCoinbaseViaMempool'
  | 'ServerFailureOther';

export type ReasonData = Readonly<Record<string, string | number | boolean>>;

/** The JSON body of a refused POST /v2/transactions. */
export interface RejectionBody {
  readonly error: 'transaction rejected';
  readonly reason: RejectionReason;
  readonly reason_data: ReasonData;
  readonly txid: string;
}

export class MempoolRejection extends BitStreamError {
  readonly reason: RejectionReason;
  readonly reasonData: ReasonData;
  readonly txid: string;
  constructor(reason: RejectionReason, reasonData: ReasonData, txid: string, opts: { cause?: unknown } = {}) {
    const message = typeof reasonData['message'] === 'string' ? `${reason}: ${reasonData['message']}` : reason;
    super(`LOCALCHAIN_REJECTED_${reason.toUpperCase()}`, message, { details: { reason, txid, ...reasonData }, cause: opts.cause });
    this.reason = reason;
    this.reasonData = reasonData;
    this.txid = txid;
  }

  /** The node's body. Unlike the node, reason_data is always present (a message at least). */
  toJSON(): RejectionBody {
    return { error: 'transaction rejected', reason: this.reason, reason_data: this.reasonData, txid: this.txid };
  }
}

export type LocalChainErrorCode =
  | 'LOCALCHAIN_BAD_REQUEST' // a request body or path that does not parse
  | 'LOCALCHAIN_NOT_FOUND' // no such route, transaction, contract or function
  | 'LOCALCHAIN_REPLAY_DIVERGED' // a rebuild replayed the journal to a different result
  | 'LOCALCHAIN_STOPPED'; // the chain was stopped

export class LocalChainError extends BitStreamError {
  declare readonly code: LocalChainErrorCode;
  constructor(code: LocalChainErrorCode, message: string, opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}

/** NotEnoughFunds amounts: 0x-prefixed, 32 hex digits, big-endian (as the node). */
export function u128Hex(n: bigint): string {
  return `0x${n.toString(16).padStart(32, '0')}`;
}
