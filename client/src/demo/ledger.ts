// Balances as the chain reports them, at the start of the story and at its end: each
// party's STX and sBTC, the channel contract's holdings and its `escrowed` totals. Only
// reads (HTTP API and read-only calls).
import { getEscrowed } from '../chain/readers.js';
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
  /** what the channel contract principal holds */
  readonly contract: Holdings;
  /** the contract's own `escrowed` accounting (get-escrowed) */
  readonly escrow: Holdings;
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
    escrow: {
      stx: await getEscrowed(w.chain.ctx, { token: null }),
      sbtc: await getEscrowed(w.chain.ctx, { token: CONTRACTS.sbtc }),
    },
  };
}
