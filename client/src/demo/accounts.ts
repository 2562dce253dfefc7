// The demo's cast: the public devnet accounts of settings/Devnet.toml (well-known test
// keys, worthless outside a devnet) as Alice (wallet_1), Bob (wallet_2), Carol
// (wallet_3), the deployer, who runs the sBTC stand-in's faucet, and the operator of
// Alice's standalone watchtower (wallet_4), who pays its challenges. The keys are written
// taken from client/src/devnet/accounts.ts; `checkAccounts` proves each key is the one
// behind the chain's account.
import { getAddressFromPrivateKey } from '@stacks/transactions';
import { DEVNET_ACCOUNTS, stacksPrivateKey, type DevnetAccount } from '../devnet/accounts.js';
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

function account(a: DevnetAccount): Account {
  return { devnetName: a.name, address: a.address, privateKey: a.privateKey };
}

export const DEPLOYER = account(DEVNET_ACCOUNTS.deployer);
export const TOWER_OPERATOR = account(DEVNET_ACCOUNTS.wallet_4);

export const PARTIES: Readonly<Record<PartyName, Party>> = {
  alice: { ...account(DEVNET_ACCOUNTS.wallet_1), name: 'alice', label: 'Alice' },
  bob: { ...account(DEVNET_ACCOUNTS.wallet_2), name: 'bob', label: 'Bob' },
  carol: { ...account(DEVNET_ACCOUNTS.wallet_3), name: 'carol', label: 'Carol' },
};

/** The key in the form @stacks/transactions signs with. */
export const senderKey = (a: Account): string => stacksPrivateKey(a);

/** Each key derives its address, and each address is the chain's account of that name. */
export function checkAccounts(chainAccounts: ReadonlyMap<string, string>): void {
  for (const a of [DEPLOYER, TOWER_OPERATOR, ...Object.values(PARTIES)]) {
    expectEqual('accounts', `address of ${a.devnetName}'s key`, getAddressFromPrivateKey(senderKey(a), 'testnet'), a.address);
    expectEqual('accounts', `chain account ${a.devnetName}`, chainAccounts.get(a.devnetName) ?? null, a.address);
  }
}
