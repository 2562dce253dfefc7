// Step 7: the summary. From the two snapshots and the transactions of the story it
// builds each party's row (balances before and after in STX and sBTC, transactions and
// fees, off-chain payments and signatures) and the conservation check, then checks
// them: every party's change is exactly the plan's minus its fees, everything deposited
// was paid out, and the contract's escrow is back where it was. Also renders the table.
import type { PartyName } from './accounts.js';
import type { Receipt } from './chain-client.js';
import { DemoCheckError, expectEqual } from './errors.js';
import { fmtSbtc, fmtSigned, fmtStx, table } from './format.js';
import type { Holdings, Snapshot } from './ledger.js';
import { expectedDeltas } from './plan.js';
import { CONTRACTS, type World } from './world.js';

const STEP = 'summary';

export interface PartyRow {
  readonly name: PartyName;
  readonly label: string;
  readonly address: string;
  readonly before: Holdings;
  readonly after: Holdings;
  /** after - before */
  readonly change: Holdings;
  /** what the protocol says the change must be: the plan's payouts minus this party's fees */
  readonly expectedChange: Holdings;
  readonly transactions: number;
  /** µSTX */
  readonly fees: bigint;
  readonly paymentsSent: number;
  readonly paymentsReceived: number;
  /** this party's signatures on off-chain states */
  readonly signatures: number;
}

export interface TokenConservation {
  /** sent into the channel contract during the story */
  readonly deposited: bigint;
  /** paid out by the channel contract during the story */
  readonly paidOut: bigint;
  /** what the channel contract held, before and after: its channels' escrow */
  readonly contractBefore: bigint;
  readonly contractAfter: bigint;
  /** sum over the parties of (change + fees): zero when no value appeared or vanished */
  readonly partiesNet: bigint;
}

export interface Conservation {
  readonly stx: TokenConservation;
  readonly sbtc: TokenConservation;
}

export interface Summary {
  readonly parties: readonly PartyRow[];
  readonly conservation: Conservation;
}

export function summarize(w: World, before: Snapshot, after: Snapshot, story: readonly Receipt[]): Summary {
  const deltas = expectedDeltas(w.plan);
  const parties = (['alice', 'bob', 'carol'] as const).map((name): PartyRow => {
    const node = w.nodes[name];
    const mine = story.filter((r) => r.sender === node.party.address);
    const fees = mine.reduce((s, r) => s + r.fee, 0n);
    const b = before.parties[name];
    const a = after.parties[name];
    return {
      name,
      label: node.party.label,
      address: node.party.address,
      before: b,
      after: a,
      change: { stx: a.stx - b.stx, sbtc: a.sbtc - b.sbtc },
      expectedChange: { stx: deltas[name].stx - fees, sbtc: deltas[name].sbtc },
      transactions: mine.length,
      fees,
      paymentsSent: node.counters.paymentsSent,
      paymentsReceived: node.counters.paymentsReceived,
      signatures: node.counters.signatures,
    };
  });
  const token = (asset: string, pick: (h: Holdings) => bigint): TokenConservation => {
    let deposited = 0n;
    let paidOut = 0n;
    for (const m of story.flatMap((r) => r.moves)) {
      if (m.asset !== asset) continue;
      if (m.recipient === CONTRACTS.channel) deposited += m.amount;
      if (m.sender === CONTRACTS.channel) paidOut += m.amount;
    }
    const fees = (p: PartyRow) => (asset === 'STX' ? p.fees : 0n);
    return {
      deposited,
      paidOut,
      contractBefore: pick(before.contract),
      contractAfter: pick(after.contract),
      partiesNet: parties.reduce((s, p) => s + pick(p.change) + fees(p), 0n),
    };
  };
  return {
    parties,
    conservation: { stx: token('STX', (h) => h.stx), sbtc: token(CONTRACTS.sbtcAsset, (h) => h.sbtc) },
  };
}

/** The summary's own checks; throws DemoCheckError at the first difference. */
export function checkSummary(s: Summary): void {
  for (const p of s.parties) {
    expectEqual(STEP, `${p.label}'s STX change (fees included)`, p.change.stx, p.expectedChange.stx);
    expectEqual(STEP, `${p.label}'s sBTC change`, p.change.sbtc, p.expectedChange.sbtc);
  }
  for (const [name, c] of Object.entries(s.conservation) as [string, TokenConservation][]) {
    expectEqual(STEP, `${name}: paid out vs deposited`, c.paidOut, c.deposited);
    expectEqual(STEP, `${name}: contract holdings after vs before`, c.contractAfter, c.contractBefore);
    expectEqual(STEP, `${name}: parties' net change plus fees`, c.partiesNet, 0n);
  }
  if (s.conservation.stx.deposited === 0n) throw new DemoCheckError(STEP, 'no STX was deposited: the story did not run');
}

export function renderSummary(s: Summary): string {
  const rows = s.parties.map((p) => [
    p.label,
    fmtStx(p.before.stx),
    fmtStx(p.after.stx),
    fmtSigned(p.change.stx, fmtStx),
    fmtSbtc(p.before.sbtc),
    fmtSbtc(p.after.sbtc),
    fmtSigned(p.change.sbtc, fmtSbtc),
    String(p.transactions),
    fmtStx(p.fees),
    p.paymentsSent.toLocaleString('en-US'),
    p.paymentsReceived.toLocaleString('en-US'),
    p.signatures.toLocaleString('en-US'),
  ]);
  const balances = table(
    ['party', 'STX before', 'STX after', 'STX change', 'sBTC before', 'sBTC after', 'sBTC change', 'txs', 'fees (STX)', 'paid off-chain', 'received off-chain', 'states signed'],
    rows,
  );
  const c = s.conservation;
  const cons = table(
    ['conservation', 'deposited', 'paid out', 'escrow before', 'escrow after', 'parties net + fees'],
    [
      ['STX', fmtStx(c.stx.deposited), fmtStx(c.stx.paidOut), fmtStx(c.stx.contractBefore), fmtStx(c.stx.contractAfter), fmtStx(c.stx.partiesNet)],
      ['sBTC', fmtSbtc(c.sbtc.deposited), fmtSbtc(c.sbtc.paidOut), fmtSbtc(c.sbtc.contractBefore), fmtSbtc(c.sbtc.contractAfter), fmtSbtc(c.sbtc.partiesNet)],
    ],
  );
  return `${balances}\n\n${cons}\n`;
}
