// The off-chain state of contracts/PROTOCOL.md §3 (version 2) and its Clarity tuple. This module owns the
// shape of a state; hashing lives in sip018.ts. It does no I/O.
import { Cl, type ClarityValue, type TupleCV } from '@stacks/transactions';

/** PROTOCOL §3 `action`: what a state may be used for on-chain. */
export const Action = { Transfer: 0, Close: 1, Deposit: 2, Withdraw: 3 } as const;
export type Action = (typeof Action)[keyof typeof Action];

/** Most HTLCs one state may carry: the contract's `(list 8 …)`. */
export const MAX_HTLCS = 8;
export const MAX_UINT128 = (1n << 128n) - 1n;

export interface Htlc {
  /** sha256 of the secret, 32 bytes */
  readonly hash: Uint8Array;
  readonly amount: bigint;
  /** tenure height by which the secret must be revealed on-chain (PROTOCOL §5) */
  readonly expiry: bigint;
  /** true when participant-a offers it (pays b on reveal) */
  readonly offeredByA: boolean;
}

export interface ChannelState {
  readonly channelId: Uint8Array;
  readonly nonce: bigint;
  readonly balanceA: bigint;
  readonly balanceB: bigint;
  readonly htlcs: readonly Htlc[];
  readonly action: Action;
  /** depositor / withdrawer (a Stacks principal), null for transfer and close */
  readonly actor: string | null;
  /** deposit / withdraw amount, 0n otherwise */
  readonly amount: bigint;
  /**
   * burn height by which a close, deposit or withdraw state must land on-chain, or
   * never (PROTOCOL §4.3); 0n for transfer states, where the contract ignores it
   */
  readonly validUntil: bigint;
  /** 32 bytes of application data the state commits to (a request hash, a move, a receipt); signed, not interpreted */
  readonly data: Uint8Array;
}

/** The data of a state that binds nothing. */
export const NO_DATA: Uint8Array = new Uint8Array(32);

/** The state create-channel leaves on chain (nonce 0, everything on a's side): the state both sides open a Channel at. */
export function openingState(channelId: Uint8Array, balanceA: bigint): ChannelState {
  return { channelId, nonce: 0n, balanceA, balanceB: 0n, htlcs: [], action: Action.Transfer, actor: null, amount: 0n, validUntil: 0n, data: NO_DATA };
}

/** A state's HTLC list as the contract's `(list 8 {hash, amount, expiry, offered-by-a})`. */
export function htlcsToClarity(htlcs: readonly Htlc[]) {
  return Cl.list(
    htlcs.map((h) => Cl.tuple({ hash: Cl.buffer(h.hash), amount: Cl.uint(h.amount), expiry: Cl.uint(h.expiry), 'offered-by-a': Cl.bool(h.offeredByA) })),
  );
}

/** The state as the Clarity tuple the contract hashes and checks. */
export function stateToClarity(state: ChannelState): TupleCV {
  return Cl.tuple({
    'channel-id': Cl.buffer(state.channelId),
    nonce: Cl.uint(state.nonce),
    'balance-a': Cl.uint(state.balanceA),
    'balance-b': Cl.uint(state.balanceB),
    htlcs: htlcsToClarity(state.htlcs),
    action: Cl.uint(state.action),
    actor: state.actor === null ? Cl.none() : Cl.some(Cl.principal(state.actor)),
    amount: Cl.uint(state.amount),
    'valid-until': Cl.uint(state.validUntil),
    data: Cl.buffer(state.data),
  });
}

/** Sum of the HTLC amounts of a state. */
export function htlcTotal(state: Pick<ChannelState, 'htlcs'>): bigint {
  let sum = 0n;
  for (const h of state.htlcs) sum += h.amount;
  return sum;
}

/** Everything the state splits: balances plus HTLCs. */
export function stateTotal(state: ChannelState): bigint {
  return state.balanceA + state.balanceB + htlcTotal(state);
}

export type { ClarityValue };
