// Errors of the deploy tool, with stable codes. None of them ever carries the deployer
// key: key errors say what is wrong with it, never what it is.
import { BitStreamError, type ErrorDetails } from '../errors/errors.js';

export type DeployErrorCode =
  | 'DEPLOY_USAGE' // a bad or missing command-line flag
  | 'DEPLOY_MAINNET_NOT_CONFIRMED' // mainnet without --yes-deploy-to-mainnet
  | 'DEPLOY_KEY_MISSING' // BITSTREAM_DEPLOYER_KEY unset
  | 'DEPLOY_KEY_INVALID' // not a 32-byte secp256k1 private key in hex
  | 'DEPLOY_MANIFEST' // Clarinet.toml does not parse or lacks a field
  | 'DEPLOY_UNCLASSIFIED_CONTRACT' // a manifest contract the plan does not know where to deploy
  | 'DEPLOY_MISSING_DEPENDENCY' // a contract references one the plan does not deploy
  | 'DEPLOY_DEPENDENCY_CYCLE'
  | 'DEPLOY_CHAIN_MISMATCH' // the node serves another chain than the network asked for
  | 'DEPLOY_HTTP' // a request failed, timed out or answered something unexpected
  | 'DEPLOY_FEE_ABOVE_CAP' // a fee above BITSTREAM_MAX_FEE
  | 'DEPLOY_INSUFFICIENT_FUNDS' // the deployer cannot pay every fee of the plan
  | 'DEPLOY_CONTRACT_CONFLICT' // a contract of that name exists with other source
  | 'DEPLOY_REJECTED' // the node refused the transaction
  | 'DEPLOY_TX_FAILED' // the transaction was mined but failed, or was dropped
  | 'DEPLOY_TIMEOUT'; // no confirmation within the configured time

export class DeployError extends BitStreamError {
  constructor(code: DeployErrorCode, message: string, opts: { details?: ErrorDetails; cause?: unknown } = {}) {
    super(code, message, opts);
  }
}
