// The demo's cast: the public devnet accounts of settings/Devnet.toml (well-known test
// keys, worthless outside a devnet) as Alice (wallet_1), Bob (wallet_2), Carol
// (wallet_3) and the deployer, who runs the sBTC stand-in's faucet. The keys are written
// out because the demo runs outside vitest (tests/contracts/helpers.ts needs its global
// simnet); `checkAccounts` proves each key is the one behind the chain's account.
import { getAddressFromPrivateKey } from '@stacks/transactions';
import { hexToBytes } from '@noble/hashes/utils.js';
import { expectEqual } from './errors.js';

export type PartyName = 'alice' | 'bob' | 'carol';

export interface Account {
  /** the Devnet.toml account name */
  readonly devnetName: string;
  readonly address: string;
  /** 32-byte secp256k1 private key */
  readonly privateKey: Uint8Array;
}

export interface Party extends Account {
  readonly name: PartyName;
  /** for the narration and the table */
  readonly label: string;
}

function account(devnetName: string, address: string, keyHex: string): Account {
  return { devnetName, address, privateKey: hexToBytes(keyHex) };
}

export const DEPLOYER = account('deployer', 'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM', '753b7cc01a1a2e86221266a154af739463fce51219d97e4f856cd7200c3bd2a6');

export const PARTIES: Readonly<Record<PartyName, Party>> = {
  alice: { ...account('wallet_1', 'ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5', '7287ba251d44a4d3fd9276c88ce34c5c52a038955511cccaf77e61068649c178'), name: 'alice', label: 'Alice' },
  bob: { ...account('wallet_2', 'ST2CY5V39NHDPWSXMW9QDT3HC3GD6Q6XX4CFRK9AG', '530d9f61984c888536871c6573073bdfc0058896dc1adfe9a6a10dfacadc2091'), name: 'bob', label: 'Bob' },
  carol: { ...account('wallet_3', 'ST2JHG361ZXG51QTKY2NQCVBPPRRE2KZB1HR05NNC', 'd655b2523bcd65e34889725c73064feb17ceb796831c0e111ba1a552b0f31b39'), name: 'carol', label: 'Carol' },
};

/** @stacks/transactions wants the compressed-key suffix 01 on a private key. */
export function senderKey(a: Account): string {
  return `${Buffer.from(a.privateKey).toString('hex')}01`;
}

/** Each key derives its address, and each address is the chain's account of that name. */
export function checkAccounts(chainAccounts: ReadonlyMap<string, string>): void {
  for (const a of [DEPLOYER, ...Object.values(PARTIES)]) {
    expectEqual('accounts', `address of ${a.devnetName}'s key`, getAddressFromPrivateKey(senderKey(a), 'testnet'), a.address);
    expectEqual('accounts', `chain account ${a.devnetName}`, chainAccounts.get(a.devnetName) ?? null, a.address);
  }
}
