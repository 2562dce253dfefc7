// A fully signed state as the contract takes it. The contract takes a state as its
// separate fields, leaving out the ones the function implies (PROTOCOL §6: a deposit's
// action, a transfer's empty actor, amount and valid-until), and rebuilds the signed
// tuple from them, so a state signed for another action fails its signature check.
// This file owns each function's argument layout; builders and readers use it, and
// refuse a state that does not fit the function before it costs a fee. No I/O.
import { Cl, type ClarityValue } from '@stacks/transactions';
import { Action, htlcsToClarity, type ChannelState } from '../codec/state.js';
import { validateState } from '../codec/validate.js';
import { InvalidInputError } from '../errors/errors.js';
import { bytes } from './validate.js';

export interface SignedState {
  readonly state: ChannelState;
  /** signature by a signer of participant-a */
  readonly sigA: Uint8Array;
  /** signature by a signer of participant-b */
  readonly sigB: Uint8Array;
}

/** The functions that take a signed state, in the contract's argument layouts. */
export type StateFunction =
  | 'fund-channel' | 'update-balance' | 'withdraw' | 'close-channel' | 'initiate-dispute' | 'challenge' | 'verify-payment';

/**
 * The leading arguments of `fn` for `state` and its two signatures, exactly as given:
 * no check that the state fits `fn` (tests send misfits on purpose; builders call
 * `signedArgs`). Implied fields are left out, as the contract expects.
 */
export function stateArgs(fn: StateFunction, state: ChannelState, sigA: Uint8Array, sigB: Uint8Array): ClarityValue[] {
  const head: ClarityValue[] = [Cl.buffer(state.channelId), Cl.uint(state.nonce), Cl.uint(state.balanceA), Cl.uint(state.balanceB), htlcsToClarity(state.htlcs)];
  const actor = state.actor === null ? Cl.none() : Cl.some(Cl.principal(state.actor));
  let fields: ClarityValue[];
  switch (fn) {
    case 'fund-channel':
    case 'withdraw':
      fields = [Cl.principal(state.actor ?? ''), Cl.uint(state.amount), Cl.uint(state.validUntil), Cl.buffer(state.data)];
      break;
    case 'update-balance':
      fields = [Cl.buffer(state.data)];
      break;
    case 'close-channel':
      fields = [Cl.uint(state.validUntil), Cl.buffer(state.data)];
      break;
    case 'initiate-dispute':
    case 'challenge':
      fields = [Cl.uint(state.action), Cl.uint(state.validUntil), Cl.buffer(state.data)];
      break;
    case 'verify-payment':
      fields = [Cl.uint(state.action), actor, Cl.uint(state.amount), Cl.uint(state.validUntil), Cl.buffer(state.data)];
      break;
  }
  return [...head, ...fields, Cl.buffer(sigA), Cl.buffer(sigB)];
}

/** Why `state` cannot be used with `fn`, or null when it fits. */
export function misfit(fn: StateFunction, state: ChannelState): string | null {
  const plain = state.actor === null && state.amount === 0n;
  const transferOk = state.action !== Action.Transfer || state.validUntil === 0n;
  switch (fn) {
    case 'fund-channel':
      return state.action === Action.Deposit && state.actor !== null ? null : 'fund-channel takes a deposit state naming its actor';
    case 'withdraw':
      return state.action === Action.Withdraw && state.actor !== null ? null : 'withdraw takes a withdraw state naming its actor';
    case 'update-balance':
      return state.action === Action.Transfer && plain && transferOk ? null : 'update-balance takes a transfer state (no actor, amount or valid-until)';
    case 'close-channel':
      return state.action === Action.Close && plain ? null : 'close-channel takes a close state (no actor or amount)';
    case 'initiate-dispute':
    case 'challenge':
      return (state.action === Action.Transfer || state.action === Action.Close) && plain && transferOk
        ? null
        : `${fn} takes a transfer or close state (no actor or amount)`;
    case 'verify-payment':
      return null;
  }
}

/** The leading arguments of `fn` for `signed`, once the state is checked and fits `fn`. */
export function signedArgs(fn: StateFunction, signed: SignedState): ClarityValue[] {
  // the codec's one check of a state's field types (throws StateCodecError)
  validateState(signed.state);
  const why = misfit(fn, signed.state);
  if (why !== null) throw new InvalidInputError('STATE_DOES_NOT_FIT', why, { details: { fn, action: signed.state.action } });
  return stateArgs(fn, signed.state, bytes(signed.sigA, 65, 'sigA'), bytes(signed.sigB, 65, 'sigB'));
}
