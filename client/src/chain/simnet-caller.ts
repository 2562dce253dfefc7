// The clarinet-sdk simnet as a chain for the chain layer's tests: a ReadOnlyCaller over
// `simnet.callReadOnlyFn`, and the conversion of the events a simnet call reports (the
// node event-observer shapes: stx_transfer_event, ft_transfer_event, print_event, …)
// into AssetMoves (who paid whom: what the tests assert a call moved) and PrintEvents.
// Post-conditions are judged on the events themselves (AssetMap, post-condition-check.ts),
// not on AssetMoves. It types the simnet structurally and imports nothing from the SDK,
// so client code never depends on a dev-only package.
import type { ClarityValue } from '@stacks/transactions';
import type { ReadOnlyCaller } from './read-only-caller.js';
import type { ChainEvent } from './post-condition-check.js';
import type { PrintEvent } from './events.js';

/** The part of a clarinet-sdk Simnet the read-only caller uses. */
export interface SimnetLike {
  callReadOnlyFn(contract: string, method: string, args: ClarityValue[], sender: string): { result: ClarityValue };
}

export function simnetReadOnlyCaller(simnet: SimnetLike): ReadOnlyCaller {
  return {
    call: (contract, functionName, args, sender) => Promise.resolve(simnet.callReadOnlyFn(contract, functionName, args, sender).result),
  };
}

/** One event as a simnet call result lists it: the shape the post-condition check reads. */
export type SimnetEvent = ChainEvent;

/** One asset leaving a principal: a transfer (recipient set) or a burn (recipient null). */
export interface AssetMove {
  /** 'STX', or `<token contract>::<asset name>`; NFTs carry `nft: true` */
  readonly asset: string;
  readonly sender: string;
  readonly recipient: string | null;
  readonly amount: bigint;
  readonly nft?: boolean;
}

const str = (data: SimnetEvent['data'], k: string): string => {
  const v = data[k];
  if (typeof v !== 'string') throw new TypeError(`simnet event: ${k} is not a string`);
  return v;
};

/** The assets a call moved out of each sender. Mints move nothing out of anyone. */
export function assetMovesOf(events: readonly SimnetEvent[]): AssetMove[] {
  const moves: AssetMove[] = [];
  for (const { event, data } of events) {
    switch (event) {
      case 'stx_transfer_event':
        moves.push({ asset: 'STX', sender: str(data, 'sender'), recipient: str(data, 'recipient'), amount: BigInt(str(data, 'amount')) });
        break;
      case 'stx_burn_event':
        moves.push({ asset: 'STX', sender: str(data, 'sender'), recipient: null, amount: BigInt(str(data, 'amount')) });
        break;
      case 'ft_transfer_event':
        moves.push({ asset: str(data, 'asset_identifier'), sender: str(data, 'sender'), recipient: str(data, 'recipient'), amount: BigInt(str(data, 'amount')) });
        break;
      case 'ft_burn_event':
        moves.push({ asset: str(data, 'asset_identifier'), sender: str(data, 'sender'), recipient: null, amount: BigInt(str(data, 'amount')) });
        break;
      case 'nft_transfer_event':
        moves.push({ asset: str(data, 'asset_identifier'), sender: str(data, 'sender'), recipient: str(data, 'recipient'), amount: 1n, nft: true });
        break;
      case 'nft_burn_event':
        moves.push({ asset: str(data, 'asset_identifier'), sender: str(data, 'sender'), recipient: null, amount: 1n, nft: true });
        break;
      default:
        break; // prints, mints, stx locks: nothing leaves a principal
    }
  }
  return moves;
}

/** The prints of a call, with the contract that printed each. */
export function printEventsOf(events: readonly SimnetEvent[]): PrintEvent[] {
  return events
    .filter((e) => e.event === 'print_event')
    .map((e) => ({ contract: str(e.data, 'contract_identifier'), value: e.data['value'] as ClarityValue }));
}
