// A fully signed state as the contract takes it: the state tuple and the two 65-byte
// R‖S‖V signatures, checked for shape at the edge (the state by the codec's own
// validateState). No I/O.
import { Cl, type ClarityValue } from '@stacks/transactions';
import { stateToClarity, type ChannelState } from '../codec/state.js';
import { validateState } from '../codec/validate.js';
import { bytes } from './validate.js';

export interface SignedState {
  readonly state: ChannelState;
  /** signature by a signer of participant-a */
  readonly sigA: Uint8Array;
  /** signature by a signer of participant-b */
  readonly sigB: Uint8Array;
}

/** `(state, sig-a, sig-b)`, the leading arguments of every state-taking function. */
export function signedArgs(signed: SignedState): ClarityValue[] {
  // the codec's one check of a state's field types (throws StateCodecError)
  validateState(signed.state);
  return [
    stateToClarity(signed.state),
    Cl.buffer(bytes(signed.sigA, 65, 'sigA')),
    Cl.buffer(bytes(signed.sigB, 65, 'sigB')),
  ];
}
