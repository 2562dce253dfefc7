// Builders for closing a channel: the cooperative close-channel, the unilateral
// initiate-dispute and emergency-close, the watchtower's challenge, resolve, and claim
// of a refused payout. Only close-channel, resolve and claim move funds, all out of the
// contract; the others get no post-conditions, so in deny mode they can move nothing at
// all. No I/O.
import { Cl } from '@stacks/transactions';
import { InvalidInputError } from '../errors/errors.js';
import { contractCall, type ContractCall } from './call.js';
import { resolvePayout } from './payout.js';
import { channelAsset, sendsAtMost, sendsExactly } from './post-conditions.js';
import type { ChannelRecord } from './record.js';
import { signedArgs, type SignedState } from './signed.js';
import { tokenArg } from './tokens.js';
import { bytes, principal } from './validate.js';

export interface CloseChannelOptions {
  readonly contract: string;
  /** a co-signed `close` state */
  readonly signed: SignedState;
  readonly token: string | null;
  readonly assetName?: string;
}

/**
 * close-channel: the contract sends at most balance-a + balance-b (HTLCs stay escrowed;
 * less only if the token refuses one side, whose payout then waits for claim). Post-
 * conditions bound the sender side only, so the split between a and b is the contract's.
 */
export function buildCloseChannel(o: CloseChannelOptions): ContractCall {
  const { balanceA, balanceB } = o.signed.state;
  return contractCall(
    o.contract,
    'close-channel',
    [...signedArgs('close-channel', o.signed), tokenArg(o.token)],
    sendsAtMost(o.contract, channelAsset(o.token, o.assetName), balanceA + balanceB),
  );
}

export interface SignedCallOptions {
  readonly contract: string;
  /** a co-signed `transfer` or `close` state */
  readonly signed: SignedState;
}

/** initiate-dispute: starts the window with the caller's newest state; moves nothing. */
export function buildInitiateDispute(o: SignedCallOptions): ContractCall {
  return contractCall(o.contract, 'initiate-dispute', signedArgs('initiate-dispute', o.signed), []);
}

/** challenge: replaces the closing state with a newer one; moves nothing. */
export function buildChallenge(o: SignedCallOptions): ContractCall {
  return contractCall(o.contract, 'challenge', signedArgs('challenge', o.signed), []);
}

export interface ChannelIdOptions {
  readonly contract: string;
  readonly channelId: Uint8Array;
}

/** A state this side holds, signed or not (the store's newest closable state). */
export interface HeldState {
  readonly state: { readonly nonce: bigint };
  readonly sigA: Uint8Array | null;
  readonly sigB: Uint8Array | null;
}

export interface EmergencyCloseOptions extends ChannelIdOptions {
  /** the channel's floor on-chain now (get-channel's nonce while it is open) */
  readonly floor: bigint;
  /** this side's newest fully signed closable state (the store's `closable`) */
  readonly closable: HeldState;
}

/**
 * emergency-close: starts the window from the last checkpoint; moves nothing. Refused
 * while this side holds a closable state newer than the checkpoint (PROTOCOL §6.4): it
 * may owe this side less than the checkpoint, and closing with the checkpoint would then
 * be cheating. Close with that state instead (buildUnilateralClose picks).
 */
export function buildEmergencyClose(o: EmergencyCloseOptions): ContractCall {
  if (newerThanCheckpoint(o.closable, o.floor)) {
    throw new InvalidInputError('UNSAFE_EMERGENCY_CLOSE', `this side holds state ${o.closable.state.nonce}, newer than the checkpoint ${o.floor}: close with it (initiate-dispute)`, {
      details: { held: o.closable.state.nonce, floor: o.floor },
    });
  }
  return contractCall(o.contract, 'emergency-close', [Cl.buffer(bytes(o.channelId, 32, 'channelId'))], []);
}

export interface UnilateralCloseOptions extends EmergencyCloseOptions {
  /** the same closable state, for initiate-dispute when it is newer than the checkpoint */
  readonly closable: HeldState & { readonly state: SignedState['state'] };
}

/**
 * The unilateral close PROTOCOL §6.4 allows: initiate-dispute with the newest closable
 * state when it is newer than the checkpoint, else emergency-close from the checkpoint.
 */
export function buildUnilateralClose(o: UnilateralCloseOptions): ContractCall {
  const held = o.closable;
  if (newerThanCheckpoint(held, o.floor)) {
    return buildInitiateDispute({ contract: o.contract, signed: { state: held.state, sigA: held.sigA, sigB: held.sigB } });
  }
  return buildEmergencyClose(o);
}

/** Is `held` fully signed and newer than the checkpoint `floor` (so a close must use it, not the checkpoint)? */
function newerThanCheckpoint<H extends HeldState>(held: H, floor: bigint): held is H & { readonly sigA: Uint8Array; readonly sigB: Uint8Array } {
  return held.sigA !== null && held.sigB !== null && held.state.nonce > floor;
}

export interface ResolveOptions extends ChannelIdOptions {
  /** the channel record as read now (its token, balances and cheater fix the payout) */
  readonly record: Pick<ChannelRecord, 'participantA' | 'participantB' | 'balanceA' | 'balanceB' | 'cheater' | 'token'>;
  readonly assetName?: string;
}

/**
 * resolve: the contract sends at most the payout the record implies, penalty included
 * (a cheater's balance goes to the other side, so the sum is balance-a + balance-b
 * either way); less only if the token refuses one side (PROTOCOL 6.5).
 */
export function buildResolve(o: ResolveOptions): ContractCall {
  const { payA, payB } = resolvePayout(o.record);
  return contractCall(
    o.contract,
    'resolve',
    [Cl.buffer(bytes(o.channelId, 32, 'channelId')), tokenArg(o.record.token)],
    sendsAtMost(o.contract, channelAsset(o.record.token, o.assetName), payA + payB),
  );
}

export interface ClaimOptions extends ChannelIdOptions {
  /** the participant whose refused payout is claimed */
  readonly owner: string;
  readonly token: string | null;
  /** what get-unpaid says waits for the owner */
  readonly amount: bigint;
  readonly assetName?: string;
}

/** claim: the contract sends exactly what waits for the owner (PROTOCOL 6.5). */
export function buildClaim(o: ClaimOptions): ContractCall {
  return contractCall(
    o.contract,
    'claim',
    [Cl.buffer(bytes(o.channelId, 32, 'channelId')), Cl.principal(principal(o.owner, 'owner')), tokenArg(o.token)],
    sendsExactly(o.contract, channelAsset(o.token, o.assetName), o.amount),
  );
}
