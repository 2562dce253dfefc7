// What every step of the demo works with: the chain client, the plan, the narrator, the
// three parties' nodes, and the deployment's contract names. Steps receive it; only
// run.ts builds it. Nothing here does I/O.
import type { Domain } from '../codec/sip018.js';
import { DEPLOYER, type PartyName } from './accounts.js';
import type { DemoChain } from './chain-client.js';
import type { Narrator } from './narrator.js';
import type { PartyNode } from './node.js';
import type { Plan } from './plan.js';

/** The project's deployment on the local chain (Clarinet.toml, deployer of Devnet.toml). */
export const CONTRACTS = {
  channel: `${DEPLOYER.address}.bitstream`,
  registry: `${DEPLOYER.address}.secret-registry`,
  sbtc: `${DEPLOYER.address}.sbtc-token`,
  /** the sBTC stand-in's fungible asset, as the API and post-conditions name it */
  sbtcAsset: `${DEPLOYER.address}.sbtc-token::sbtc-token`,
} as const;

/** The chain id of the local chain (testnet's), which every state's SIP-018 domain names. */
export const CHAIN_ID = 0x80000000;

export const DOMAIN: Domain = { contract: CONTRACTS.channel, chainId: CHAIN_ID };

export interface World {
  readonly chain: DemoChain;
  readonly plan: Plan;
  readonly say: Narrator;
  readonly nodes: Readonly<Record<PartyName, PartyNode>>;
}
