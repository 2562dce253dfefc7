// What each network BitStream runs on fixes: the chain id, which address versions its
// principals use, the default API, and where the channel contract and sBTC live.
// Constants only, no I/O. The sBTC principals:
//   mainnet  SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.sbtc-token (the sBTC deployer)
//   testnet  ST1F7QA2MDF17S807EPA36TSS8AMEFY4KA9TVGWXT.sbtc-token, the testnet sBTC that
//            Clarinet remaps the mainnet contracts to (docs.stacks.co, "sBTC Integration",
//            Clarinet's network table) and that client/src/chain/tokens.ts knows
//   local, devnet  this project's stand-in, <devnet deployer>.sbtc-token
// The channel contract does not name the token: a channel's token is chosen at
// create-channel, so "using real sBTC" on a public network is only this configuration.

export const NETWORKS = ['local', 'devnet', 'testnet', 'mainnet'] as const;
export type NetworkName = (typeof NETWORKS)[number];

/** The deployer of the simnet and devnet (settings/Devnet.toml `accounts.deployer`). */
export const DEVNET_DEPLOYER = 'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM';

export const SBTC_MAINNET = 'SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.sbtc-token';
export const SBTC_TESTNET = 'ST1F7QA2MDF17S807EPA36TSS8AMEFY4KA9TVGWXT.sbtc-token';

export const CHAIN_ID_MAINNET = 0x00000001;
export const CHAIN_ID_TESTNET = 0x80000000;

/** c32 address versions: P and M on mainnet, T and N on testnets (single-sig, multisig). */
const MAINNET_VERSIONS: readonly number[] = [22, 20];
const TESTNET_VERSIONS: readonly number[] = [26, 21];

export interface NetworkDefaults {
  readonly apiUrl: string;
  readonly chainId: number;
  /** the @stacks/network name that signs for this chain (devnet and local sign as testnet) */
  readonly stacksNetwork: 'mainnet' | 'testnet';
  readonly addressVersions: readonly number[];
  /** the channel contract, when the network has a known deployer */
  readonly contract: string | null;
  readonly sbtc: string;
  /** how often to poll for a transaction's confirmation, and for how long */
  readonly pollMs: number;
  readonly confirmTimeoutS: number;
}

const local = {
  chainId: CHAIN_ID_TESTNET,
  stacksNetwork: 'testnet',
  addressVersions: TESTNET_VERSIONS,
  contract: `${DEVNET_DEPLOYER}.bitstream`,
  sbtc: `${DEVNET_DEPLOYER}.sbtc-token`,
} as const;

export const NETWORK_DEFAULTS: Readonly<Record<NetworkName, NetworkDefaults>> = {
  local: { ...local, apiUrl: 'http://127.0.0.1:3999', pollMs: 250, confirmTimeoutS: 120 },
  devnet: { ...local, apiUrl: 'http://localhost:3999', pollMs: 1000, confirmTimeoutS: 600 },
  // a public chain's block can wait on a slow Bitcoin block: poll gently, wait long
  testnet: {
    apiUrl: 'https://api.testnet.hiro.so', chainId: CHAIN_ID_TESTNET, stacksNetwork: 'testnet',
    addressVersions: TESTNET_VERSIONS, contract: null, sbtc: SBTC_TESTNET, pollMs: 5000, confirmTimeoutS: 3600,
  },
  mainnet: {
    apiUrl: 'https://api.hiro.so', chainId: CHAIN_ID_MAINNET, stacksNetwork: 'mainnet',
    addressVersions: MAINNET_VERSIONS, contract: null, sbtc: SBTC_MAINNET, pollMs: 5000, confirmTimeoutS: 3600,
  },
};

export function isNetworkName(value: string): value is NetworkName {
  return (NETWORKS as readonly string[]).includes(value);
}
