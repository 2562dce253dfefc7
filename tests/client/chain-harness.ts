// Test harness for the chain layer: submits a builder's ContractCall to the simnet the
// way a node would run it, and checks the post-conditions against the asset events the
// simnet reports (the simnet itself does not enforce post-conditions), decodes the
// call's print events, and gives the readers a simnet-backed ChainContext.
import { expect } from 'vitest';
import { Cl, hexToCV, type ClarityValue } from '@stacks/transactions';
import {
  AssetMap, assetMovesOf, checkPostConditions, contractIdOf, decodeChannelEvents, printEventsOf, simnetReadOnlyCaller,
  type AssetMove, type ChainContext, type ChannelEvent, type ContractCall, type SimnetEvent,
} from '../../client/src/chain/index.js';
import { CHANNEL, REGISTRY } from '../contracts/helpers.js';

export const sources = { channel: CHANNEL, registry: REGISTRY } as const;

/** Readers over the simnet. */
export const ctx: ChainContext = { caller: simnetReadOnlyCaller(simnet), contract: CHANNEL, registry: REGISTRY };

export interface Submitted {
  readonly result: ClarityValue;
  /** who paid whom, to assert on */
  readonly moves: AssetMove[];
  /** what each principal sent, as the post-condition check sees it */
  readonly assets: AssetMap;
  readonly events: ChannelEvent[];
}

/**
 * Run `call` as `sender` (the transaction's origin). The call must succeed, and its
 * post-conditions must hold in deny mode against the assets it moved, judged by the
 * node's rule the local chain enforces: a failing post-condition, or a move no
 * post-condition covers, fails the test (that is what a node would abort).
 */
export function submit(call: ContractCall, sender: string): Submitted {
  const r = simnet.callPublicFn(contractIdOf(call), call.functionName, call.functionArgs, sender);
  expect(r.result.type, `${call.functionName} must succeed, got ${JSON.stringify(r.result)}`).toBe('ok');
  const events = r.events as SimnetEvent[];
  const assets = AssetMap.fromEvents(events);
  const verdict = checkPostConditions(assets, call.postConditions, call.postConditionMode, sender);
  expect(verdict.violations, `${call.functionName}: post-conditions vs asset events`).toEqual([]);
  return { result: r.result, moves: assetMovesOf(events), assets, events: decodeChannelEvents(printEventsOf(events), sources) };
}

/** Run `call` as `sender` expecting `(err u<code>)`; nothing may move. */
export function submitErr(call: ContractCall, sender: string, code: number): void {
  const r = simnet.callPublicFn(contractIdOf(call), call.functionName, call.functionArgs, sender);
  expect(r.result).toBeErr(Cl.uint(code));
  expect(assetMovesOf(r.events as SimnetEvent[])).toEqual([]);
}

/** The simnet's clocks (its tenure height follows the burn height). */
export function chainTime(): { burnHeight: bigint; tenureHeight: bigint } {
  // runSnippet answers with the serialized value
  const raw = simnet.runSnippet('tenure-height') as string | ClarityValue;
  const tenure = typeof raw === 'string' ? hexToCV(raw) : raw;
  if (tenure.type !== 'uint') throw new Error(`tenure-height: ${JSON.stringify(tenure)}`);
  return { burnHeight: BigInt(simnet.burnBlockHeight), tenureHeight: BigInt(tenure.value) };
}
