// Read-only views of the channel contract and the secret registry, decoded into typed
// values (bigints, Uint8Arrays, ChannelRecord). Every reader takes a ChainContext whose
// ReadOnlyCaller is injected: HTTP against a node, or the simnet in tests; the readers
// are the same code either way. Contract errors come back as typed ContractErrors.
import { Cl, type ClarityValue } from '@stacks/transactions';
import { stateToClarity, type ChannelState } from '../codec/state.js';
import { ContractError, unwrapResponse } from './errors.js';
import { asBuffer, asBool, asOptional, asPrincipal, asTuple, asUint, entry } from './decode.js';
import type { ReadOnlyCaller } from './read-only-caller.js';
import { decodeChannelRecord, type ChannelRecord } from './record.js';
import { signedArgs, type SignedState } from './signed.js';
import { bytes, principal, splitContract } from './validate.js';

export interface ChainContext {
  readonly caller: ReadOnlyCaller;
  /** the channel contract, ADDRESS.name */
  readonly contract: string;
  /** the secret registry, ADDRESS.name */
  readonly registry: string;
  /** the sender read-only calls run as; the contract's deployer if not given */
  readonly sender?: string;
}

function read(ctx: ChainContext, contract: string, fn: string, args: ClarityValue[]): Promise<ClarityValue> {
  return ctx.caller.call(contract, fn, args, ctx.sender ?? splitContract(contract, 'contract').address);
}

/** The channel record, or null if no channel has this id. */
export async function getChannel(ctx: ChainContext, o: { channelId: Uint8Array }): Promise<ChannelRecord | null> {
  const cv = await read(ctx, ctx.contract, 'get-channel', [Cl.buffer(bytes(o.channelId, 32, 'channelId'))]);
  return asOptional(cv, 'get-channel', (v) => decodeChannelRecord(v));
}

/**
 * Did `owner` authorise `key` to sign for it in channel `channelId` (create-channel,
 * fund-channel or add-signer; PROTOCOL §1)? Its own key is not listed: that one always may.
 */
export async function isAuthorisedSigner(ctx: ChainContext, o: { channelId: Uint8Array; owner: string; key: Uint8Array }): Promise<boolean> {
  const cv = await read(ctx, ctx.contract, 'is-authorised-signer', [
    Cl.buffer(bytes(o.channelId, 32, 'channelId')), Cl.principal(principal(o.owner, 'owner')), Cl.buffer(bytes(o.key, 33, 'key')),
  ]);
  return asBool(cv, 'is-authorised-signer');
}

/** The id the next create-channel by `a` with `b` in `token` (null = STX) returns. */
export async function getNextChannelId(
  ctx: ChainContext,
  o: { participantA: string; participantB: string; token: string | null },
): Promise<Uint8Array> {
  const cv = await read(ctx, ctx.contract, 'get-next-channel-id', [
    Cl.principal(principal(o.participantA, 'participantA')),
    Cl.principal(principal(o.participantB, 'participantB')),
    o.token === null ? Cl.none() : Cl.some(Cl.principal(principal(o.token, 'token'))),
  ]);
  return asBuffer(cv, 'get-next-channel-id', 32);
}

/** The SIP-018 hash the contract checks signatures of `state` against. */
export async function getStateHash(ctx: ChainContext, o: { state: ChannelState }): Promise<Uint8Array> {
  const cv = await read(ctx, ctx.contract, 'get-state-hash', [stateToClarity(o.state)]);
  return asBuffer(cv, 'get-state-hash', 32);
}

export type PaymentVerdict =
  | {
      readonly valid: true;
      readonly participantA: string;
      readonly paysA: bigint;
      readonly participantB: string;
      readonly paysB: bigint;
      readonly htlcTotal: bigint;
    }
  | { readonly valid: false; readonly error: ContractError };

/**
 * Is this signed state valid for its channel now, and what does it pay whom? A refusal
 * is an answer, not a failure: it comes back as `valid: false` with the typed error.
 */
export async function verifyPayment(ctx: ChainContext, o: { signed: SignedState }): Promise<PaymentVerdict> {
  const cv = await read(ctx, ctx.contract, 'verify-payment', signedArgs('verify-payment', o.signed));
  let ok: ClarityValue;
  try {
    ok = unwrapResponse(cv, 'bitstream');
  } catch (error) {
    if (error instanceof ContractError) return { valid: false, error };
    throw error;
  }
  const t = asTuple(ok, 'verify-payment');
  const f = (k: string) => entry(t, k, 'verify-payment');
  return {
    valid: true,
    participantA: asPrincipal(f('participant-a'), 'participant-a'),
    paysA: asUint(f('pays-a'), 'pays-a'),
    participantB: asPrincipal(f('participant-b'), 'participant-b'),
    paysB: asUint(f('pays-b'), 'pays-b'),
    htlcTotal: asUint(f('htlc-total'), 'htlc-total'),
  };
}

/** The tenure height at which `hash`'s secret was first revealed, or null (HTLC expiries are tenure heights). */
export async function getRevealHeight(ctx: ChainContext, o: { hash: Uint8Array }): Promise<bigint | null> {
  const cv = await read(ctx, ctx.registry, 'get-reveal-height', [Cl.buffer(bytes(o.hash, 32, 'hash'))]);
  return asOptional(cv, 'get-reveal-height', asUint);
}

/** Has HTLC `index` of a finalised channel been paid out? */
export async function isHtlcSettled(ctx: ChainContext, o: { channelId: Uint8Array; index: number }): Promise<boolean> {
  const cv = await read(ctx, ctx.contract, 'is-htlc-settled', [Cl.buffer(bytes(o.channelId, 32, 'channelId')), Cl.uint(o.index)]);
  return asBool(cv, 'is-htlc-settled');
}

/** Has the window of a closing channel ended, in burn blocks and tenures both? */
export async function isWindowEnded(ctx: ChainContext, o: { channelId: Uint8Array }): Promise<boolean> {
  const cv = await read(ctx, ctx.contract, 'is-window-ended', [Cl.buffer(bytes(o.channelId, 32, 'channelId'))]);
  return asBool(cv, 'is-window-ended');
}

/** A payout the channel's token refused, waiting for `owner` to be claimed (PROTOCOL 6.5). */
export async function getUnpaid(ctx: ChainContext, o: { channelId: Uint8Array; owner: string }): Promise<bigint> {
  const cv = await read(ctx, ctx.contract, 'get-unpaid', [Cl.buffer(bytes(o.channelId, 32, 'channelId')), Cl.principal(principal(o.owner, 'owner'))]);
  return asUint(cv, 'get-unpaid');
}
