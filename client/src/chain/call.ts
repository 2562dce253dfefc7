// The contract-call options every builder returns: what `makeContractCall` (with a
// sender key, network, fee and nonce added) or a wallet's `stx_callContract` needs.
// Post-condition mode is always 'deny': with it, any asset the call moves that no
// post-condition covers aborts the transaction. No I/O.
import type { ClarityValue, FungiblePostCondition, StxPostCondition } from '@stacks/transactions';
import { splitContract } from './validate.js';

export type ChannelFunction =
  | 'create-channel' | 'fund-channel' | 'update-balance' | 'withdraw' | 'add-signer'
  | 'close-channel' | 'initiate-dispute' | 'emergency-close' | 'challenge' | 'resolve' | 'settle-htlc' | 'claim';
export type RegistryFunction = 'reveal-secret';

/** The post-conditions builders emit: fungible amounts a principal sends, exactly or at most. */
export type AmountPostCondition = StxPostCondition | FungiblePostCondition;

export interface ContractCall {
  readonly contractAddress: string;
  readonly contractName: string;
  readonly functionName: ChannelFunction | RegistryFunction;
  readonly functionArgs: ClarityValue[];
  readonly postConditionMode: 'deny';
  readonly postConditions: AmountPostCondition[];
}

export function contractCall(
  contract: string,
  functionName: ChannelFunction | RegistryFunction,
  functionArgs: ClarityValue[],
  postConditions: AmountPostCondition[],
): ContractCall {
  const { address, name } = splitContract(contract, 'contract');
  return { contractAddress: address, contractName: name, functionName, functionArgs, postConditionMode: 'deny', postConditions };
}

/** `ADDRESS.name` of the called contract. */
export function contractIdOf(call: Pick<ContractCall, 'contractAddress' | 'contractName'>): `${string}.${string}` {
  return `${call.contractAddress}.${call.contractName}`;
}

/** The same call in the shape of a wallet's `stx_callContract` parameters (@stacks/connect 8). */
export interface WalletContractCall {
  readonly contract: `${string}.${string}`;
  readonly functionName: string;
  readonly functionArgs: ClarityValue[];
  readonly postConditions: AmountPostCondition[];
  readonly postConditionMode: 'deny';
}

export function toWalletCall(call: ContractCall): WalletContractCall {
  return {
    contract: contractIdOf(call),
    functionName: call.functionName,
    functionArgs: call.functionArgs,
    postConditions: call.postConditions,
    postConditionMode: call.postConditionMode,
  };
}
