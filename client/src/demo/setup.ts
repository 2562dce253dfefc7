// Before the story: boot-time facts are checked (the devnet keys are the chain's
// accounts) and the deployer's faucet on the sBTC stand-in gives Alice and Bob sBTC to
// open and fund their sBTC channel with. Not part of the summary's accounting: the
// "before" snapshot is taken after this.
import { Cl } from '@stacks/transactions';
import { splitContract } from '../chain/validate.js';
import { DEPLOYER } from './accounts.js';
import type { AnyCall } from './chain-client.js';
import { CONTRACTS, type World } from './world.js';

/** sbtc-token `faucet`: a mint, which moves nothing out of anyone, so deny mode with no post-condition holds. */
export function faucet(amount: bigint, recipient: string): AnyCall {
  const { address, name } = splitContract(CONTRACTS.sbtc, 'sbtc');
  return {
    contractAddress: address,
    contractName: name,
    functionName: 'faucet',
    functionArgs: [Cl.uint(amount), Cl.principal(recipient)],
    postConditionMode: 'deny',
    postConditions: [],
  };
}

export async function fundFromFaucet(w: World): Promise<void> {
  const { alice, bob } = w.nodes;
  await w.chain.submitAll([
    [faucet(w.plan.faucetSbtc, alice.party.address), DEPLOYER],
    [faucet(w.plan.faucetSbtc, bob.party.address), DEPLOYER],
  ]);
}
