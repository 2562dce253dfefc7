// The on-chain channel as typed objects: its identity (the contract's `channels` map:
// who and what, fixed at creation), its checkpoint (the `checkpoints` map: where it
// stands) and the record that joins them (what get-channel returns). Readers and events
// decode through the same functions here, so the two cannot disagree. The contract
// stores closer and cheater as 0 nobody / 1 participant-a / 2 participant-b; the record
// names the principal. No I/O.
import type { ClarityValue, TupleCV } from '@stacks/transactions';
import type { Htlc } from '../codec/state.js';
import { DecodeError, asBool, asBuffer, asList, asOptional, asPrincipal, asTuple, asUint, entry } from './decode.js';

/** The contract's STATUS-* constants. */
export const ChannelStatus = { Open: 0n, Closing: 1n, Closed: 2n } as const;
export type ChannelStatus = (typeof ChannelStatus)[keyof typeof ChannelStatus];

/** Who: the contract's NOBODY / PARTY-A / PARTY-B. */
export type Party = 'a' | 'b' | null;

/** What never changes after create-channel. */
export interface ChannelIdentity {
  readonly participantA: string;
  readonly participantB: string;
  /** the SIP-010 token contract, null for STX */
  readonly token: string | null;
  /** dispute window in burn blocks */
  readonly window: bigint;
}

/** Where the channel stands (every state-changing event carries it whole). */
export interface ChannelCheckpoint {
  /** what the contract holds for the channel now */
  readonly total: bigint;
  readonly status: ChannelStatus;
  /** while open: the floor (last checkpoint); once closing: the closing state's nonce */
  readonly nonce: bigint;
  readonly balanceA: bigint;
  readonly balanceB: bigint;
  readonly htlcs: readonly Htlc[];
  /** who started the window (or closed cooperatively) */
  readonly closer: Party;
  readonly deadlineBurn: bigint;
  readonly deadlineTenure: bigint;
  /** set by a challenge that proved the closer used a revoked state (PROTOCOL 6.3) */
  readonly cheater: Party;
}

/** The channel as get-channel reads it: identity and checkpoint, closer and cheater named. */
export interface ChannelRecord extends ChannelIdentity, Omit<ChannelCheckpoint, 'closer' | 'cheater'> {
  readonly closer: string | null;
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

function decodeParty(cv: ClarityValue, field: string): Party {
  const p = asUint(cv, field);
  if (p === 0n) return null;
  if (p === 1n) return 'a';
  if (p === 2n) return 'b';
  throw new DecodeError(field, 'party u0, u1 or u2', `u${p}`);
}

/** The principal a Party names in a channel. */
export function partyPrincipal(identity: Pick<ChannelIdentity, 'participantA' | 'participantB'>, party: Party): string | null {
  return party === null ? null : party === 'a' ? identity.participantA : identity.participantB;
}

/** The identity fields of a tuple that holds them (get-channel, the create-channel event). */
export function decodeChannelIdentity(t: TupleCV['value'], field = 'channel'): ChannelIdentity {
  const f = (k: string) => entry(t, k, field);
  return {
    participantA: asPrincipal(f('participant-a'), `${field}.participant-a`),
    participantB: asPrincipal(f('participant-b'), `${field}.participant-b`),
    token: asOptional(f('token'), `${field}.token`, asPrincipal),
    window: asUint(f('window'), `${field}.window`),
  };
}

/** The checkpoint fields of a tuple that holds them (get-channel, every state event). */
export function decodeChannelCheckpoint(t: TupleCV['value'], field = 'channel'): ChannelCheckpoint {
  const f = (k: string) => entry(t, k, field);
  return {
    total: asUint(f('total'), `${field}.total`),
    status: decodeStatus(f('status'), `${field}.status`),
    nonce: asUint(f('nonce'), `${field}.nonce`),
    balanceA: asUint(f('balance-a'), `${field}.balance-a`),
    balanceB: asUint(f('balance-b'), `${field}.balance-b`),
    htlcs: asList(f('htlcs'), `${field}.htlcs`, decodeHtlc),
    closer: decodeParty(f('closer'), `${field}.closer`),
    deadlineBurn: asUint(f('deadline-burn'), `${field}.deadline-burn`),
    deadlineTenure: asUint(f('deadline-tenure'), `${field}.deadline-tenure`),
    cheater: decodeParty(f('cheater'), `${field}.cheater`),
  };
}

/** The record of a channel from its identity and a checkpoint. */
export function joinRecord(identity: ChannelIdentity, cp: ChannelCheckpoint): ChannelRecord {
  return {
    ...identity,
    total: cp.total,
    status: cp.status,
    nonce: cp.nonce,
    balanceA: cp.balanceA,
    balanceB: cp.balanceB,
    htlcs: cp.htlcs,
    closer: partyPrincipal(identity, cp.closer),
    deadlineBurn: cp.deadlineBurn,
    deadlineTenure: cp.deadlineTenure,
    cheater: partyPrincipal(identity, cp.cheater),
  };
}

/** Decode the record from a tuple that holds all its fields (get-channel). */
export function decodeChannelRecordFields(t: TupleCV['value'], field = 'channel'): ChannelRecord {
  return joinRecord(decodeChannelIdentity(t, field), decodeChannelCheckpoint(t, field));
}

export function decodeChannelRecord(cv: ClarityValue): ChannelRecord {
  return decodeChannelRecordFields(asTuple(cv, 'channel'));
}
