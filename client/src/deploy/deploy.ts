// Running a deploy plan against a node: check the node serves the expected chain, skip
// contracts already deployed with the same source (so a half-finished deploy resumes),
// refuse a name taken by other source, take the nonce from the account, sign every
// transaction and price it before sending anything (so a deployer short of funds or a
// fee over the cap stops the run with nothing sent), then send batch by batch, waiting
// for every transaction of a batch to confirm before sending the next batch, whose
// contracts reference it. Reports each step through `log`; returns the principals and
// the client wiring. All network access goes through the injected StacksApi.
import type { BitStreamConfig, ContractPrincipal } from '../config/index.js';
import type { StacksApi } from './api.js';
import { realClock, waitForConfirmation, type Clock } from './confirm.js';
import { DeployError } from './errors.js';
import { chooseFee, type FeeSource } from './fee.js';
import type { DeployerKey } from './key.js';
import type { DeployNetwork, DeployPlan, PlanStep } from './plan.js';
import { payloadBytes, signDeploy, type SignedDeploy } from './transaction.js';

export interface DeployOptions {
  readonly plan: DeployPlan;
  readonly config: BitStreamConfig;
  readonly key: DeployerKey;
  readonly api: StacksApi;
  /** a fixed fee per transaction in µSTX, instead of the node's estimate */
  readonly fee?: bigint;
  readonly log?: (line: string) => void;
  readonly clock?: Clock;
}

export interface DeployedContract {
  readonly name: string;
  readonly principal: ContractPrincipal;
  readonly status: 'deployed' | 'already-deployed';
  readonly txid: string | null;
  readonly fee: bigint;
  readonly feeSource: FeeSource | null;
  readonly blockHeight: number | null;
}

export interface DeployResult {
  readonly network: DeployNetwork;
  readonly deployer: string;
  readonly contracts: readonly DeployedContract[];
  readonly skipped: DeployPlan['skipped'];
  /** what the client configuration must point at after this deploy */
  readonly wiring: { readonly contract: ContractPrincipal; readonly sbtc: ContractPrincipal };
}

/** The principals a plan deploys to and the client wiring, for a deployer address (no I/O). */
export function wiringOf(plan: DeployPlan, config: BitStreamConfig, deployer: string): DeployResult['wiring'] {
  const deploysSbtc = plan.steps.some((s) => s.name === 'sbtc-token');
  return {
    contract: `${deployer}.bitstream`,
    // on devnet the stand-in this run deploys; elsewhere the real sBTC of the configuration
    sbtc: deploysSbtc ? `${deployer}.sbtc-token` : config.sbtc,
  };
}

export async function deployPlan(opts: DeployOptions): Promise<DeployResult> {
  const { plan, config, api, key } = opts;
  const log = opts.log ?? (() => undefined);
  const clock = opts.clock ?? realClock;
  if (config.network !== plan.network) {
    throw new DeployError('DEPLOY_USAGE', `the plan is for ${plan.network} but the configuration for ${config.network}`);
  }
  const deployer = key.address(config.stacksNetwork);

  const info = await api.info();
  if (info.networkId !== config.chainId) {
    throw new DeployError('DEPLOY_CHAIN_MISMATCH', `${config.apiUrl} serves chain id 0x${info.networkId.toString(16)}, not ${plan.network}'s 0x${config.chainId.toString(16)}`, {
      details: { expected: config.chainId, served: info.networkId, apiUrl: config.apiUrl },
    });
  }

  const existing = new Set<string>();
  for (const step of plan.steps) {
    const source = await api.contractSource(deployer, step.name);
    if (source === null) continue;
    if (source !== step.source) {
      throw new DeployError('DEPLOY_CONTRACT_CONFLICT', `${deployer}.${step.name} exists with other source: deploy from another key or rename`, {
        details: { contract: `${deployer}.${step.name}` },
      });
    }
    existing.add(step.name);
  }

  const account = await api.account(deployer);
  const signed = new Map<string, SignedDeploy & { feeSource: FeeSource }>();
  let nonce = account.nonce;
  let total = 0n;
  for (const step of plan.steps) {
    if (existing.has(step.name)) continue;
    const draft = await signDeploy({ step, key, network: config.stacksNetwork, nonce, fee: 0n });
    const { fee, source } = await chooseFee({
      api, contract: step.name, payload: payloadBytes(draft.tx), length: draft.bytes.length, fixedFee: opts.fee, maxFee: config.limits.maxFee,
    });
    signed.set(step.name, { ...(await signDeploy({ step, key, network: config.stacksNetwork, nonce, fee })), feeSource: source });
    total += fee;
    nonce += 1n;
  }
  if (total > account.balance) {
    throw new DeployError('DEPLOY_INSUFFICIENT_FUNDS', `${deployer} holds ${account.balance} µSTX; the deploy needs ${total} µSTX in fees`, {
      details: { deployer, balance: account.balance.toString(), needed: total.toString() },
    });
  }

  const results = new Map<string, DeployedContract>();
  for (const name of existing) {
    log(`already deployed ${deployer}.${name}`);
    results.set(name, { name, principal: `${deployer}.${name}`, status: 'already-deployed', txid: null, fee: 0n, feeSource: null, blockHeight: null });
  }
  const batches = [...new Set(plan.steps.map((s) => s.batch))].sort((a, b) => a - b);
  for (const batch of batches) {
    const sent = plan.steps.filter((s) => s.batch === batch && signed.has(s.name)).map((s) => signed.get(s.name)!);
    for (const tx of sent) {
      const txid = await api.broadcast(tx.bytes);
      if (txid !== tx.txid) {
        throw new DeployError('DEPLOY_HTTP', `${tx.step.name}: the node answered txid ${txid}, the transaction's is ${tx.txid}`, {
          details: { contract: tx.step.name, answered: txid, expected: tx.txid },
        });
      }
      log(`sent ${deployer}.${tx.step.name}  txid 0x${tx.txid}  nonce ${tx.nonce}  fee ${tx.fee} µSTX (${tx.feeSource})`);
    }
    for (const tx of sent) {
      const { blockHeight } = await waitForConfirmation({
        api, txid: tx.txid, contract: tx.step.name, pollMs: config.limits.pollMs, timeoutMs: config.limits.confirmTimeoutS * 1000, clock,
      });
      log(`confirmed ${deployer}.${tx.step.name}${blockHeight === null ? '' : ` in block ${blockHeight}`}`);
      results.set(tx.step.name, {
        name: tx.step.name, principal: `${deployer}.${tx.step.name}`, status: 'deployed', txid: tx.txid, fee: tx.fee, feeSource: tx.feeSource, blockHeight,
      });
    }
  }

  return {
    network: plan.network,
    deployer,
    contracts: plan.steps.map((s: PlanStep) => results.get(s.name)!),
    skipped: plan.skipped,
    wiring: wiringOf(plan, config, deployer),
  };
}
