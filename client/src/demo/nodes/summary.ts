// The node story's summary: each party's STX and sBTC on-chain before and after, the
// transactions its node sent as the chain records them (the account's history on the
// Stacks API, so a dropped transaction is not counted and a replaced one once), their
// fees, and the change the plan says; the channel contract's escrow must be back where
// it was. checkNodeSummary throws DemoCheckError at the first difference.
import { PARTIES, type PartyName } from '../accounts.js';
import type { DemoChain } from '../chain-client.js';
import { expectEqual } from '../errors.js';
import { fmtSbtc, fmtSigned, fmtStx, table } from '../format.js';
import type { Holdings } from '../ledger.js';
import { CONTRACTS } from '../world.js';
import { expectedNodeDeltas, type NodePlan } from './plan.js';

const STEP = 'summary';
const NAMES = ['alice', 'bob', 'carol'] as const satisfies readonly PartyName[];

export interface NodeLedger {
  readonly parties: Readonly<Record<PartyName, Holdings>>;
  readonly contract: Holdings;
}

export interface NodePartyRow {
  readonly name: PartyName;
  readonly label: string;
  readonly before: Holdings;
  readonly after: Holdings;
  readonly change: Holdings;
  /** the plan's change less this party's fees */
  readonly expectedChange: Holdings;
  /** the contract functions this party's node called, in the order they were mined */
  readonly calls: readonly string[];
  /** µSTX */
  readonly fees: bigint;
}

export interface NodeSummary {
  readonly parties: readonly NodePartyRow[];
  readonly contractBefore: Holdings;
  readonly contractAfter: Holdings;
}

export async function ledger(chain: DemoChain): Promise<NodeLedger> {
  const holdings = async (p: string): Promise<Holdings> => ({ stx: await chain.stx(p), sbtc: await chain.token(p, CONTRACTS.sbtcAsset) });
  const parties = {} as Record<PartyName, Holdings>;
  for (const n of NAMES) parties[n] = await holdings(PARTIES[n].address);
  return { parties, contract: await holdings(CONTRACTS.channel) };
}

interface HistoryTx {
  readonly fee_rate: string;
  readonly sender_address: string;
  readonly tx_type: string;
  readonly contract_call?: { readonly function_name: string };
}

/** What `address` sent that the chain mined, oldest first (the Stacks API's address history). */
async function minedBy(chainUrl: string, address: string): Promise<HistoryTx[]> {
  const res = await fetch(`${chainUrl}/extended/v1/address/${address}/transactions?limit=50`);
  const page = (await res.json()) as { results: HistoryTx[] };
  return page.results.filter((t) => t.sender_address === address).reverse();
}

export async function summarizeNodes(chainUrl: string, plan: NodePlan, before: NodeLedger, after: NodeLedger): Promise<NodeSummary> {
  const deltas = expectedNodeDeltas(plan);
  const parties: NodePartyRow[] = [];
  for (const name of NAMES) {
    const txs = await minedBy(chainUrl, PARTIES[name].address);
    const fees = txs.reduce((s, t) => s + BigInt(t.fee_rate), 0n);
    const b = before.parties[name];
    const a = after.parties[name];
    parties.push({
      name,
      label: PARTIES[name].label,
      before: b,
      after: a,
      change: { stx: a.stx - b.stx, sbtc: a.sbtc - b.sbtc },
      expectedChange: { stx: deltas[name].stx - fees, sbtc: deltas[name].sbtc },
      calls: txs.map((t) => t.contract_call?.function_name ?? t.tx_type),
      fees,
    });
  }
  return { parties, contractBefore: before.contract, contractAfter: after.contract };
}

export function checkNodeSummary(s: NodeSummary): void {
  for (const p of s.parties) {
    expectEqual(STEP, `${p.label}'s STX change (fees included)`, p.change.stx, p.expectedChange.stx);
    expectEqual(STEP, `${p.label}'s sBTC change`, p.change.sbtc, p.expectedChange.sbtc);
  }
  expectEqual(STEP, "the channel contract's STX escrow after vs before", s.contractAfter.stx, s.contractBefore.stx);
  expectEqual(STEP, "the channel contract's sBTC escrow after vs before", s.contractAfter.sbtc, s.contractBefore.sbtc);
}

export function renderNodeSummary(s: NodeSummary): string {
  const balances = table(
    ['party', 'STX before', 'STX after', 'STX change', 'sBTC before', 'sBTC after', 'sBTC change', 'txs', 'fees (STX)'],
    s.parties.map((p) => [
      p.label, fmtStx(p.before.stx), fmtStx(p.after.stx), fmtSigned(p.change.stx, fmtStx),
      fmtSbtc(p.before.sbtc), fmtSbtc(p.after.sbtc), fmtSigned(p.change.sbtc, fmtSbtc), String(p.calls.length), fmtStx(p.fees),
    ]),
  );
  const calls = s.parties.map((p) => `${p.label}'s node sent: ${p.calls.join(', ') || 'nothing'}`).join('\n');
  const escrow = `channel contract escrow: ${fmtStx(s.contractBefore.stx)} STX and ${fmtSbtc(s.contractBefore.sbtc)} sBTC before, ${fmtStx(s.contractAfter.stx)} STX and ${fmtSbtc(s.contractAfter.sbtc)} sBTC after`;
  return `${balances}\n\n${calls}\n${escrow}\n`;
}
