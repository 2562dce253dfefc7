// Builders for closing a channel: the cooperative close-channel, the unilateral
// initiate-dispute and emergency-close, the watchtower's challenge, and resolve. Only
// close-channel and resolve move funds, both out of the contract; the others get no
// post-conditions, so in deny mode they can move nothing at all. No I/O.
import { Cl } from '@stacks/transactions';
import { contractCall, type ContractCall } from './call.js';
import { resolvePayout } from './payout.js';
import { channelAsset, sendsExactly } from './post-conditions.js';
import type { ChannelRecord } from './record.js';
import { signedArgs, type SignedState } from './signed.js';
import { tokenArg } from './tokens.js';
import { bytes } from './validate.js';

export interface CloseChannelOptions {
  readonly contract: string;
  /** a co-signed `close` state */
  readonly signed: SignedState;
  readonly token: string | null;
  readonly assetName?: string;
}

/**
 * close-channel: the contract sends exactly balance-a + balance-b (HTLCs stay escrowed).
 * Post-conditions bound the sender side only, so the split between a and b is the
 * contract's (it pays each participant its balance in the state).
 */
export function buildCloseChannel(o: CloseChannelOptions): ContractCall {
  const { balanceA, balanceB } = o.signed.state;
  return contractCall(
    o.contract,
    'close-channel',
    [...signedArgs(o.signed), tokenArg(o.token)],
    sendsExactly(o.contract, channelAsset(o.token, o.assetName), balanceA + balanceB),
  );
}

export interface SignedCallOptions {
  readonly contract: string;
  /** a co-signed `transfer` or `close` state */
  readonly signed: SignedState;
}

/** initiate-dispute: starts the window with the caller's newest state; moves nothing. */
export function buildInitiateDispute(o: SignedCallOptions): ContractCall {
  return contractCall(o.contract, 'initiate-dispute', signedArgs(o.signed), []);
}

/** challenge: replaces the closing state with a newer one; moves nothing. */
export function buildChallenge(o: SignedCallOptions): ContractCall {
  return contractCall(o.contract, 'challenge', signedArgs(o.signed), []);
}

export interface ChannelIdOptions {
  readonly contract: string;
  readonly channelId: Uint8Array;
}

/** emergency-close: starts the window from the last checkpoint; moves nothing. */
export function buildEmergencyClose(o: ChannelIdOptions): ContractCall {
  return contractCall(o.contract, 'emergency-close', [Cl.buffer(bytes(o.channelId, 32, 'channelId'))], []);
}

export interface ResolveOptions extends ChannelIdOptions {
  /** the channel record as read now (its token, balances and cheater fix the payout) */
  readonly record: Pick<ChannelRecord, 'participantA' | 'participantB' | 'balanceA' | 'balanceB' | 'cheater' | 'token'>;
  readonly assetName?: string;
}

/**
 * resolve: the contract sends exactly the payout the record implies, penalty included
 * (a cheater's balance goes to the other side, so the sum is balance-a + balance-b
 * either way). If a challenge changes the record before this call is mined, the
 * post-condition aborts it instead of letting a different amount move.
 */
export function buildResolve(o: ResolveOptions): ContractCall {
  const { payA, payB } = resolvePayout(o.record);
  return contractCall(
    o.contract,
    'resolve',
    [Cl.buffer(bytes(o.channelId, 32, 'channelId')), tokenArg(o.record.token)],
    sendsExactly(o.contract, channelAsset(o.record.token, o.assetName), payA + payB),
  );
}
