// The on-chain channel record (the contract's `channels` map value) as a typed object,
// and its decoder. Readers (get-channel) and events (every print carries the complete
// post-state record) both decode through `decodeChannelRecord`, so the two cannot
// disagree. No I/O.
import type { ClarityValue, TupleCV } from '@stacks/transactions';
import type { Htlc } from '../codec/state.js';
import { DecodeError, asBool, asBuffer, asList, asOptional, asPrincipal, asTuple, asUint, entry } from './decode.js';

/** The contract's STATUS-* constants. */
export const ChannelStatus = { Open: 0n, Closing: 1n, Closed: 2n } as const;
export type ChannelStatus = (typeof ChannelStatus)[keyof typeof ChannelStatus];

export interface ChannelRecord {
  readonly participantA: string;
  readonly participantB: string;
  /** the SIP-010 token contract, null for STX */
  readonly token: string | null;
  /** dispute window in burn blocks */
  readonly window: bigint;
  /** what the contract holds for the channel now */
  readonly total: bigint;
  readonly status: ChannelStatus;
  /** while open: the floor (last checkpoint); once closing: the closing state's nonce */
  readonly nonce: bigint;
  readonly balanceA: bigint;
  readonly balanceB: bigint;
  readonly htlcs: readonly Htlc[];
  /** who started the window (or closed cooperatively) */
  readonly closer: string | null;
  readonly deadlineBurn: bigint;
  readonly deadlineTenure: bigint;
  /** set by a challenge that proved the closer used a revoked state (PROTOCOL 6.3) */
  readonly cheater: string | null;
}

export function decodeHtlc(cv: ClarityValue, field: string): Htlc {
  const t = asTuple(cv, field);
  return {
    hash: asBuffer(entry(t, 'hash', field), `${field}.hash`, 32),
    amount: asUint(entry(t, 'amount', field), `${field}.amount`),
    expiry: asUint(entry(t, 'expiry', field), `${field}.expiry`),
    offeredByA: asBool(entry(t, 'offered-by-a', field), `${field}.offered-by-a`),
  };
}

function decodeStatus(cv: ClarityValue, field: string): ChannelStatus {
  const s = asUint(cv, field);
  if (s !== ChannelStatus.Open && s !== ChannelStatus.Closing && s !== ChannelStatus.Closed) {
    throw new DecodeError(field, 'status u0, u1 or u2', `u${s}`);
  }
  return s;
}

/** Decode the record's fields from a tuple that holds them (a map value or a print event). */
export function decodeChannelRecordFields(t: TupleCV['value'], field = 'channel'): ChannelRecord {
  const f = (k: string) => entry(t, k, field);
  return {
    participantA: asPrincipal(f('participant-a'), `${field}.participant-a`),
    participantB: asPrincipal(f('participant-b'), `${field}.participant-b`),
    token: asOptional(f('token'), `${field}.token`, asPrincipal),
    window: asUint(f('window'), `${field}.window`),
    total: asUint(f('total'), `${field}.total`),
    status: decodeStatus(f('status'), `${field}.status`),
    nonce: asUint(f('nonce'), `${field}.nonce`),
    balanceA: asUint(f('balance-a'), `${field}.balance-a`),
    balanceB: asUint(f('balance-b'), `${field}.balance-b`),
    htlcs: asList(f('htlcs'), `${field}.htlcs`, decodeHtlc),
    closer: asOptional(f('closer'), `${field}.closer`, asPrincipal),
    deadlineBurn: asUint(f('deadline-burn'), `${field}.deadline-burn`),
    deadlineTenure: asUint(f('deadline-tenure'), `${field}.deadline-tenure`),
    cheater: asOptional(f('cheater'), `${field}.cheater`, asPrincipal),
  };
}

export function decodeChannelRecord(cv: ClarityValue): ChannelRecord {
  return decodeChannelRecordFields(asTuple(cv, 'channel'));
}
