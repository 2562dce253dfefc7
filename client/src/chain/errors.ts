// Contract errors as typed client errors. This module owns the table of every `(err uN)`
// constant of contracts/bitstream.clar and contracts/secret-registry.clar (name, code,
// area, meaning) and the mapping from a call's `(err uN)` result to a ContractError.
// The table is written out, never parsed at run time; tests/client/chain.test.ts checks
// it against the contracts' `define-constant ERR-…` lines so the two cannot drift.
// It must not decode anything but error codes (results live in decode.ts / readers.ts).
import type { ClarityValue } from '@stacks/transactions';
import { BitStreamError, type ErrorDetails } from '../errors/errors.js';

/** The contracts whose errors this table knows. */
export type ErrorSource = 'bitstream' | 'secret-registry';

/** Error areas and their ranges (STYLE rule 2). */
export type ErrorArea = 'authorisation' | 'channel-state' | 'signatures-and-nonces' | 'amounts-and-tokens' | 'htlc-and-secrets';

export interface ContractErrorEntry {
  /** the constant's name in the contract, e.g. ERR-STALE-NONCE: the stable error code */
  readonly name: string;
  /** N in `(err uN)` */
  readonly value: number;
  readonly source: ErrorSource;
  readonly area: ErrorArea;
  /** when it happens (the contract's comment above the constant) */
  readonly meaning: string;
}

const e = (source: ErrorSource, area: ErrorArea, name: string, value: number, meaning: string): ContractErrorEntry => ({
  source, area, name, value, meaning,
});

/** Every error constant of the two contracts. */
export const CONTRACT_ERRORS: readonly ContractErrorEntry[] = [
  e('bitstream', 'authorisation', 'ERR-NOT-PARTICIPANT', 100, 'the direct caller is not a participant of the channel'),
  e('bitstream', 'authorisation', 'ERR-NOT-ACTOR', 101, 'a deposit\'s actor is not the caller, or a withdraw\'s actor is not a participant'),
  e('bitstream', 'authorisation', 'ERR-SELF-CHANNEL', 102, 'a channel needs two different participants'),
  e('bitstream', 'channel-state', 'ERR-UNKNOWN-CHANNEL', 200, 'no channel has this id'),
  e('bitstream', 'channel-state', 'ERR-NOT-OPEN', 201, 'the operation needs an open channel'),
  e('bitstream', 'channel-state', 'ERR-NOT-CLOSING', 202, 'the operation needs a channel in its dispute window'),
  e('bitstream', 'channel-state', 'ERR-NOT-CLOSED', 203, 'the operation needs a finalised channel'),
  e('bitstream', 'channel-state', 'ERR-WINDOW-OPEN', 204, 'the dispute window has not ended yet'),
  e('bitstream', 'channel-state', 'ERR-WINDOW-ENDED', 205, 'the dispute window has ended: no more challenges'),
  e('bitstream', 'channel-state', 'ERR-BAD-WINDOW', 206, 'the requested window is outside MIN-WINDOW to MAX-WINDOW'),
  e('bitstream', 'signatures-and-nonces', 'ERR-SIGNATURE-A', 300, 'signature A is not by a signer of participant-a'),
  e('bitstream', 'signatures-and-nonces', 'ERR-SIGNATURE-B', 301, 'signature B is not by a signer of participant-b'),
  e('bitstream', 'signatures-and-nonces', 'ERR-HIGH-S', 302, 'a signature has a high S value (the malleated twin of a valid signature)'),
  e('bitstream', 'signatures-and-nonces', 'ERR-RECOVERY-ID', 303, 'a signature\'s recovery id is not 0 or 1'),
  e('bitstream', 'signatures-and-nonces', 'ERR-STALE-NONCE', 304,
    'the state\'s nonce is below the floor, or not above it where the floor must move, or not above the closing state\'s nonce in a challenge'),
  e('bitstream', 'signatures-and-nonces', 'ERR-WRONG-ACTION', 305, 'a unilateral close takes only transfer and close states'),
  e('bitstream', 'signatures-and-nonces', 'ERR-BAD-SIGNER-KEY', 306, 'a signer key must be a 33-byte compressed secp256k1 public key'),
  e('bitstream', 'signatures-and-nonces', 'ERR-SIGNATURE-LENGTH', 307, 'a signature must be 65 bytes: R || S || recovery id'),
  e('bitstream', 'signatures-and-nonces', 'ERR-STATE-EXPIRED', 308, 'a close, deposit or withdraw state used after its valid-until burn height'),
  e('bitstream', 'amounts-and-tokens', 'ERR-ZERO-AMOUNT', 400, 'an amount that must be positive is zero'),
  e('bitstream', 'amounts-and-tokens', 'ERR-SUM-MISMATCH', 401, 'balances plus HTLCs do not add up to the channel\'s escrow'),
  e('bitstream', 'amounts-and-tokens', 'ERR-WRONG-TOKEN', 402, 'the token argument is not the channel\'s token'),
  e('bitstream', 'amounts-and-tokens', 'ERR-AMOUNT-EXCEEDS-TOTAL', 403, 'a withdrawal larger than the escrow'),
  e('bitstream', 'amounts-and-tokens', 'ERR-AMOUNT-OVERFLOW', 404, 'a deposit that would overflow the escrow'),
  e('bitstream', 'amounts-and-tokens', 'ERR-NOTHING-OWED', 405, 'no refused payout waits for this participant'),
  e('bitstream', 'htlc-and-secrets', 'ERR-HTLC-INDEX', 500, 'no HTLC at this index in the final state'),
  e('bitstream', 'htlc-and-secrets', 'ERR-HTLC-SETTLED', 501, 'this HTLC was already paid out'),
  e('bitstream', 'htlc-and-secrets', 'ERR-HTLC-PENDING', 502, 'the HTLC is neither revealed by its expiry nor past it (expiries are tenure heights)'),
  e('secret-registry', 'htlc-and-secrets', 'ERR-ALREADY-REVEALED', 550,
    'the secret of this hash was already revealed: the first reveal height stands'),
];

