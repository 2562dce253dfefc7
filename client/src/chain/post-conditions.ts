// Post-conditions the builders attach. Stacks post-conditions constrain only what a
// principal SENDS (amount out of that principal, per asset), never who receives it, so
// every bound here is "principal P sends exactly (or at most) N of asset X": the payer of
// a deposit, or the channel contract for a payout. Where a payout goes is the contract's
// rule, not something a post-condition can check. No I/O.
import { Pc } from '@stacks/transactions';
import type { AmountPostCondition } from './call.js';
import { assetNameOf } from './tokens.js';
import { principal, uint128 } from './validate.js';

/** The asset a channel moves: STX, or one fungible token by contract and asset name. */
export type ChannelAsset =
  | { readonly kind: 'stx' }
  | { readonly kind: 'ft'; readonly token: `${string}.${string}`; readonly assetName: string };

/** The channel's asset: STX for a null token, else the token's fungible asset. */
export function channelAsset(token: string | null, assetName?: string): ChannelAsset {
  if (token === null) return { kind: 'stx' };
  return { kind: 'ft', token: token as `${string}.${string}`, assetName: assetNameOf(token, assetName) };
}

/**
 * `sender` sends exactly `amount` of `asset`. Nothing for a zero amount: the contract
 * skips zero transfers, and deny mode with no post-condition already says "nothing moves".
 */
export function sendsExactly(sender: string, asset: ChannelAsset, amount: bigint): AmountPostCondition[] {
  return sends(sender, asset, amount, 'exactly');
}

/**
 * `sender` sends at most `amount` of `asset`: for the two-sided payouts (close-channel,
 * resolve), where a token may refuse one side and the contract then sends only the
 * other's (PROTOCOL 6.5). An exact bound would abort the honest side's payout with it.
 */
export function sendsAtMost(sender: string, asset: ChannelAsset, amount: bigint): AmountPostCondition[] {
  return sends(sender, asset, amount, 'at-most');
}

function sends(sender: string, asset: ChannelAsset, amount: bigint, bound: 'exactly' | 'at-most'): AmountPostCondition[] {
  uint128(amount, 'amount');
  if (amount === 0n) return [];
  const p = Pc.principal(principal(sender, 'sender'));
  const from = bound === 'exactly' ? p.willSendEq(amount) : p.willSendLte(amount);
  return [asset.kind === 'stx' ? from.ustx() : from.ft(asset.token, asset.assetName)];
}
