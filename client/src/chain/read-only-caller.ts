// The one seam between the readers and a chain: `ReadOnlyCaller` runs a read-only
// function and returns its Clarity result. This file holds the interface and the
// implementation over HTTP (a Stacks node's /v2/contracts/call-read through
// @stacks/transactions' fetchCallReadOnlyFunction and a @stacks/network network object);
// simnet-caller.ts holds the simnet one for tests. Readers never see which is used.
import { fetchCallReadOnlyFunction, type ClarityValue } from '@stacks/transactions';
import type { StacksNetwork, StacksNetworkName } from '@stacks/network';
import { BitStreamError } from '../errors/errors.js';
import { splitContract } from './validate.js';

export interface ReadOnlyCaller {
  /** Run `functionName` of `contract` (ADDRESS.name) read-only as `sender`. */
  call(contract: string, functionName: string, args: ClarityValue[], sender: string): Promise<ClarityValue>;
}

/** A read-only call that did not produce a result (transport or node failure). */
export class ChainReadError extends BitStreamError {
  constructor(contract: string, functionName: string, cause: unknown) {
    super('CHAIN_READ', `read-only ${contract}::${functionName} failed`, { details: { contract, functionName }, cause });
  }
}

export interface HttpCallerOptions {
  /** a @stacks/network network object or name (mainnet, testnet, devnet, mocknet) */
  readonly network: StacksNetwork | StacksNetworkName;
  /** override the node URL or the fetch function (e.g. an API key middleware) */
  readonly client?: { readonly baseUrl?: string; readonly fetch?: typeof fetch };
}

/** A ReadOnlyCaller over a Stacks node's HTTP API. */
export function httpReadOnlyCaller(options: HttpCallerOptions): ReadOnlyCaller {
  return {
    async call(contract, functionName, args, sender) {
      const { address, name } = splitContract(contract, 'contract');
      try {
        return await fetchCallReadOnlyFunction({
          contractAddress: address,
          contractName: name,
          functionName,
          functionArgs: args,
          senderAddress: sender,
          network: options.network,
          ...(options.client === undefined ? {} : { client: options.client }),
        });
      } catch (cause) {
        throw new ChainReadError(contract, functionName, cause);
      }
    },
  };
}
