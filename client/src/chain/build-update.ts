// Builders for the checkpoints of an open channel: update-balance (moves nothing) and
// withdraw (the contract sends exactly the withdrawn amount, to the actor: a
// post-condition cannot name the recipient, the contract's rule does). Either
// participant may send a withdraw (PROTOCOL §4.3). No I/O.
import { contractCall, type ContractCall } from './call.js';
import { channelAsset, sendsExactly } from './post-conditions.js';
import { signedArgs, type SignedState } from './signed.js';
import { tokenArg } from './tokens.js';

export interface UpdateBalanceOptions {
  readonly contract: string;
  /** a co-signed `transfer` state above the floor */
  readonly signed: SignedState;
}

/** update-balance: moves nothing. */
export function buildUpdateBalance(o: UpdateBalanceOptions): ContractCall {
  return contractCall(o.contract, 'update-balance', signedArgs('update-balance', o.signed), []);
}

export interface WithdrawOptions {
  readonly contract: string;
  /** a co-signed `withdraw` state; the sender is either participant, the actor is paid */
  readonly signed: SignedState;
  readonly token: string | null;
  readonly assetName?: string;
}

/** withdraw: the contract sends exactly the state's amount. */
export function buildWithdraw(o: WithdrawOptions): ContractCall {
  return contractCall(
    o.contract,
    'withdraw',
    [...signedArgs('withdraw', o.signed), tokenArg(o.token)],
    sendsExactly(o.contract, channelAsset(o.token, o.assetName), o.signed.state.amount),
  );
}
