// The configuration's public entry: loadConfig reads BITSTREAM_* variables into a typed,
// checked BitStreamConfig; the network table and ConfigError come with it.
export { loadConfig, requireContract, contractOf, ENV, WINDOW_BOUNDS, LIMIT_BOUNDS } from './load.js';
export type { BitStreamConfig, ContractPrincipal, Env, Limits } from './load.js';
export { ConfigError, type ConfigErrorCode } from './errors.js';
export {
  NETWORKS, NETWORK_DEFAULTS, DEVNET_DEPLOYER, SBTC_MAINNET, SBTC_TESTNET, CHAIN_ID_MAINNET, CHAIN_ID_TESTNET, isNetworkName,
} from './networks.js';
export type { NetworkName, NetworkDefaults } from './networks.js';
