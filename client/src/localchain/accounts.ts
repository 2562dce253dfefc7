// Account state the simnet does not keep: each principal's next nonce (the count of its
// mined transactions) and the fees it paid; and the balance readers over the simnet
// (STX of any principal through `stx-get-balance`, token holdings from the simnet's
// asset map keyed the API's way, `<contract>::<asset>`). It must not write to the simnet.
import type { Simnet } from '@stacks/clarinet-sdk';
import { Cl } from '@stacks/transactions';
import { LocalChainError } from './errors.js';
import { principalSource } from './principal-source.js';

export interface Holdings {
  readonly fungible: ReadonlyMap<string, bigint>;
  readonly nonFungible: ReadonlyMap<string, bigint>;
}

export class Accounts {
  private readonly nonces = new Map<string, bigint>();
  private readonly fees = new Map<string, bigint>();

  constructor(private readonly simnet: Simnet) {}

  /** The nonce the next mined transaction of `principal` must carry. */
  nonce(principal: string): bigint {
    return this.nonces.get(principal) ?? 0n;
  }

  /** Record a mined transaction: its nonce is used and its fee paid, whatever its outcome. */
  mined(principal: string, fee: bigint): void {
    this.nonces.set(principal, this.nonce(principal) + 1n);
    this.fees.set(principal, this.feesPaid(principal) + fee);
  }

  feesPaid(principal: string): bigint {
    return this.fees.get(principal) ?? 0n;
  }

  /** STX balance of any principal, read from the VM itself. */
  stx(principal: string): bigint {
    const r = this.simnet.execute(`(stx-get-balance ${principalSource(canonicalPrincipal(principal))})`).result;
    if (r.type !== 'uint') throw new LocalChainError('LOCALCHAIN_BAD_REQUEST', `stx-get-balance returned ${r.type}`);
    return BigInt(r.value);
  }

  /** Fungible and non-fungible holdings of `principal`, keyed `<contract>::<asset>`. */
  holdings(principal: string): Holdings {
    const who = canonicalPrincipal(principal);
    const fungible = new Map<string, bigint>();
    const nonFungible = new Map<string, bigint>();
    const kinds = this.assetKinds();
    for (const [key, balances] of this.simnet.getAssetsMap()) {
      if (key === 'STX') continue;
      const amount = balances.get(who);
      if (amount === undefined || amount === 0n) continue;
      const asset = kinds.get(key);
      if (asset === undefined) continue;
      (asset.nft ? nonFungible : fungible).set(asset.id, amount);
    }
    return { fungible, nonFungible };
  }

  /**
   * The simnet keys its asset map `.<contract name>.<asset>`, without the deployer;
   * the contract interfaces tell which deployer and which kind (FT or NFT) it is.
   */
  private assetKinds(): Map<string, { id: string; nft: boolean }> {
    const kinds = new Map<string, { id: string; nft: boolean }>();
    for (const [contractId, iface] of this.simnet.getContractsInterfaces()) {
      const name = contractId.split('.')[1]!;
      for (const ft of iface.fungible_tokens) kinds.set(`.${name}.${ft.name}`, { id: `${contractId}::${ft.name}`, nft: false });
      for (const nft of iface.non_fungible_tokens) kinds.set(`.${name}.${nft.name}`, { id: `${contractId}::${nft.name}`, nft: true });
    }
    return kinds;
  }
}

/** A principal string, checked (c32 checksum, contract name) before it enters a snippet. */
export function canonicalPrincipal(p: string): string {
  const [, name] = p.split('.');
  // the c32 decoder checks the address; contract names it takes as any bytes
  if (name !== undefined && !CONTRACT_NAME.test(name)) {
    throw new LocalChainError('LOCALCHAIN_BAD_REQUEST', `not a contract name: ${name.slice(0, 80)}`);
  }
  try {
    return Cl.principal(p).value;
  } catch (cause) {
    throw new LocalChainError('LOCALCHAIN_BAD_REQUEST', `not a principal: ${p.slice(0, 80)}`, { cause });
  }
}

/** Clarity's contract-name rule (stacks-core `CONTRACT_NAME_REGEX_STRING`). */
const CONTRACT_NAME = /^[a-zA-Z]([a-zA-Z0-9]|[-_]){0,39}$/;
