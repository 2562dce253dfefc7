// The deploy tool's public entry: plan building from Clarinet.toml, deploy-transaction
// signing, the injectable network layer, confirmation polling, the orchestrator and the
// command line behind `npm run deploy`.
export { parseManifest, type ManifestContract } from './manifest.js';
export { contractReferences, codeOnly, type References } from './references.js';
export { buildPlan, loadPlan, isDeployNetwork, CONTRACT_SCOPE, DEPLOY_NETWORKS } from './plan.js';
export type { DeployPlan, PlanStep, DeployNetwork, ContractScope } from './plan.js';
export { DeployerKey, DEPLOYER_KEY_ENV } from './key.js';
export { signDeploy, payloadBytes, clarityVersionOf, type SignedDeploy } from './transaction.js';
export { chooseFee, MIN_FEE_RATE, type FeeChoice, type FeeSource } from './fee.js';
export { httpApi, type StacksApi, type NodeInfo, type AccountState, type TxState, type HttpApiOptions } from './api.js';
export { waitForConfirmation, realClock, type Clock } from './confirm.js';
export { deployPlan, wiringOf, type DeployOptions, type DeployResult, type DeployedContract } from './deploy.js';
export { runDeployCli, MAINNET_FLAG, type CliIo, type CliDeps } from './cli.js';
export { DeployError, type DeployErrorCode } from './errors.js';
