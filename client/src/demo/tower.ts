// A party's watchtower as the demo runs it: the client's Watchtower core fed by the
// poller over the HTTP readers, its actions signed and sent as its owner, then mined.
// One call is one round: poll, decide, submit, mine. The core decides; this only
// carries its actions to the chain.
import { pollIntoWatchtower } from '../watchtower/poller.js';
import { Watchtower } from '../watchtower/watchtower.js';
import type { Receipt } from './chain-client.js';
import type { PartyNode } from './node.js';
import { CONTRACTS, type World } from './world.js';

export interface TowerRound {
  /** the kinds of the actions the tower took, in order */
  readonly kinds: readonly string[];
  readonly receipts: readonly Receipt[];
}

export function watchtowerFor(owner: PartyNode): Watchtower {
  return new Watchtower({
    contract: CONTRACTS.channel,
    registry: CONTRACTS.registry,
    states: owner.statesSource(),
    secrets: owner.secrets,
    self: owner.party.address,
    assetNames: { [CONTRACTS.sbtc]: 'sbtc-token' },
  });
}

export async function towerRound(w: World, tower: Watchtower, owner: PartyNode, channelIds: readonly Uint8Array[]): Promise<TowerRound> {
  await pollIntoWatchtower(w.chain.ctx, tower, channelIds);
  const h = await w.chain.heights();
  const txids: string[] = [];
  const step = await tower.step({ burnHeight: h.burn, tenureHeight: h.tenure }, async (action) => {
    txids.push(await w.chain.send(action.call, owner.party));
  });
  const failure = step.failed[0]?.error ?? step.problems[0]?.error;
  if (failure !== undefined) throw failure;
  if (txids.length > 0) await w.chain.mine();
  const receipts: Receipt[] = [];
  for (const txid of txids) receipts.push(await w.chain.receipt(txid));
  return { kinds: step.submitted.map((a) => a.kind), receipts };
}
