// One contract-deploy transaction: built and signed with makeContractDeploy for a plan
// step (its Clarity version from Clarinet.toml, deny mode, no post-conditions: a deploy
// moves no asset but its fee), with the fee and nonce given so stacks.js does no I/O.
// Returns the bytes to broadcast and the txid the node must answer.
import { ClarityVersion, makeContractDeploy, serializePayloadBytes, type StacksTransactionWire } from '@stacks/transactions';
import { DeployError } from './errors.js';
import type { DeployerKey } from './key.js';
import type { PlanStep } from './plan.js';

export interface SignedDeploy {
  readonly step: PlanStep;
  readonly tx: StacksTransactionWire;
  readonly bytes: Uint8Array;
  /** hex, no 0x */
  readonly txid: string;
  readonly nonce: bigint;
  readonly fee: bigint;
}

const VERSIONS: Readonly<Record<number, ClarityVersion>> = {
  1: ClarityVersion.Clarity1,
  2: ClarityVersion.Clarity2,
  3: ClarityVersion.Clarity3,
  4: ClarityVersion.Clarity4,
};

export function clarityVersionOf(step: PlanStep): ClarityVersion {
  const v = VERSIONS[step.clarityVersion];
  if (v === undefined) throw new DeployError('DEPLOY_MANIFEST', `${step.name}: unsupported clarity_version ${step.clarityVersion}`);
  return v;
}

export async function signDeploy(opts: {
  step: PlanStep;
  key: DeployerKey;
  network: 'mainnet' | 'testnet';
  nonce: bigint;
  fee: bigint;
}): Promise<SignedDeploy> {
  const tx = await makeContractDeploy({
    contractName: opts.step.name,
    codeBody: opts.step.source,
    clarityVersion: clarityVersionOf(opts.step),
    senderKey: opts.key.forSigning(),
    network: opts.network,
    nonce: opts.nonce,
    fee: opts.fee,
    postConditionMode: 'deny',
  });
  return { step: opts.step, tx, bytes: tx.serializeBytes(), txid: tx.txid(), nonce: opts.nonce, fee: opts.fee };
}

/** The payload bytes the fee endpoint prices. */
export function payloadBytes(tx: StacksTransactionWire): Uint8Array {
  return serializePayloadBytes(tx.payload);
}