/**
 * Codes of the native `stx-transfer?` / `ft-transfer?` failures. They are not contract
 * constants: the channel contract's `try!` around a pay-in passes them through
 * unchanged, so `create-channel` or `fund-channel` by an account short of funds fails
 * with `(err u1)`. Below u100, so they never collide with the table above.
 */
export const TRANSFER_ERRORS: readonly { readonly name: string; readonly value: number; readonly meaning: string }[] = [
  { name: 'ERR-TRANSFER-INSUFFICIENT-BALANCE', value: 1, meaning: 'the sender does not hold the amount' },
  { name: 'ERR-TRANSFER-SAME-PRINCIPAL', value: 2, meaning: 'sender and recipient are the same principal' },
  { name: 'ERR-TRANSFER-NON-POSITIVE', value: 3, meaning: 'a transfer of zero' },
  { name: 'ERR-TRANSFER-NOT-SENDER', value: 4, meaning: 'the sender is not the transaction sender' },
];

/** A contract call ended in `(err uN)`. `code` is the constant's name, stable API. */
export class ContractError extends BitStreamError {
  readonly value: number;
  readonly source: ErrorSource;
  constructor(code: string, message: string, value: number, source: ErrorSource, opts: { details?: ErrorDetails } = {}) {
    super(code, message, { details: { value, source, ...opts.details } });
    this.value = value;
    this.source = source;
  }
}

/** An `(err uN)` this client has no name for (a token contract's own code, a new constant). */
export class UnknownContractError extends ContractError {
  constructor(value: number, source: ErrorSource) {
    super('ERR-UNKNOWN', `${source} failed with unknown error u${value}`, value, source);
  }
}

/** The typed error for `(err u<value>)` returned by a call to `source`. */
export function contractError(source: ErrorSource, value: number | bigint): ContractError {
  const n = Number(value);
  const known = CONTRACT_ERRORS.find((x) => x.source === source && x.value === n);
  if (known) return new ContractError(known.name, known.meaning, n, source, { details: { area: known.area } });
  const transfer = TRANSFER_ERRORS.find((x) => x.value === n);
  if (transfer) return new ContractError(transfer.name, transfer.meaning, n, source);
  return new UnknownContractError(n, source);
}

/**
 * Why a mined call to the channel contract did not succeed, for a person: the contract's
 * error name for its `(err uN)` (ERR-WINDOW-OPEN…), else the transaction's status
 * (abort_by_post_condition, dropped_…).
 */
export function failedCallCode(tx: { readonly status: string; readonly result: ClarityValue | null }): string {
  return tx.result?.type === 'err' && tx.result.value.type === 'uint' ? contractError('bitstream', BigInt(tx.result.value.value)).code : tx.status;
}

/** A result that is not `(err uint)` where one was expected. */
export class UnexpectedResultError extends BitStreamError {
  constructor(message: string, details: ErrorDetails) {
    super('UNEXPECTED_RESULT', message, { details });
  }
}

/**
 * The ok value of a `(response …)` returned by `source`, or its `(err uN)` as a thrown
 * ContractError.
 */
export function unwrapResponse(result: ClarityValue, source: ErrorSource): ClarityValue {
  if (result.type === 'ok') return result.value;
  if (result.type === 'err' && result.value.type === 'uint') throw contractError(source, BigInt(result.value.value));
  throw new UnexpectedResultError(`expected a response from ${source}`, { type: result.type });
}
