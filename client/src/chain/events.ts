// Decoding of the contracts' print events into typed ChannelEvents. The channel contract
// prints the complete post-state checkpoint on every state-changing call (create-channel's
// print adds the identity: participants, token, window), plus `add-signer`,
// `settle-htlc`, `payout-refused` and `claim`; the registry prints `reveal-secret`. A print counts
// only when it comes from the channel contract or registry the caller names: any
// contract can print a tuple that looks like a close, and a watchtower that believed it
// could be made to act on a forgery. No I/O.
import type { ClarityValue } from '@stacks/transactions';
import { asAscii, asBool, asBuffer, asPrincipal, asUint, entry } from './decode.js';
import {
  decodeChannelCheckpoint, decodeChannelIdentity, type ChannelCheckpoint, type ChannelIdentity,
} from './record.js';

/** Calls whose print is the channel's post-state checkpoint. */
export const RECORD_EVENTS = [
  'create-channel', 'fund-channel', 'update-balance', 'withdraw', 'close-channel',
  'initiate-dispute', 'emergency-close', 'challenge', 'resolve',
] as const;
export type RecordEventKind = (typeof RECORD_EVENTS)[number];

export interface RecordEvent {
  readonly kind: RecordEventKind;
  readonly channelId: Uint8Array;
  /** where the channel stands after the call */
  readonly checkpoint: ChannelCheckpoint;
  /** who and what: only create-channel's event carries it (it never changes) */
  readonly identity: ChannelIdentity | null;
}

export interface SettleHtlcEvent {
  readonly kind: 'settle-htlc';
  readonly channelId: Uint8Array;
  readonly checkpoint: ChannelCheckpoint;
  readonly index: bigint;
  readonly payee: string;
  readonly amount: bigint;
  /** paid to the receiver because the secret was revealed by the expiry */
  readonly preimageRevealed: boolean;
}

export interface AddSignerEvent {
  readonly kind: 'add-signer';
  readonly channelId: Uint8Array;
  readonly owner: string;
  readonly key: Uint8Array;
}

export interface RevealSecretEvent {
  readonly kind: 'reveal-secret';
  readonly hash: Uint8Array;
  readonly secret: Uint8Array;
  /** tenure height of the reveal (HTLC expiries count tenures) */
  readonly height: bigint;
  readonly burnHeight: bigint;
}

/** A payout the token refused at close-channel or resolve (claimable), or a claim of one. */
export interface PayoutEvent {
  readonly kind: 'payout-refused' | 'claim';
  readonly channelId: Uint8Array;
  readonly owner: string;
  readonly amount: bigint;
}

export type ChannelEvent = RecordEvent | SettleHtlcEvent | AddSignerEvent | RevealSecretEvent | PayoutEvent;

/** A print as a node or the simnet reports it: the printing contract and the value. */
export interface PrintEvent {
  readonly contract: string;
  readonly value: ClarityValue;
}

/** Which deployments to believe. */
export interface EventSources {
  /** the channel contract principal, e.g. ST1….bitstream */
  readonly channel: string;
  /** the secret registry principal */
  readonly registry: string;
}

const isRecordKind = (s: string): s is RecordEventKind => (RECORD_EVENTS as readonly string[]).includes(s);

/**
 * The ChannelEvent of a print, or null when the print is not one of ours (another
 * contract, or a print without a known `event`, such as a token transfer's memo). A
 * print of ours whose fields are wrong is a DecodeError: it means the client and the
 * deployed contract disagree, which must not pass silently.
 */
export function decodeChannelEvent(print: PrintEvent, sources: EventSources): ChannelEvent | null {
  if (print.contract !== sources.channel && print.contract !== sources.registry) return null;
  if (print.value.type !== 'tuple') return null;
  const t = print.value.value;
  const tag = t['event'];
  if (tag === undefined || tag.type !== 'ascii') return null;
  const kind = asAscii(tag, 'event');
  const field = `event ${kind}`;

  if (print.contract === sources.registry) {
    if (kind !== 'reveal-secret') return null;
    return {
      kind,
      hash: asBuffer(entry(t, 'hash', field), `${field}.hash`, 32),
      secret: asBuffer(entry(t, 'secret', field), `${field}.secret`),
      height: asUint(entry(t, 'height', field), `${field}.height`),
      burnHeight: asUint(entry(t, 'burn-height', field), `${field}.burn-height`),
    };
  }
  const channelId = asBuffer(entry(t, 'channel-id', field), `${field}.channel-id`, 32);
  if (kind === 'add-signer') {
    return {
      kind,
      channelId,
      owner: asPrincipal(entry(t, 'owner', field), `${field}.owner`),
      key: asBuffer(entry(t, 'key', field), `${field}.key`, 33),
    };
  }
  if (kind === 'payout-refused' || kind === 'claim') {
    return {
      kind,
      channelId,
      owner: asPrincipal(entry(t, 'owner', field), `${field}.owner`),
      amount: asUint(entry(t, 'amount', field), `${field}.amount`),
    };
  }
  if (kind !== 'settle-htlc' && !isRecordKind(kind)) return null;
  const checkpoint = decodeChannelCheckpoint(t, field);
  if (kind === 'settle-htlc') {
    return {
      kind,
      channelId,
      checkpoint,
      index: asUint(entry(t, 'index', field), `${field}.index`),
      payee: asPrincipal(entry(t, 'payee', field), `${field}.payee`),
      amount: asUint(entry(t, 'amount', field), `${field}.amount`),
      preimageRevealed: asBool(entry(t, 'preimage-revealed', field), `${field}.preimage-revealed`),
    };
  }
  return { kind, channelId, checkpoint, identity: kind === 'create-channel' ? decodeChannelIdentity(t, field) : null };
}

/** Decode a call's prints, in order, keeping ours. */
export function decodeChannelEvents(prints: readonly PrintEvent[], sources: EventSources): ChannelEvent[] {
  const out: ChannelEvent[] = [];
  for (const p of prints) {
    const ev = decodeChannelEvent(p, sources);
    if (ev !== null) out.push(ev);
  }
  return out;
}
