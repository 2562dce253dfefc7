// The public devnet accounts of settings/Devnet.toml: well-known test keys, worthless
// outside a simnet or devnet. The one table the demo, the local chain's users and the
// test suites take them from. Never use these keys on testnet or mainnet.
import { hexToBytes } from '@noble/hashes/utils.js';

export interface DevnetAccount {
  /** the Devnet.toml account name */
  readonly name: string;
  readonly address: string;
  /** 32-byte secp256k1 private key (no compression suffix) */
  readonly privateKey: Uint8Array;
}

const account = (name: string, address: string, keyHex: string): DevnetAccount => ({
  name,
  address,
  privateKey: hexToBytes(keyHex),
});

export const DEVNET_ACCOUNTS = {
  deployer: account('deployer', 'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM', '753b7cc01a1a2e86221266a154af739463fce51219d97e4f856cd7200c3bd2a6'),
  wallet_1: account('wallet_1', 'ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5', '7287ba251d44a4d3fd9276c88ce34c5c52a038955511cccaf77e61068649c178'),
  wallet_2: account('wallet_2', 'ST2CY5V39NHDPWSXMW9QDT3HC3GD6Q6XX4CFRK9AG', '530d9f61984c888536871c6573073bdfc0058896dc1adfe9a6a10dfacadc2091'),
  wallet_3: account('wallet_3', 'ST2JHG361ZXG51QTKY2NQCVBPPRRE2KZB1HR05NNC', 'd655b2523bcd65e34889725c73064feb17ceb796831c0e111ba1a552b0f31b39'),
  wallet_4: account('wallet_4', 'ST2NEB84ASENDXKYGJPQW86YXQCEFEX2ZQPG87ND', 'f9d7206a47f14d2870c163ebab4bf3e70d18f5d14ce1031f3902fbbc894fe4c7'),
} as const satisfies Record<string, DevnetAccount>;

/** @stacks/transactions wants the compressed-key suffix 01 on a private key. */
export function stacksPrivateKey(a: Pick<DevnetAccount, 'privateKey'>): string {
  return `${Buffer.from(a.privateKey).toString('hex')}01`;
}
