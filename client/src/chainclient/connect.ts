// The chain clients a service that sends its own transactions needs, built one way for
// the node and the standalone tower: the Stacks API's views, read-only calls to the
// contracts, and a broadcaster for the service's own account (its key pays the fees).
import { createNetwork } from '@stacks/network';
import { httpReadOnlyCaller } from '../chain/read-only-caller.js';
import type { ChainContext } from '../chain/readers.js';
import type { BitStreamConfig, ContractPrincipal } from '../config/load.js';
import { toHex } from '../wire/json.js';
import { StacksApi } from './api.js';
import { Broadcaster } from './broadcaster.js';

export function connectChain(
  config: { readonly chain: BitStreamConfig & { readonly contract: ContractPrincipal }; readonly registry: ContractPrincipal },
  account: { readonly principal: string; readonly privateKey: Uint8Array },
): { api: StacksApi; ctx: ChainContext; broadcaster: Broadcaster } {
  const { chain } = config;
  const network = createNetwork({ network: chain.network === 'mainnet' ? 'mainnet' : chain.network === 'testnet' ? 'testnet' : 'devnet', client: { baseUrl: chain.apiUrl } });
  const api = new StacksApi(chain.apiUrl, network, chain.limits.httpTimeoutMs);
  const ctx: ChainContext = { caller: httpReadOnlyCaller({ network }), contract: chain.contract, registry: config.registry };
  const broadcaster = new Broadcaster({ api, address: account.principal, senderKey: `${toHex(account.privateKey)}01`, maxFee: chain.limits.maxFee, pollMs: chain.limits.pollMs });
  return { api, ctx, broadcaster };
}
