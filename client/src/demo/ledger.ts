// Balances as the chain reports them, at the start of the story and at its end: each
// party's STX and sBTC and the channel contract's holdings. Only reads (HTTP API).
import type { PartyName } from './accounts.js';
import { CONTRACTS, type World } from './world.js';

export interface Holdings {
  /** µSTX */
  readonly stx: bigint;
  /** sats */
  readonly sbtc: bigint;
}

export interface Snapshot {
  readonly parties: Readonly<Record<PartyName, Holdings>>;
  /** what the channel contract principal holds: its channels' escrow (PROTOCOL I1) */
  readonly contract: Holdings;
}

export async function snapshot(w: World): Promise<Snapshot> {
  const holdings = async (principal: string): Promise<Holdings> => ({
    stx: await w.chain.stx(principal),
    sbtc: await w.chain.token(principal, CONTRACTS.sbtcAsset),
  });
  const { alice, bob, carol } = w.nodes;
  return {
    parties: {
      alice: await holdings(alice.party.address),
      bob: await holdings(bob.party.address),
      carol: await holdings(carol.party.address),
    },
    contract: await holdings(CONTRACTS.channel),
  };
}
