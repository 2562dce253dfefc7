// What the next state may build on (PROTOCOL §4.2–4.3): the newest state, once a chain
// state (the opening, a deposit, a withdraw, a close) has landed deep enough; or the
// state before it, once it has lapsed (its valid-until passed, and the confirmation depth
// beyond, without it landing). Until one of the two, nothing is signed on top of it.
// Both sides decide this from their own view of the chain, by this one function. Pure.
import { Action, type ChannelState } from '../codec/state.js';

export type Footing =
  /** build the next state on `base` (latest, or latest's base when it lapsed) */
  | { readonly kind: 'ready'; readonly base: ChannelState; readonly lapsed: boolean }
  /** a chain state is pending: neither landed deep enough nor lapsed */
  | { readonly kind: 'wait'; readonly reason: string }
  /** a cooperative close landed: the channel takes no more states */
  | { readonly kind: 'closed' };

export interface ChainView {
  /** the burn height this side has seen */
  readonly burnHeight: bigint;
  /** the burn height the call carrying state `nonce` was mined at, if it was */
  minedAt(nonce: bigint): bigint | undefined;
  /** burn blocks deep a chain state must be before it counts (0: at once once mined) */
  readonly depth: number;
}

/** Is this a state that only counts once on-chain (PROTOCOL §4.3)? */
export function isChainState(s: ChannelState): boolean {
  return s.nonce === 0n || s.action !== Action.Transfer;
}

export function footing(latest: ChannelState, base: ChannelState | null, chain: ChainView): Footing {
  if (!isChainState(latest)) return { kind: 'ready', base: latest, lapsed: false };
  const depth = BigInt(Math.max(0, chain.depth));
  const mined = chain.minedAt(latest.nonce);
  if (mined !== undefined) {
    if (chain.burnHeight - mined + 1n < depth) return { kind: 'wait', reason: 'the newest chain state is not deep enough yet' };
    return latest.action === Action.Close && latest.nonce > 0n ? { kind: 'closed' } : { kind: 'ready', base: latest, lapsed: false };
  }
  if (depth === 0n && latest.nonce === 0n) return { kind: 'ready', base: latest, lapsed: false };
  // the opening never lapses: it is the channel
  if (latest.nonce === 0n || base === null) return { kind: 'wait', reason: 'the opening is not confirmed yet' };
  if (chain.burnHeight > latest.validUntil + depth) return { kind: 'ready', base, lapsed: true };
  return { kind: 'wait', reason: 'the newest chain state has neither landed nor lapsed' };
}
